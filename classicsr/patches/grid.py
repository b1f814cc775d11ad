"""Sampling grids of overlapping square patches (Zeyde's ``sampling_grid``)."""

from dataclasses import dataclass

import numpy as np

__all__ = ["PatchGrid"]


@dataclass(frozen=True)
class PatchGrid:
    """Top-left corners of the patches of one image.

    Patches are ``window * scale`` pixels square on the interpolated (HR)
    image, start ``border * scale`` pixels from the top and left edges, and
    advance by ``(window - overlap) * scale`` pixels, as in the ``extract`` /
    ``sampling_grid`` of Zeyde et al.'s code (``conf.window = [3 3]``,
    ``conf.border = [1 1]``, full overlap ``window - 1`` at test time).

    Attributes
    ----------
    shape : tuple of int
        Image shape ``(H, W)``.
    rows, cols : ndarray of int64
        Top coordinates and left coordinates; the patches are the outer
        product, rows varying slowest.
    size : int
        Patch side in pixels.
    """

    shape: tuple
    rows: np.ndarray
    cols: np.ndarray
    size: int

    @classmethod
    def build(cls, shape, scale, *, window=3, overlap=2, border=1):
        """Grid for an image of ``shape`` at integer ``scale`` (LR-pixel units)."""
        size = window * scale
        skip = (window - overlap) * scale
        if skip < 1:
            raise ValueError(f"overlap={overlap} must be smaller than window={window}")
        start = border * scale
        h, w = shape
        rows = np.arange(start, h - size + 1 - start, skip, dtype=np.int64)
        cols = np.arange(start, w - size + 1 - start, skip, dtype=np.int64)
        return cls(tuple(shape), rows, cols, size)

    @property
    def count(self):
        """Number of patches."""
        return self.rows.size * self.cols.size

    def coordinates(self):
        """``(top, left)`` arrays of every patch, rows varying slowest."""
        top = np.repeat(self.rows, self.cols.size)
        left = np.tile(self.cols, self.rows.size)
        return top, left
