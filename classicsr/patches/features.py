"""Patch extraction and the first/second-derivative features of Zeyde et al.

Features are computed on the bicubic-interpolated low-resolution image with
four filters, ``G = [1, 0 * (s-1), -1]`` and ``L = [1, 0 * (s-1), -2,
0 * (s-1), 1] / 2`` horizontally and vertically (the derivative filters of
Yang et al. dilated by the scale ``s``), each applied as MATLAB's
``conv2(X, f, 'same')``, and the four filtered patches are concatenated.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["extract_features", "extract_patches", "feature_filters", "filter_same",
           "project_features"]


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


def project_features(interpolated, grid, scale, projection, dtype=np.float32):
    """``extract_features(...) @ projection`` in one Numba pass, in ``dtype``.

    Used at test time: the feature matrix is never built.
    """
    from ._kernels import gather_project

    # Zero columns pad the projection to a multiple of 16 so that the kernel's
    # inner loop is whole SIMD vectors (about 1.4x faster); they are dropped.
    d = projection.shape[1]
    padded = np.zeros((projection.shape[0], -(-d // 16) * 16), dtype=dtype)
    padded[:, :d] = projection
    out = np.empty((grid.count, padded.shape[1]), dtype=dtype)
    gather_project(_filtered(interpolated, scale, dtype), grid.rows, grid.cols, grid.size,
                   padded, out)
    return np.ascontiguousarray(out[:, :d])
