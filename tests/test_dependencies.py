"""The supported dependency versions: stated once, in pyproject.toml, and
true.

CI runs the whole suite twice: with the newest releases, and with every
dependency (runtime and extras) at the lower bound of pyproject.toml
(``.ci/lowest``). These tests check what that run cannot see by itself: that
the README states the same bounds, and what somcolor assumes of a dependency
that a test elsewhere would not notice.
"""

import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from threadpoolctl import ThreadpoolController

ROOT = Path(__file__).resolve().parents[1]


def _project():
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        tomllib = pytest.importorskip("tomli")
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _lower_bounds():
    """Package -> lower bound, over the dependencies and every extra."""
    project = _project()
    groups = [project["dependencies"], *project["optional-dependencies"].values()]
    bounds = {}
    for text in (t for group in groups for t in group):
        requirement = Requirement(text)
        if requirement.name == project["name"]:
            continue
        (bound,) = [s.version for s in requirement.specifier if s.operator == ">="]
        bounds[requirement.name.lower()] = bound
    return bounds


def _readme_table():
    """Rows ``package -> lowest`` of the README's supported-versions table."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Supported versions", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([^`]+)` \| ([0-9][^ |]*) \|", section, re.MULTILINE)
    return {Requirement(name).name.lower(): lowest for name, lowest in rows}


def test_readme_states_the_bounds_of_pyproject():
    bounds = _lower_bounds()
    stated = _readme_table()
    runtime = [Requirement(t).name.lower() for t in _project()["dependencies"]]
    assert set(runtime) <= set(stated), "every runtime dependency is in the table"
    assert {name: bounds[name] for name in stated} == stated
    python = Requirement("python" + _project()["requires-python"])
    (lowest,) = [s.version for s in python.specifier if s.operator == ">="]
    assert f"Python {lowest} or newer" in (ROOT / "README.md").read_text()


def _loaded_openblas():
    """Paths of the OpenBLAS libraries mapped into this process (Linux)."""
    maps = Path("/proc/self/maps")
    if not maps.exists():
        pytest.skip("needs /proc/self/maps (Linux) to list the loaded libraries")
    paths = {line.split()[-1] for line in maps.read_text().splitlines()}
    return {Path(p).resolve() for p in paths if "openblas" in Path(p).name.lower()}


def test_threadpoolctl_controls_every_loaded_blas():
    # The fast colorizing path limits BLAS to one thread per numba thread
    # through threadpoolctl; numba's np.dot calls SciPy's BLAS. The wheels of
    # NumPy 2 and SciPy 1.13 and newer ship OpenBLAS as libscipy_openblas,
    # which threadpoolctl recognises from 3.5 on: before, it does not see
    # that library and the limit leaves it alone.
    import numpy as np
    import scipy.linalg.cython_blas  # noqa: F401  (what numba's np.dot uses)

    np.ones((2, 2)) @ np.ones((2, 2))
    controller = ThreadpoolController()
    blas = [lib for lib in controller.info() if lib["user_api"] == "blas"]
    assert blas, "threadpoolctl finds no BLAS library"
    seen = {Path(lib["filepath"]).resolve() for lib in blas}
    assert _loaded_openblas() <= seen
    with controller.limit(limits=1, user_api="blas"):
        limited = ThreadpoolController().info()
        assert all(
            lib["num_threads"] == 1 for lib in limited if lib["user_api"] == "blas"
        )
