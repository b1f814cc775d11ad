"""Numba kernels of the example-based methods (imported lazily)."""

import numpy as np
from numba import njit, prange

from ..sparse._cholesky import cholesky_row_solve, cholesky_solve

__all__ = ["anchored_apply", "lle_apply"]


@njit(cache=True, parallel=True)
def anchored_apply(features, anchors_t, regressors, out):
    """Anchor search and regression, one feature (patch) at a time.

    For feature ``f = features[i]``: correlations ``s = f @ anchors_t`` with
    every anchor (vectorised over the anchors), ``a = argmax |s|`` (first
    maximum on ties, as MATLAB's ``max``), ``out[i] = regressors[a] @ f``.
    Fused so that no ``n x n_anchors`` matrix is written, and so that no
    BLAS call runs between Numba kernels (OpenBLAS worker threads spinning
    after a call slow Numba's threads down on small machines).
    """
    n, d = features.shape
    n_anchors = anchors_t.shape[1]
    n_out = regressors.shape[1]
    for i in prange(n):
        f = features[i]
        score = np.zeros(n_anchors, dtype=anchors_t.dtype)
        for k in range(d):
            fk = f[k]
            row = anchors_t[k]
            for a in range(n_anchors):
                score[a] += fk * row[a]
        best = -1.0
        arg = 0
        for a in range(n_anchors):
            v = abs(score[a])
            if v > best:
                best = v
                arg = a
        reg = regressors[arg]
        dst = out[i]
        for r in range(n_out):
            acc = 0.0
            weights = reg[r]
            for k in range(d):
                acc += weights[k] * f[k]
            dst[r] = acc


@njit(cache=True, parallel=True)
def lle_apply(features, atoms_t, dict_lo, dict_hi, neighbours, tol, out):
    """NE+LLE, one feature (patch) at a time.

    For feature ``f = features[i]``: correlations with every atom (vectorised
    over the atoms, as :func:`anchored_apply`), the ``neighbours`` atoms of
    largest ``|correlation|`` (the first seen on ties), their local
    covariance ``C = Z Z^T`` with ``Z = D_lo[hood] - f``, regularised by
    ``tol * trace(C)`` on the diagonal (``tol`` when the trace is 0), the
    weights ``w = C^-1 1 / sum(C^-1 1)`` (Cholesky with the helpers of
    :mod:`classicsr.sparse._cholesky`: ``C`` is positive definite) and
    ``out[i] = w @ D_hi[hood]``.
    """
    n, d = features.shape
    n_atoms = atoms_t.shape[1]
    n_out = dict_hi.shape[1]
    k = neighbours
    order = np.arange(k)
    ones = np.ones(k)
    for i in prange(n):
        f = features[i]
        chol = np.empty((k, k))
        tmp = np.empty(k)
        w = np.empty(k)
        score = np.zeros(n_atoms)
        for t in range(d):
            ft = f[t]
            row = atoms_t[t]
            for a in range(n_atoms):
                score[a] += ft * row[a]
        # top-k of |score| by insertion into a list sorted by decreasing value
        best = np.full(k, -1.0)
        hood = np.zeros(k, dtype=np.int64)
        for a in range(n_atoms):
            s = abs(score[a])
            if s > best[k - 1]:
                p = k - 1
                while p > 0 and best[p - 1] < s:
                    best[p] = best[p - 1]
                    hood[p] = hood[p - 1]
                    p -= 1
                best[p] = s
                hood[p] = a
        z = np.empty((k, d))
        for p in range(k):
            for t in range(d):
                z[p, t] = dict_lo[hood[p], t] - f[t]
        c = np.empty((k, k))  # lower triangle of C
        trace = 0.0
        for p in range(k):
            for q in range(p + 1):
                acc = 0.0
                for t in range(d):
                    acc += z[p, t] * z[q, t]
                c[p, q] = acc
            trace += c[p, p]
        reg = tol * trace if trace != 0.0 else tol
        # Cholesky C + reg I = L L^T row by row, then L L^T w = 1
        for p in range(k):
            ww = cholesky_row_solve(c[p], order, p, chol)
            chol[p, p] = np.sqrt(c[p, p] + reg - ww)
        cholesky_solve(chol, k, ones, tmp, w)
        total = 0.0
        for p in range(k):
            total += w[p]
        for j in range(n_out):
            out[i, j] = 0.0
        for p in range(k):
            wp = w[p] / total
            row = dict_hi[hood[p]]
            for j in range(n_out):
                out[i, j] += wp * row[j]
