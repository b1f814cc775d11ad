"""Numba kernels for the separable 1-D resampling passes.

Imported lazily by :func:`classicsr.resize.imresize` so that importing
``classicsr`` compiles nothing. Each pass accumulates in float64, in tap
order (as MATLAB's ``imresizemex``), and writes the output class: integer
outputs are rounded half away from zero and saturated to ``[0, maxval]``;
float outputs (``maxval == 0``) are stored as computed.
"""

import numpy as np
from numba import njit, prange


@njit(cache=True, inline="always")
def _round_saturate(value, maxval):
    """MATLAB's conversion of a double to an unsigned integer class."""
    if value <= 0.0:
        return 0.0
    if value >= maxval:
        return maxval
    floor = np.floor(value)
    if value - floor >= 0.5:
        return floor + 1.0
    return floor


@njit(cache=True, parallel=True)
def resize_axis0(src, weights, lo, hi, indices, maxval, out):
    """Resize along the first axis of a 2-D array.

    ``src`` is ``(n_in, m)`` (a channels-last image reshaped so that width and
    channels are one contiguous axis) and ``out`` is ``(n_out, m)``. The inner
    loop runs over contiguous memory and vectorises.
    """
    n_out, m = out.shape
    for i in prange(n_out):
        acc = np.zeros(m)
        for k in range(lo[i], hi[i]):
            w = weights[i, k]
            row = src[indices[i, k]]
            for j in range(m):
                acc[j] += w * row[j]
        dst = out[i]
        if maxval > 0.0:
            for j in range(m):
                dst[j] = _round_saturate(acc[j], maxval)
        else:
            for j in range(m):
                dst[j] = acc[j]


@njit(cache=True, parallel=True)
def resize_axis1(src, weights, lo, hi, indices, maxval, out):
    """Resize along the second axis of a 3-D ``(H, W, C)`` array."""
    n_rows, n_out, n_ch = out.shape
    for r in prange(n_rows):
        row = src[r]
        dst = out[r]
        for i in range(n_out):
            for c in range(n_ch):
                acc = 0.0
                for k in range(lo[i], hi[i]):
                    acc += weights[i, k] * row[indices[i, k], c]
                if maxval > 0.0:
                    dst[i, c] = _round_saturate(acc, maxval)
                else:
                    dst[i, c] = acc
