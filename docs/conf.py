"""Sphinx configuration of the classicsr documentation.

Build (offline, from the package index only: ``pip install ".[docs]"``)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

Before Sphinx reads the sources, :mod:`classicsr_docs` (``docs/_ext``) writes
``docs/generated/``: one page per registered method (from the registry, with
speed and PSNR from ``benchmarks/results/*.json``), the method-choice table
and a copy of ``examples/`` for sphinx-gallery (given a title line; the
examples run with ``--fast``, their PNG files are the gallery's figures).
"""

import importlib.util
import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))

import classicsr  # noqa: E402
import classicsr_docs  # noqa: E402

classicsr_docs.write_generated(DOCS)

project = "classicsr"
author = "the classicsr developers"
copyright = "the classicsr developers"
version = release = classicsr.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

exclude_patterns = ["_build", "generated/gallery_src", "**.ipynb_checkpoints"]
templates_path = ["_templates"]
html_theme = "pydata_sphinx_theme"
html_title = f"classicsr {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_static_path = []
html_context = {"default_mode": "light"}
html_show_sourcelink = False

# The build is offline: no inventories are fetched.
intersphinx_mapping = {}

autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"members": True, "inherited-members": False,
                           "show-inheritance": True}
# torch and onnx (the ``train`` extra) are imported by classicsr.cnn.networks at
# module level: without them the pages are made from mocks (as in CI, which
# installs the test and docs extras only). CLASSICSR_DOCS_MOCK=1 forces that here.
autodoc_mock_imports = [m for m in ("torch", "onnx") if os.environ.get("CLASSICSR_DOCS_MOCK")
                        or importlib.util.find_spec(m) is None]
autodoc_typehints = "none"  # numpydoc writes the types from the docstrings
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

default_role = "py:obj"
nitpicky = False

sphinx_gallery_conf = {
    "examples_dirs": str(DOCS / "generated" / "gallery_src"),
    "gallery_dirs": str(DOCS / "auto_examples"),
    "filename_pattern": classicsr_docs.GALLERY_RUN_PATTERN,  # the examples that run
    "image_scrapers": ("matplotlib", "classicsr_docs.png_scraper"),
    "reset_argv": "classicsr_docs.reset_argv",
    "reset_modules": ("matplotlib", "classicsr_docs.reset_working_files"),
    "abort_on_example_error": True,
    "plot_gallery": "True",
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_memory": False,
    "min_reported_time": 1,
    "within_subsection_order": "FileNameSortKey",
    "write_computation_times": False,
    "capture_repr": (),
}



def _skip_foreign_members(app, what, name, obj, skip, options):
    """Leave out the members scikit-learn adds to estimators (``set_fit_request``
    and the like): documented by scikit-learn, and cross-referenced to its site."""
    module = getattr(obj, "__module__", "") or ""
    if module.startswith("sklearn.") or (name.startswith("set_") and name.endswith("_request")):
        return True
    return skip


def setup(app):
    app.connect("autodoc-skip-member", _skip_foreign_members)


os.environ.setdefault("MPLBACKEND", "Agg")
# The gallery runs on embedded and drawn images only: the same pages on every
# machine, and no pixels of the research-use datasets of ../shared (FEI faces,
# Set5/Set14) in the built site. An empty data root makes the examples fall back.
_NO_DATA = DOCS / "generated" / "no_data"
_NO_DATA.mkdir(parents=True, exist_ok=True)
os.environ["CLASSICSR_DATA"] = str(_NO_DATA)
