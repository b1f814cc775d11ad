"""Test-time steps shared by the patch-based methods.

1. ``mid = imresize(lr, s)`` (MATLAB bicubic);
2. Zeyde features of the overlapping 3x3-LR-pixel patches of ``mid`` on the
   full-overlap grid (step ``s``, border ``s``), projected by the PCA;
3. (method) predict the high-frequency HR patch of each LR feature;
4. overlap-average the patches and add them to ``mid``. Pixels no patch
   covers (a border of ``s`` pixels) keep the bicubic value.
"""

from dataclasses import dataclass

import numpy as np

from ..patches import PatchGrid, overlap_add, project_features
from ..resize._imresize import resize_trusted

__all__ = ["anchored_regression", "anchored_upscale", "PATCH_HALO", "PatchProblem", "prepare",
           "prepare_interpolated", "reconstruct"]

#: LR pixels of context of the 3x3-patch methods: 3x3 patches, +-1 px of
#: feature filter support at LR resolution, and the bicubic interpolation's
#: 2-pixel support, plus margin (registry ``halo``).
PATCH_HALO = 8


@dataclass
class PatchProblem:
    """An LR image prepared for patch regression."""

    mid: np.ndarray
    grid: PatchGrid
    features: np.ndarray


def prepare(lr, scale, projection):
    """Steps 1-2: interpolate, extract and project the features.

    Features are single precision, as in the authors' MATLAB code
    (``im2single``); the interpolation and the reconstruction are double.
    """
    return prepare_interpolated(resize_trusted(lr, scale), scale, projection)


def prepare_interpolated(mid, scale, projection):
    """Step 2 on an already interpolated image ``mid`` (a cascade stage's input)."""
    grid = PatchGrid.build(mid.shape, scale, overlap=2)
    if grid.count == 0:
        return PatchProblem(mid, grid, np.zeros((0, projection.shape[1]), np.float32))
    return PatchProblem(mid, grid, project_features(mid, grid, scale, projection))


def reconstruct(problem, patches, weights=None):
    """Step 4: ``mid`` plus the overlap-averaged high-frequency patches
    (weighted by ``weights``, one per patch, when given)."""
    if problem.grid.count == 0:
        return problem.mid
    detail, _ = overlap_add(patches, problem.grid, weights)
    return problem.mid + detail


def anchored_upscale(lr, scale, projection, anchors, regressors):
    """Steps 1-4 with anchored regression (ANR, A+, k-means): each feature's
    patch by the regressor of its most correlated anchor."""
    problem = prepare(lr, scale, projection)
    return reconstruct(problem, anchored_regression(problem.features, anchors, regressors))


def anchored_regression(features, anchors, projections):
    """Patches ``P[a] @ f`` with ``a`` the anchor most correlated with ``f``.

    ``anchors`` (n_anchors, d) are unit-norm rows; the anchor of a feature is
    the one of largest absolute correlation (ANR / A+). ``projections`` is
    ``(n_anchors, out_dim, d)``. One fused Numba kernel, in the precision of
    ``features``.
    """
    from ._kernels import anchored_apply

    out = np.empty((features.shape[0], projections.shape[1]))
    if features.shape[0]:
        dtype = features.dtype
        anchored_apply(np.ascontiguousarray(features),
                       np.ascontiguousarray(anchors.T, dtype=dtype),
                       np.ascontiguousarray(projections, dtype=dtype), out)
    return out
