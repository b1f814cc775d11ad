"""Patch machinery shared by the example-based methods.

Grids of overlapping patches on the (bicubic-interpolated) image, the
gradient/Laplacian features of Zeyde et al., uncentred PCA, and overlap-add
reconstruction. Everything is vectorised (numpy strides, BLAS) or a Numba
kernel; there is no per-patch Python loop.
"""

from .features import (
    extract_features,
    extract_patches,
    feature_filters,
    feature_stencil,
    filter_same,
    project_features,
)
from .grid import PatchGrid
from .overlap import overlap_add
from .pca import UncentredPCA

__all__ = [
    "PatchGrid",
    "UncentredPCA",
    "extract_features",
    "extract_patches",
    "feature_filters",
    "feature_stencil",
    "filter_same",
    "overlap_add",
    "project_features",
]
