"""Integer (fixed-point) kernel for the fused two-pass upscale of integer images.

Used by :func:`classicsr.resize._imresize` only when it is bit-exact with the
float64 kernels of :mod:`classicsr.resize._kernels`: every weight of both
axes is a dyadic rational ``w = n / 2**shift`` (true of bicubic, bilinear
and nearest at the factors 2 and 4, among others) and ``sum |n| * maxval``
fits an int32. Then every product ``w * v`` and every partial sum of the
float64 computation is exact (multiples of ``2**-shift`` far below 2**53), so
the float64 value equals ``a / 2**shift`` for the integer sum ``a``, and
MATLAB's round-half-away-from-zero followed by saturation to ``[0, maxval]``
equals ``clip((a + 2**(shift-1)) >> shift, 0, maxval)`` (a negative value
saturates to 0 either way). Integer lanes are twice as many per vector as
float64 lanes and the rounding is a shift, which is the point.

Imported lazily, like :mod:`classicsr.resize._kernels`.
"""

import numpy as np
from numba import njit, prange

__all__ = ["resize_fused_fixed"]


@njit(cache=True, inline="always")
def _round_shift(acc, half, shift, maxval):
    return min(max((acc + half) >> shift, 0), maxval)


@njit(cache=True, parallel=True)
def resize_fused_fixed(src, weights0, lo0, hi0, indices0, shift0, start, period, base, count,
                       taps, run_weights, irregular, weights1, lo1, hi1, indices1, shift1,
                       maxval, out):
    """Rows then columns, one output row at a time, in int32 arithmetic.

    The arguments mirror :func:`classicsr.resize._kernels.resize_fused`, with
    the float weights replaced by int32 numerators (``weights0``,
    ``run_weights``, ``weights1``) over ``2**shift0`` and ``2**shift1``.
    """
    n_in, n_cols, n_ch = src.shape
    n_out, n_cols_out = out.shape[0], out.shape[1]
    flat_src = src.reshape(n_in, n_cols * n_ch)
    flat_out = out.reshape(n_out, n_cols_out * n_ch)
    m = n_cols * n_ch
    half0 = np.int32(1 << (shift0 - 1)) if shift0 > 0 else np.int32(0)
    half1 = np.int32(1 << (shift1 - 1)) if shift1 > 0 else np.int32(0)
    top = np.int32(maxval)
    longest = 1
    for g in range(count.size):
        longest = max(longest, count[g] * n_ch)
    for i in prange(n_out):
        # First pass: output row i as a weighted sum of source rows.
        acc = np.zeros(m, np.int32)
        k, end = lo0[i], hi0[i]
        while end - k >= 4:
            b0, b1 = weights0[i, k], weights0[i, k + 1]
            b2, b3 = weights0[i, k + 2], weights0[i, k + 3]
            r0, r1 = flat_src[indices0[i, k]], flat_src[indices0[i, k + 1]]
            r2, r3 = flat_src[indices0[i, k + 2]], flat_src[indices0[i, k + 3]]
            for q in range(m):
                acc[q] += (b0 * np.int32(r0[q]) + b1 * np.int32(r1[q])
                           + b2 * np.int32(r2[q]) + b3 * np.int32(r3[q]))
            k += 4
        while k < end:
            b0 = weights0[i, k]
            r0 = flat_src[indices0[i, k]]
            for q in range(m):
                acc[q] += b0 * np.int32(r0[q])
            k += 1
        mid = np.empty(m, np.int32)
        for q in range(m):
            mid[q] = _round_shift(acc[q], half0, shift0, top)
        # Second pass: polyphase runs (contiguous 1-D convolutions), placed.
        tmp = np.empty(longest, out.dtype)
        dst = flat_out[i]
        for g in range(start.size):
            mm = count[g] * n_ch
            off = base[g] * n_ch
            if taps[g] == 4:
                a0, a1 = run_weights[g, 0], run_weights[g, 1]
                a2, a3 = run_weights[g, 2], run_weights[g, 3]
                s0 = mid[off:off + mm]
                s1 = mid[off + n_ch:off + n_ch + mm]
                s2 = mid[off + 2 * n_ch:off + 2 * n_ch + mm]
                s3 = mid[off + 3 * n_ch:off + 3 * n_ch + mm]
                for q in range(mm):
                    tmp[q] = _round_shift(a0 * s0[q] + a1 * s1[q] + a2 * s2[q] + a3 * s3[q],
                                          half1, shift1, top)
            else:
                for q in range(mm):
                    a = np.int32(0)
                    for t in range(taps[g]):
                        a += run_weights[g, t] * mid[off + t * n_ch + q]
                    tmp[q] = _round_shift(a, half1, shift1, top)
            first, step = start[g] * n_ch, period[g] * n_ch
            if n_ch == 3:
                for n in range(count[g]):
                    d, a = first + n * step, 3 * n
                    dst[d] = tmp[a]
                    dst[d + 1] = tmp[a + 1]
                    dst[d + 2] = tmp[a + 2]
            else:
                for n in range(count[g]):
                    for c in range(n_ch):
                        dst[first + n * step + c] = tmp[n * n_ch + c]
        for j in irregular:
            for c in range(n_ch):
                a = np.int32(0)
                for t in range(lo1[j], hi1[j]):
                    a += weights1[j, t] * mid[indices1[j, t] * n_ch + c]
                dst[j * n_ch + c] = _round_shift(a, half1, shift1, top)
