"""Numba kernels of the example-based methods (imported lazily)."""

import numpy as np
from numba import njit, prange


@njit(cache=True, parallel=True)
def argmax_abs_rows(scores, out):
    """``out[i] = argmax_j |scores[i, j]|`` (first maximum on ties, as MATLAB's max)."""
    for i in prange(scores.shape[0]):
        row = scores[i]
        best = -1.0
        arg = 0
        for j in range(row.size):
            v = abs(row[j])
            if v > best:
                best = v
                arg = j
        out[i] = arg


@njit(cache=True, parallel=True)
def apply_anchored(features, nearest, regressors, out):
    """``out[i] = regressors[nearest[i]] @ features[i]`` for every row ``i``."""
    n_out, d = regressors.shape[1], regressors.shape[2]
    for i in prange(features.shape[0]):
        reg = regressors[nearest[i]]
        f = features[i]
        dst = out[i]
        for r in range(n_out):
            acc = 0.0
            row = reg[r]
            for k in range(d):
                acc += row[k] * f[k]
            dst[r] = acc
