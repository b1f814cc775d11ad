"""Patch extraction and the first/second-derivative features of Zeyde et al.

Features are computed on the bicubic-interpolated low-resolution image with
four filters, ``G = [1, 0 * (s-1), -1]`` and ``L = [1, 0 * (s-1), -2,
0 * (s-1), 1] / 2`` horizontally and vertically (the derivative filters of
Yang et al. dilated by the scale ``s``), each applied as MATLAB's
``conv2(X, f, 'same')``, and the four filtered patches are concatenated.
"""

import functools

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["extract_features", "extract_patches", "feature_filters", "feature_stencil",
           "filter_same", "project_features"]


def feature_filters(scale):
    """The four ``(kernel, axis)`` pairs: G and L along columns, then along rows.

    ``axis=1`` filters along a row (MATLAB's row-vector kernel ``G``),
    ``axis=0`` along a column (``G.'``).
    """
    gap = [0.0] * (scale - 1)
    gradient = np.array([1.0, *gap, -1.0])
    laplacian = np.array([1.0, *gap, -2.0, *gap, 1.0]) / 2
    return [(gradient, 1), (gradient, 0), (laplacian, 1), (laplacian, 0)]


def filter_same(img, kernel, axis):
    """MATLAB ``conv2(img, kernel, 'same')`` for a 1-D kernel along ``axis``.

    True convolution (the kernel is flipped) with zero padding; for an
    even-length kernel of length ``n`` MATLAB keeps the full result from
    index ``n // 2``, which is reproduced here (``scipy.signal``'s 'same'
    keeps from ``(n - 1) // 2``, one sample off).
    """
    n = kernel.size
    x = np.moveaxis(img, axis, 0)
    length = x.shape[0]
    out = np.zeros_like(x, dtype=np.float64)
    shift = n // 2
    for k in range(n):
        # out[j] += kernel[k] * x[j + shift - k], zero outside the image
        d = shift - k
        lo, hi = max(0, -d), min(length, length - d)
        if lo < hi and kernel[k] != 0:
            out[lo:hi] += kernel[k] * x[lo + d:hi + d]
    return np.moveaxis(out, 0, axis)


def extract_patches(img, grid):
    """Patches of ``img`` on ``grid`` as rows: ``(grid.count, size * size)``.

    Pixels within a patch are in row-major order.
    """
    windows = sliding_window_view(img, (grid.size, grid.size))
    patches = windows[grid.rows][:, grid.cols]
    return patches.reshape(grid.count, grid.size * grid.size)


def _filtered(interpolated, scale, dtype):
    return np.stack([filter_same(interpolated, kernel, axis)
                     for kernel, axis in feature_filters(scale)]).astype(dtype, copy=False)


def extract_features(interpolated, grid, scale, dtype=np.float64):
    """Zeyde features of every patch: ``(grid.count, 4 * size * size)``.

    The four filtered images are computed whole, then one Numba kernel
    gathers the patches of all four straight into the feature matrix.
    """
    from ._kernels import gather_patches

    out = np.empty((grid.count, 4 * grid.size * grid.size), dtype=dtype)
    gather_patches(_filtered(interpolated, scale, np.float64), grid.rows, grid.cols,
                   grid.size, out)
    return out


@functools.lru_cache(maxsize=16)
def _impulse_responses(scale, size):
    """Nonzero taps of the ``(size + 2 scale)``-wide window and the features
    of a unit impulse at each: ``(taps, response (n_taps, 4 size^2))``."""
    width = size + 2 * scale
    block = size * size
    inner = slice(scale, scale + size)
    response = np.zeros((width * width, 4 * block))
    for t in range(width * width):
        impulse = np.zeros((width, width))
        impulse.flat[t] = 1.0
        for f, (kernel, axis) in enumerate(feature_filters(scale)):
            response[t, f * block:(f + 1) * block] = \
                filter_same(impulse, kernel, axis)[inner, inner].ravel()
    taps = np.flatnonzero(np.abs(response).sum(axis=1))
    response = response[taps]
    response.flags.writeable = False
    return taps, response


def feature_stencil(scale, size, projection):
    """The projected features as one linear stencil on the interpolated image.

    The four filters and the projection are linear, so ``features(patch) @
    projection`` is a weighted sum of the pixels the filters reach from the
    ``size x size`` patch: a cross of ``size`` rows widened by ``scale`` on
    each side and ``size`` columns heightened likewise (189 taps instead of
    4 x 81 at x3). Returns the offsets ``dy, dx`` of those taps (row-major)
    from the patch's top-left corner in the image padded by ``scale`` zeros
    (the filters' zero padding, so that the borders are exact) and their
    ``(n_taps, projection.shape[1])`` weights.
    """
    taps, response = _impulse_responses(scale, size)
    width = size + 2 * scale
    # einsum, not BLAS: OpenBLAS's threads keep spinning after a call and
    # halve the speed of the Numba kernel that follows (measured 2x).
    weights = np.einsum("tf,fd->td", response, np.asarray(projection, dtype=np.float64))
    return (taps // width).astype(np.intp), (taps % width).astype(np.intp), weights


@functools.lru_cache(maxsize=8)
def _stencil_runs(scale, size, projection_bytes, d, dtype):
    """:func:`feature_stencil` as the kernel takes it, cached per projection:
    the weights padded to whole register tiles and the taps as runs."""
    projection = np.frombuffer(projection_bytes, dtype=np.float64).reshape(-1, d)
    dy, dx, weights = feature_stencil(scale, size, projection)
    # Zero columns pad the weights to a multiple of 16, the kernel's register
    # tile (``TILE_OUTPUTS``: whole SIMD vectors); they are dropped.
    padded = np.zeros((weights.shape[0], -(-d // 16) * 16), dtype=dtype)
    padded[:, :d] = weights
    # The taps are row-major: split them into runs of consecutive columns.
    breaks = np.flatnonzero((np.diff(dy) != 0) | (np.diff(dx) != 1)) + 1
    start = np.concatenate([[0], breaks, [dy.size]]).astype(np.intp)
    for array in (padded, start):
        array.flags.writeable = False
    return dy[start[:-1]], dx[start[:-1]], start, padded


def project_features(interpolated, grid, scale, projection, dtype=np.float32):
    """``extract_features(...) @ projection`` in one Numba pass, in ``dtype``.

    Used at test time: neither the filtered images nor the feature matrix
    is built; the projection is applied as :func:`feature_stencil` (about
    1.7x fewer multiply-adds than filtering, then projecting).
    """
    from ._kernels import stencil_project

    d = projection.shape[1]
    dtype = np.dtype(dtype)
    runs = _stencil_runs(scale, grid.size,
                         np.ascontiguousarray(projection, dtype=np.float64).tobytes(), d, dtype)
    image = np.pad(np.asarray(interpolated, dtype=dtype), scale)
    out = np.empty((grid.count, runs[-1].shape[1]), dtype=dtype)
    stencil_project(image, grid.rows, grid.cols, *runs, out)
    return np.ascontiguousarray(out[:, :d])
