"""Sparse coding: Batch-OMP, L1 (lasso) coding and K-SVD dictionary learning.

The core of the sparse-representation super-resolution methods (Zeyde et
al.'s K-SVD SR, ANR, A+, ScSR), after Rubinstein, Zibulevsky and Elad,
"Efficient Implementation of the K-SVD Algorithm using Batch Orthogonal
Matching Pursuit", Technion CS-2008-08, 2008.

* :func:`batch_omp` is column-oriented, as scikit-learn's ``orthogonal_mp``:
  ``X`` is ``(n_features, n_signals)``, ``D`` is ``(n_features, n_atoms)``
  and the codes ``(n_atoms, n_signals)``.
* :class:`KSVD` is a scikit-learn-style estimator, row-oriented: ``fit``
  and ``transform`` take ``(n_samples, n_features)`` and ``dictionary_`` is
  ``(n_atoms, n_features)``; use ``dictionary_.T`` with :func:`batch_omp`.
* :func:`sparse_code_l1` solves the lasso ``min_x 1/2 ||y - D x||^2 +
  lam ||x||_1`` for each signal by feature-sign search (Lee et al., NIPS
  2007), as ScSR (Yang et al., TIP 2010); same conventions as
  :func:`batch_omp`.

Importing this package compiles nothing: the Numba kernels are imported on
first use.
"""

from .ksvd import KSVD
from .l1 import sparse_code_l1
from .omp import batch_omp

__all__ = ["KSVD", "batch_omp", "sparse_code_l1"]
