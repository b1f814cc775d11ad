"""Overlap-add of patches into an image (averaging where patches overlap)."""

import numpy as np

__all__ = ["overlap_add", "safe_stride"]


def safe_stride(rows, size):
    """The least ``k`` with ``rows[r + k] - rows[r] >= size`` for every ``r``.

    Grid rows ``k`` apart can then be added in parallel without two threads
    writing one pixel. For a regular grid of step ``t`` this is
    ``ceil(size / t)``; a grid that repeats its last row (ScSR's) needs one
    more, and a grid of one repeated row needs all rows in turn.
    """
    rows = np.asarray(rows)
    n = rows.size
    for k in range(1, n):
        if np.all(rows[k:] - rows[:-k] >= size):
            return k
    return max(n, 1)


def overlap_add(patches, grid, weights=None):
    """Average the ``patches`` (rows, as :func:`extract_patches`) into an image.

    Parameters
    ----------
    patches : ndarray (grid.count, grid.size ** 2)
        Summed in double precision (float32 patches are not copied).
    grid : PatchGrid
    weights : ndarray (grid.count,) or None
        Positive weight of each patch in the average (``None``: all 1).

    Returns
    -------
    image : ndarray of float64, shape ``grid.shape``
        Weighted sum of the patches covering each pixel divided by the sum of
        their weights; 0 where no patch covers the pixel.
    covered : ndarray of bool
        Where at least one patch lies.
    """
    from ._kernels import overlap_add_kernel

    image = np.zeros(grid.shape)
    weight = np.zeros(grid.shape)
    # float32 patches are summed as they are, in double precision (no copy)
    patches = np.asarray(patches)
    patches = np.ascontiguousarray(
        patches, dtype=np.float32 if patches.dtype == np.float32 else np.float64)
    if weights is None:
        weights = np.ones(patches.shape[0])
    else:
        weights = np.ascontiguousarray(weights, dtype=np.float64)
        if weights.shape != patches.shape[:1]:
            raise ValueError(f"weights must hold one weight per patch ({patches.shape[0]}), "
                             f"got shape {weights.shape}")
    overlap_add_kernel(patches, weights, grid.rows,
                       grid.cols, grid.size, safe_stride(grid.rows, grid.size), image, weight)
    covered = weight > 0
    image[covered] /= weight[covered]
    return image, covered
