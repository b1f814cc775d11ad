"""Overlap-add of patches into an image (averaging where patches overlap)."""

import numpy as np

__all__ = ["overlap_add"]


def overlap_add(patches, grid):
    """Average the ``patches`` (rows, as :func:`extract_patches`) into an image.

    Returns
    -------
    image : ndarray of float64, shape ``grid.shape``
        Sum of the patches covering each pixel divided by their number; 0
        where no patch covers the pixel.
    covered : ndarray of bool
        Where at least one patch lies.
    """
    from ._kernels import overlap_add_kernel

    image = np.zeros(grid.shape)
    weight = np.zeros(grid.shape)
    overlap_add_kernel(np.ascontiguousarray(patches, dtype=np.float64), grid.rows,
                       grid.cols, grid.size, image, weight)
    covered = weight > 0
    image[covered] /= weight[covered]
    return image, covered
