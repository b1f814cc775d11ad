"""Position patches: the grid of the position-patch face methods, extraction and assembly.

Ma, Zhang & Qi (Pattern Recognition 2010) and the methods that follow them
cut every aligned face into the same grid of overlapping square patches; a
patch of the input is only ever compared with the patches *at the same
position* of the training faces. The grid is that of the authors' MATLAB
``GetCurrentBlockSize``: patches every ``patch - overlap`` pixels from the
top-left corner, the last row and column of patches pushed back inside the
image so that they end on its border.
"""

import math

import numpy as np

__all__ = ["assemble", "context_offsets", "extract", "grid", "grid_starts"]


def grid_starts(length, patch, overlap):
    """0-based first pixels of the patches along one axis of ``length`` pixels."""
    step = patch - overlap
    count = math.ceil((length - overlap) / step)
    starts = [k * step for k in range(count)]
    starts[-1] = length - patch  # the last patch ends on the border
    return np.asarray(starts, dtype=np.intp)


def grid(shape, patch, overlap):
    """``(rows, cols)``: first pixel of every patch, row-major over the grid."""
    r = grid_starts(shape[0], patch, overlap)
    c = grid_starts(shape[1], patch, overlap)
    rows, cols = np.meshgrid(r, c, indexing="ij")
    return rows.ravel(), cols.ravel()


def extract(stack, rows, cols, patch):
    """Patches of every image of ``stack`` at the given positions.

    Parameters
    ----------
    stack : ndarray, shape (n, H, W)
    rows, cols : ndarray of int, shape (P,)
    patch : int

    Returns
    -------
    ndarray, shape (P, n, patch * patch), C-contiguous
    """
    windows = np.lib.stride_tricks.sliding_window_view(stack, (patch, patch), axis=(1, 2))
    picked = windows[:, rows, cols]  # (n, P, patch, patch)
    return np.ascontiguousarray(picked.reshape(stack.shape[0], len(rows), -1).transpose(1, 0, 2))


def assemble(patches, rows, cols, patch, shape):
    """Average overlapping ``patches`` (shape ``(P, patch * patch)``) into an image."""
    out = np.zeros(shape)
    count = np.zeros(shape)
    for p, r, c in zip(patches, rows, cols):
        out[r:r + patch, c:c + patch] += p.reshape(patch, patch)
        count[r:r + patch, c:c + patch] += 1.0
    return out / count


def context_offsets(reach, step):
    """Offsets ``(dr, dc)`` of the context patches, the patch itself first.

    The context of Jiang et al. (T-Cybernetics 2018): the training patches
    shifted by ``-reach, -reach + step, ..., reach`` pixels in each
    direction (``window = patch + 2 * reach``), the unshifted one first.
    """
    shifts = range(-reach, reach + 1, step)
    offsets = [(0, 0)] + [(dr, dc) for dr in shifts for dc in shifts if (dr, dc) != (0, 0)]
    return np.asarray(offsets, dtype=np.intp)
