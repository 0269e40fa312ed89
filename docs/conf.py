"""Sphinx configuration: numpydoc, sphinx-gallery, pydata theme, MyST pages."""

import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import somcolor  # noqa: E402

project = "somcolor"
author = "somcolor developers"
copyright = "2026, somcolor developers"
version = release = somcolor.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints", "auto_examples/*.ipynb"]
templates_path = ["_templates"]

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
numpydoc_validation_checks = set()

myst_heading_anchors = 3
suppress_warnings = ["myst.header"]

intersphinx_mapping = {}

sphinx_gallery_conf = {
    "examples_dirs": str(HERE.parent / "examples"),
    "gallery_dirs": "auto_examples",
    # Only plot_*.py files are executed and shown; other scripts in examples/
    # (which need the eight-scene data) are left out of the gallery.
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"(^|[/\\])(?!plot_)[^/\\]+\.py$",
    "download_all_examples": False,
    "plot_gallery": "True",
    "within_subsection_order": "FileNameSortKey",
    "show_memory": False,
    "remove_config_comments": True,
}

html_theme = "pydata_sphinx_theme"
html_title = f"somcolor {release}"
html_theme_options = {"navigation_with_keys": False, "show_toc_level": 2}
html_static_path = []

nitpicky = False
os.environ.setdefault("MPLBACKEND", "Agg")


def _add_paper_page(app, docname, source):
    """List docs/paper.md (reproducing the paper) in the index when present."""
    if docname == "index" and (HERE / "paper.md").exists():
        source[0] = source[0].replace("\napi\n```", "\napi\npaper\n```", 1)


def setup(app):
    app.connect("source-read", _add_paper_page)
