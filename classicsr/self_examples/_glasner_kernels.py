"""Numba kernels of :mod:`classicsr.self_examples.glasner`: the example-based (parent) vote
and the classical (in-scale) constraints' sampling of a level and its adjoint.

Written here rather than taken from a library: the vote reads, for every
pixel of the next pyramid level, the *parents* (the region one pyramid step
larger) of the matches of all the query patches that cover it, at
continuous positions (bilinear sampling); no maintained package has this
gather. It is a gather over output rows (each output pixel is written by
one thread only, in a fixed order), so the result does not depend on the
thread count.
"""

import math

import numpy as np
from numba import njit, prange

__all__ = ["recurrence_adjoint", "recurrence_predict", "vote_parents"]


@njit(cache=True, inline="always")
def _bilinear(img, y, x):
    h, w = img.shape
    y = min(max(y, 0.0), h - 1.0)
    x = min(max(x, 0.0), w - 1.0)
    y0 = min(math.floor(y), h - 2) if h > 1 else 0
    x0 = min(math.floor(x), w - 2) if w > 1 else 0
    fy, fx = y - y0, x - x0
    y1, x1 = min(y0 + 1, h - 1), min(x0 + 1, w - 1)
    return ((1.0 - fy) * ((1.0 - fx) * img[y0, x0] + fx * img[y0, x1])
            + fy * ((1.0 - fx) * img[y1, x0] + fx * img[y1, x1]))


@njit(cache=True, parallel=True)
def vote_parents(positions, weight, parent, source_shape, radius, num, den):
    """Add the parents of one source level's matches to the vote ``num / den``.

    Parameters
    ----------
    positions : float64 (hq, wq, 2)
        ``(x, y)`` of the match (0-based) of every query patch centre of the
        current level (``hq x wq``) in the source level; NaN where no patch
        fits.
    weight : float64 (hq, wq)
        Weight of each match (0 where none).
    parent : float64 (hp, wp)
        The level one pyramid step above the source level.
    source_shape : int64 (2,)
        ``(hs, ws)`` of the source level.
    radius : int
        Patch radius (the query footprint is ``2 radius + 1`` pixels).
    num, den : float64 (H, W)
        The vote of the next level (``H x W``), accumulated in place.

    Notes
    -----
    Pixel centres follow MATLAB's ``imresize``: position ``u`` of a level
    is ``(u + 0.5) / f - 0.5`` in a level ``f`` times smaller. The output
    pixel ``(Y, X)`` lies at ``(Y + 0.5) / sy - 0.5`` on the query level
    (``sy = H / hq``); every query centre within ``radius + 0.5`` of it
    covers it and contributes the parent pixel at the same offset from the
    parent of its match, the offset scaled by the parent-to-output ratio.
    """
    hq, wq = weight.shape
    height, width = num.shape
    hp, wp = parent.shape
    sy, sx = height / hq, width / wq
    py_ratio, px_ratio = hp / source_shape[0], wp / source_shape[1]
    reach = radius + 0.5
    for yy in prange(height):
        yl = (yy + 0.5) / sy - 0.5
        q0 = max(math.ceil(yl - reach), radius)
        q1 = min(math.floor(yl + reach), hq - 1 - radius)
        for xx in range(width):
            xl = (xx + 0.5) / sx - 0.5
            p0 = max(math.ceil(xl - reach), radius)
            p1 = min(math.floor(xl + reach), wq - 1 - radius)
            acc, total = 0.0, 0.0
            for qy in range(q0, q1 + 1):
                dy = (yy - ((qy + 0.5) * sy - 0.5)) * py_ratio / sy
                for qx in range(p0, p1 + 1):
                    w = weight[qy, qx]
                    if w <= 0.0:
                        continue
                    dx = (xx - ((qx + 0.5) * sx - 0.5)) * px_ratio / sx
                    cy = (positions[qy, qx, 1] + 0.5) * py_ratio - 0.5 + dy
                    cx = (positions[qy, qx, 0] + 0.5) * px_ratio - 0.5 + dx
                    acc += w * _bilinear(parent, cy, cx)
                    total += w
            num[yy, xx] += acc
            den[yy, xx] += total


@njit(cache=True, inline="always")
def _cubic(t):
    """Keys' cubic (a = -0.5) at one point, for the kernels: the twin of the
    vectorised ``classicsr.resize.weights._cubic``, which builds imresize's
    per-axis tables on the grid and is not callable from Numba."""
    t = abs(t)
    if t <= 1.0:
        return 1.5 * t * t * t - 2.5 * t * t + 1.0
    if t < 2.0:
        return -0.5 * t * t * t + 2.5 * t * t - 4.0 * t + 2.0
    return 0.0


@njit(cache=True, inline="always")
def _taps(centre, ratio, n, index, weight):
    """MATLAB ``imresize`` bicubic (antialiased) taps of a sample at ``centre`` of
    an axis of ``n`` pixels downscaled by ``ratio`` (>= 1): indices (replicated
    borders) and normalised weights; returns their count."""
    lo = math.ceil(centre - 2.0 * ratio)
    hi = math.floor(centre + 2.0 * ratio)
    count = 0
    total = 0.0
    for z in range(lo, hi + 1):
        w = _cubic((z - centre) / ratio)
        if w == 0.0:
            continue
        index[count] = min(max(z, 0), n - 1)
        weight[count] = w
        total += w
        count += 1
    for i in range(count):
        weight[i] /= total
    return count


@njit(cache=True, parallel=True)
def recurrence_predict(level, points, ratio_y, ratio_x, out):
    """``out[j]``: the level downscaled to the input's grid, sampled at the
    input position ``points[j] = (row, col)`` (continuous), exactly as
    ``imresize`` would sample it there.

    The position maps to ``(p + 0.5) * ratio - 0.5`` on the level, and the
    bicubic kernel is stretched by ``ratio`` (MATLAB's antialiasing).
    """
    h, w = level.shape
    size_y = int(4.0 * ratio_y) + 3
    size_x = int(4.0 * ratio_x) + 3
    for j in prange(points.shape[0]):
        iy = np.empty(size_y, np.int64)
        wy = np.empty(size_y)
        ix = np.empty(size_x, np.int64)
        wx = np.empty(size_x)
        ny = _taps((points[j, 0] + 0.5) * ratio_y - 0.5, ratio_y, h, iy, wy)
        nx = _taps((points[j, 1] + 0.5) * ratio_x - 0.5, ratio_x, w, ix, wx)
        acc = 0.0
        for a in range(ny):
            row = 0.0
            for b in range(nx):
                row += wx[b] * level[iy[a], ix[b]]
            acc += wy[a] * row
        out[j] = acc


@njit(cache=True)
def recurrence_adjoint(values, points, ratio_y, ratio_x, out):
    """Adjoint of :func:`recurrence_predict`: ``out += A^T values`` (serial, so
    the sums do not depend on the thread count)."""
    h, w = out.shape
    size_y = int(4.0 * ratio_y) + 3
    size_x = int(4.0 * ratio_x) + 3
    iy = np.empty(size_y, np.int64)
    wy = np.empty(size_y)
    ix = np.empty(size_x, np.int64)
    wx = np.empty(size_x)
    for j in range(points.shape[0]):
        v = values[j]
        if v == 0.0:
            continue
        ny = _taps((points[j, 0] + 0.5) * ratio_y - 0.5, ratio_y, h, iy, wy)
        nx = _taps((points[j, 1] + 0.5) * ratio_x - 0.5, ratio_x, w, ix, wx)
        for a in range(ny):
            for b in range(nx):
                out[iy[a], ix[b]] += v * wy[a] * wx[b]
