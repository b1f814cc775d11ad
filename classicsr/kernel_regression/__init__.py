"""Kernel regression super-resolution.

* :mod:`~classicsr.kernel_regression.kim_kwon` -- Kim & Kwon (TPAMI 2010):
  sparse kernel ridge regression (kernel matching pursuit and gradient
  descent on the basis) from interpolated patches to HR patches, with the
  combination of overlapping candidates;
* :mod:`~classicsr.kernel_regression.svr` -- Ni & Nguyen (TIP 2007):
  support vector regression from LR patches to HR pixels.

Shared steps are private: ``_sparse_krr`` (kernel, matching pursuit,
gradient descent), ``_patches`` (dense patches, candidate combination).
"""

from .kim_kwon import KimKwon
from .svr import SupportVectorRegression

__all__ = ["KimKwon", "SupportVectorRegression"]
