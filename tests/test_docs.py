"""The documentation builds without warnings, gallery included.

Runs ``sphinx-build -W`` on a copy of ``docs/`` and ``examples/`` (so that
the generated gallery and API pages stay out of the checkout), then checks
that the gallery pictures exist and that every public name has a page.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import somcolor

pytestmark = pytest.mark.slow  # builds the documentation

pytest.importorskip("sphinx", reason="the docs build needs sphinx ('.[docs]')")
pytest.importorskip("sphinx_gallery", reason="the docs build needs sphinx-gallery")
pytest.importorskip("numpydoc", reason="the docs build needs numpydoc")
pytest.importorskip("pydata_sphinx_theme", reason="the docs need pydata-sphinx-theme")
pytest.importorskip("myst_parser", reason="the docs build needs myst-parser")

ROOT = Path(__file__).resolve().parents[1]


def test_docs_build_without_warnings(tmp_path):
    for folder in ("docs", "examples"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    env = dict(os.environ, MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    html = tmp_path / "html"
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html"]
        + [str(tmp_path / "docs"), str(html)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    images = sorted(p.name for p in (html / "_images").glob("sphx_glr_plot_*.png"))
    assert "sphx_glr_plot_colorize_photo_001.png" in images
    assert "sphx_glr_plot_som_size_001.png" in images
    # Only plot_*.py examples are in the gallery (others need the data set).
    assert not list((tmp_path / "docs" / "auto_examples").glob("evaluate_*"))
    generated = {p.stem for p in (html / "generated").glob("*.html")}
    for name in somcolor.__all__:
        if name != "__version__":
            assert f"somcolor.{name}" in generated, name
    guide = (html / "user_guide.html").read_text()
    for section in ("Reproducing the paper", "Scaling out", "loading a pickle"):
        assert section in guide
