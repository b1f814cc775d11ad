"""Numba kernels of the example-based methods (imported lazily)."""

import numpy as np
from numba import njit, prange


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
