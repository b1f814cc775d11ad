"""Numba kernels for the separable 1-D resampling passes.

Imported lazily by :func:`classicsr.resize._imresize` so that importing
``classicsr`` compiles nothing. Each pass accumulates in float64, tap by tap
in MATLAB's order (as ``imresizemex``), and converts to the output class:
integer outputs are rounded half away from zero and saturated to
``[0, maxval]``; float outputs (``maxval == 0``) are stored as computed.

Both passes keep the innermost loop over contiguous memory so that LLVM
vectorises it: the first-axis pass runs over whole rows; the second-axis pass
transposes a tile of rows into a small buffer first, so that its taps, too,
are contiguous vectors.
"""

import numpy as np
from numba import njit, prange

__all__ = ["resize_axis0", "resize_axis1", "resize_axis1_runs", "resize_fused"]

#: Rows per tile in the second-axis pass (tile * channels float64 lanes).
_TILE = 16


@njit(cache=True, inline="always")
def _round_saturate(value, maxval):
    """MATLAB's conversion of a double to an unsigned integer class."""
    floor = np.floor(value)
    rounded = floor + 1.0 if value - floor >= 0.5 else floor
    return min(max(rounded, 0.0), maxval)


@njit(cache=True, inline="always")
def _weighted_sum(acc, weights, lo, hi, indices, i, rows):
    """``acc = sum_k weights[i, k] * rows[indices[i, k]]`` over the non-zero taps.

    Taps are taken four per sweep over ``acc``: ``acc = ((acc + w0 r0) + w1
    r1) + ...``, the same additions in the same order as one tap per sweep
    (the first sweep starts from its first product, which equals ``0 + w0
    r0``), with a quarter of the loads and stores of ``acc``.
    """
    k = lo[i]
    end = hi[i]
    m = acc.size
    if end - k >= 4:
        r0, r1 = rows[indices[i, k]], rows[indices[i, k + 1]]
        r2, r3 = rows[indices[i, k + 2]], rows[indices[i, k + 3]]
        w0, w1, w2, w3 = weights[i, k], weights[i, k + 1], weights[i, k + 2], weights[i, k + 3]
        for q in range(m):
            acc[q] = w0 * r0[q] + w1 * r1[q] + w2 * r2[q] + w3 * r3[q]
        k += 4
    else:
        acc[:] = 0.0
    while end - k >= 4:
        r0, r1 = rows[indices[i, k]], rows[indices[i, k + 1]]
        r2, r3 = rows[indices[i, k + 2]], rows[indices[i, k + 3]]
        w0, w1, w2, w3 = weights[i, k], weights[i, k + 1], weights[i, k + 2], weights[i, k + 3]
        for q in range(m):
            acc[q] = acc[q] + w0 * r0[q] + w1 * r1[q] + w2 * r2[q] + w3 * r3[q]
        k += 4
    while k < end:
        w = weights[i, k]
        row = rows[indices[i, k]]
        for q in range(m):
            acc[q] += w * row[q]
        k += 1


@njit(cache=True, inline="always")
def _to_output_class(acc, maxval):
    """Round and saturate ``acc`` in place when the output is an integer class."""
    if maxval > 0.0:
        for q in range(acc.size):
            acc[q] = _round_saturate(acc[q], maxval)


@njit(cache=True, parallel=True)
def resize_axis0(src, weights, lo, hi, indices, maxval, out):
    """Resize along the first axis of a 2-D array.

    ``src`` is ``(n_in, m)`` (a channels-last image reshaped so that width and
    channels are one contiguous axis) and ``out`` is ``(n_out, m)``.
    """
    n_out, m = out.shape
    for i in prange(n_out):
        acc = np.empty(m)
        _weighted_sum(acc, weights, lo, hi, indices, i, src)
        _to_output_class(acc, maxval)
        dst = out[i]
        for q in range(m):
            dst[q] = acc[q]


@njit(cache=True, parallel=True)
def resize_axis1(src, weights, lo, hi, indices, maxval, out):
    """Resize along the second axis of a 3-D ``(H, W, C)`` array.

    Rows are processed in tiles of ``_TILE``: the tile is transposed to a
    ``(W, tile * C)`` float64 buffer, each output column is then a weighted
    sum of buffer rows (contiguous, vectorised) kept in a tile buffer, and
    the tile is written back row by row (contiguous stores).
    """
    n_rows, n_in, n_ch = src.shape
    n_out = out.shape[1]
    flat_src = src.reshape(n_rows, n_in * n_ch)
    flat_out = out.reshape(n_rows, n_out * n_ch)
    n_tiles = (n_rows + _TILE - 1) // _TILE
    for b in prange(n_tiles):
        r0 = b * _TILE
        rows = min(_TILE, n_rows - r0)
        lanes = rows * n_ch
        buf = np.empty((n_in, lanes))
        for t in range(rows):
            src_row = flat_src[r0 + t]
            for j in range(n_in):
                for c in range(n_ch):
                    buf[j, t * n_ch + c] = src_row[j * n_ch + c]
        acc = np.empty(lanes)
        tile_out = np.empty((n_out, lanes), dtype=out.dtype)
        for i in range(n_out):
            _weighted_sum(acc, weights, lo, hi, indices, i, buf)
            _to_output_class(acc, maxval)
            for q in range(lanes):
                tile_out[i, q] = acc[q]
        for t in range(rows):
            out_row = flat_out[r0 + t]
            for i in range(n_out):
                for c in range(n_ch):
                    out_row[i * n_ch + c] = tile_out[i, t * n_ch + c]


@njit(cache=True, inline="always")
def _place(acc, dst, first, step, count, n_ch):
    """``dst[first + n * step + c] = acc[n * n_ch + c]`` (grey and RGB unrolled)."""
    if n_ch == 1:
        for n in range(count):
            dst[first + n * step] = acc[n]
    elif n_ch == 3:
        for n in range(count):
            d = first + n * step
            a = 3 * n
            dst[d] = acc[a]
            dst[d + 1] = acc[a + 1]
            dst[d + 2] = acc[a + 2]
    else:
        for n in range(count):
            d = first + n * step
            for c in range(n_ch):
                dst[d + c] = acc[n * n_ch + c]


@njit(cache=True, inline="always")
def _convolve_run(acc, row, offset, stride, w, taps):
    """``acc[q] = sum_k w[k] * row[offset + k * stride + q]``, summed in tap order.

    Slices indexed by the loop variable carry no negative-index wrap-around
    check, so LLVM vectorises the loops. Four taps (bicubic upscaling) are
    summed in one sweep, ``((w0 s0 + w1 s1) + w2 s2) + w3 s3``, the same
    operations in the same order as the generic tap-by-tap loop.
    """
    m = acc.size
    if taps == 4:
        s0 = row[offset:offset + m]
        s1 = row[offset + stride:offset + stride + m]
        s2 = row[offset + 2 * stride:offset + 2 * stride + m]
        s3 = row[offset + 3 * stride:offset + 3 * stride + m]
        w0, w1, w2, w3 = w[0], w[1], w[2], w[3]
        for q in range(m):
            acc[q] = w0 * s0[q] + w1 * s1[q] + w2 * s2[q] + w3 * s3[q]
        return
    acc[:] = 0.0
    for k in range(taps):
        wk = w[k]
        segment = row[offset + k * stride:offset + k * stride + m]
        for q in range(m):
            acc[q] += wk * segment[q]


@njit(cache=True, inline="always")
def _runs_row(row, start, period, base, count, taps, run_weights, irregular,
              weights, lo, hi, indices, maxval, n_ch, tmp, dst):
    """One row of the polyphase second-axis pass (see :func:`resize_axis1_runs`)."""
    for g in range(start.size):
        m = count[g] * n_ch
        acc = tmp[:m]
        _convolve_run(acc, row, base[g] * n_ch, n_ch, run_weights[g], taps[g])
        _to_output_class(acc, maxval)
        _place(acc, dst, start[g] * n_ch, period[g] * n_ch, count[g], n_ch)
    for i in irregular:
        for c in range(n_ch):
            value = 0.0
            for k in range(lo[i], hi[i]):
                value += weights[i, k] * row[indices[i, k] * n_ch + c]
            if maxval > 0.0:
                value = _round_saturate(value, maxval)
            dst[i * n_ch + c] = value


@njit(cache=True)
def _longest_run(count, n_ch):
    longest = 1
    for g in range(count.size):
        longest = max(longest, count[g] * n_ch)
    return longest


@njit(cache=True, parallel=True)
def resize_axis1_runs(src, start, period, base, count, taps, run_weights, irregular,
                      weights, lo, hi, indices, maxval, out):
    """Resize along the second axis of ``(H, W, C)`` using polyphase runs.

    Each row is handled on its own (rows in parallel). A run (see
    :class:`classicsr.resize.weights.PolyphaseRuns`) is a 1-D convolution of
    the row's contiguous ``W * C`` samples: ``tmp[q] += w_k * row[(base + k)
    * C + q]`` vectorises, and the results are then placed at their output
    columns. Irregular outputs (borders) use the full weight table.
    """
    n_rows, n_in, n_ch = src.shape
    n_out = out.shape[1]
    flat_src = src.reshape(n_rows, n_in * n_ch)
    flat_out = out.reshape(n_rows, n_out * n_ch)
    longest = _longest_run(count, n_ch)
    for r in prange(n_rows):
        tmp = np.empty(longest)
        _runs_row(flat_src[r], start, period, base, count, taps, run_weights, irregular,
                  weights, lo, hi, indices, maxval, n_ch, tmp, flat_out[r])


@njit(cache=True, parallel=True)
def resize_fused(src, weights0, lo0, hi0, indices0, start, period, base, count, taps,
                 run_weights, irregular, weights1, lo1, hi1, indices1, maxval, out):
    """Both passes, rows first, one output row at a time.

    Output row ``i`` of the first pass (a weighted sum of input rows, rounded
    to the output class) is computed into a small float64 buffer and fed
    straight to the polyphase second pass, so the intermediate image never
    goes through memory. Bit-identical to :func:`resize_axis0` followed by
    :func:`resize_axis1_runs`: the intermediate values are the same numbers
    (integers are exact in float64).
    """
    n_in, n_cols, n_ch = src.shape
    n_out, n_cols_out = out.shape[0], out.shape[1]
    flat_src = src.reshape(n_in, n_cols * n_ch)
    flat_out = out.reshape(n_out, n_cols_out * n_ch)
    longest = _longest_run(count, n_ch)
    for i in prange(n_out):
        mid = np.empty(n_cols * n_ch)
        _weighted_sum(mid, weights0, lo0, hi0, indices0, i, flat_src)
        _to_output_class(mid, maxval)
        tmp = np.empty(longest)
        _runs_row(mid, start, period, base, count, taps, run_weights, irregular,
                  weights1, lo1, hi1, indices1, maxval, n_ch, tmp, flat_out[i])
