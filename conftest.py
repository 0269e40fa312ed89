"""Doctests of modules that need an optional extra are skipped, with the
reason, when the extra is not installed (the test files do the same with
``pytest.importorskip``)."""

import importlib.util

import pytest

#: Module (path from the repository root) -> (package it needs, extra).
_NEEDS = {"somcolor/plotting.py": ("matplotlib", "plot")}


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = item.nodeid.split("::")[0]
        if module in _NEEDS:
            package, extra = _NEEDS[module]
            if importlib.util.find_spec(package) is None:
                reason = f"needs {package}: pip install 'somcolor[{extra}]'"
                item.add_marker(pytest.mark.skip(reason=reason))
