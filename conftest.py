"""pytest at the repository root: which files the doctest collection skips.

``setup.cfg`` runs the docstring examples of the package
(``--doctest-modules`` over ``tests`` and ``classicsr``). Modules that need
an optional extra are left out when that extra is not installed, instead of
failing at import; scripts outside the package are never collected as
doctests. This file is not part of the package (nor of its wheel).

Being at the root, this file also puts the repository first on
``sys.path`` (pytest's default ``prepend`` import mode), so the tests and
the doctests import the same ``classicsr`` -- the working tree -- even where
a non-editable copy is installed in the environment.
"""

import importlib.util

# Scripts and data, not modules of the package; this file itself (``pytest .``
# would collect it as a doctest module beside tests/conftest.py).
collect_ignore = ["conftest.py", "benchmarks", "examples", "data", "classicsr/__main__.py"]

#: Files whose import or examples need an optional dependency.
_OPTIONAL = {
    "torch": ["classicsr/cnn/networks.py", "classicsr/cnn/train.py", "classicsr/cnn/export.py"],
    "onnx": ["classicsr/cnn/export.py"],
    "dask": ["classicsr/dask.py"],
}

for _module, _paths in _OPTIONAL.items():
    if importlib.util.find_spec(_module) is None:
        collect_ignore += [p for p in _paths if p not in collect_ignore]
