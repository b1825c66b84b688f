"""Sphinx configuration for the custvalue documentation.

Build (strict, as the test suite does)::

    .venv/bin/python -m sphinx -W --keep-going -b html docs docs/_build/html

The API reference is generated at build time from each package's ``__all__``
(:mod:`_apigen`), the notebooks are copied from ``notebooks/`` and rendered with their
committed outputs (never executed here), and the benchmark table is included from
``benchmarks/results/results.md`` when it exists.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS))
sys.path.insert(0, str(DOCS.parent))
os.environ.setdefault("MPLBACKEND", "Agg")

import _apigen  # noqa: E402

import custvalue  # noqa: E402

project = "custvalue"
author = "the custvalue developers"
copyright = "the custvalue developers, BSD-3-Clause"
release = custvalue.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
    "matplotlib.sphinxext.plot_directive",
]
# the gallery (docs/plots.md) is drawn at build time; no source/format links beside it
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 80)]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "jupyter_execute", "README.md", "**.ipynb_checkpoints"]

# autodoc / autosummary / numpydoc
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"          # numpydoc's Parameters sections carry the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_attributes_as_param_list = True

# myst / myst-nb: render committed outputs, never execute (the test suite runs notebooks)
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# no network: no intersphinx, MathJax from the theme's default CDN only at view time
html_theme = "pydata_sphinx_theme"
html_title = f"custvalue {release}"
html_static_path = []
html_theme_options = {
    "navigation_depth": 2,
    "collapse_navigation": True,   # much faster on ~300 API pages; the page TOC is on the right
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": [],
}
html_show_sourcelink = False


def _generate(app, config):
    """Write the API pages, notebook copies and benchmark table before sources are read."""
    from sphinx.util import logging

    logger = logging.getLogger("custvalue.docs")
    _apigen.write_api_pages()
    for problem in _apigen.copy_notebooks():
        logger.warning(problem)
    _apigen.write_benchmarks()


def setup(app):
    app.connect("config-inited", _generate)
    return {"parallel_read_safe": True}
