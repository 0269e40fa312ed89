"""Doctests of somcolor's docstrings.

Their examples fit on a thumbnail or two, on purpose, to run in a second;
the warnings that such a fit gives (very little training data, the
classifier's epoch limit) are expected there and not shown. Every other
test keeps them (see tests/conftest.py). Doctests of modules that need an
optional extra are skipped, with the reason, when the extra is not
installed (the test files do the same with ``pytest.importorskip``).
"""

import importlib.util
import warnings

import pytest

#: Module (path from the repository root) -> (package it needs, extra).
_NEEDS = {
    "somcolor/plotting.py": ("matplotlib", "plot"),
    "somcolor/video.py": ("av", "video"),
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = item.nodeid.split("::")[0]
        if module in _NEEDS:
            package, extra = _NEEDS[module]
            if importlib.util.find_spec(package) is None:
                reason = f"needs {package}: pip install 'somcolor[{extra}]'"
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def _docstring_examples_fit_small_models(request):
    if type(request.node).__name__ != "DoctestItem":
        yield
        return
    from somcolor import NotConvergedWarning, TrainingDataWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TrainingDataWarning)
        warnings.simplefilter("ignore", NotConvergedWarning)
        yield
