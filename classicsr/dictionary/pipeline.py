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

from ..patches import PatchGrid, extract_features, overlap_add
from ..resize import imresize


@dataclass
class PatchProblem:
    """An LR image prepared for patch regression."""

    mid: np.ndarray
    grid: PatchGrid
    features: np.ndarray


def prepare(lr, scale, projection):
    """Steps 1-2: interpolate, extract and project the features."""
    mid = imresize(lr, scale)
    grid = PatchGrid.build(mid.shape, scale, overlap=2)
    if grid.count == 0:
        return PatchProblem(mid, grid, np.zeros((0, projection.shape[1])))
    features = extract_features(mid, grid, scale) @ projection
    return PatchProblem(mid, grid, features)


def reconstruct(problem, patches):
    """Step 4: ``mid`` plus the overlap-averaged high-frequency patches."""
    if problem.grid.count == 0:
        return problem.mid
    detail, _ = overlap_add(patches, problem.grid)
    return problem.mid + detail


def nearest_anchor(features, anchors, chunk=8192):
    """Index of the anchor of largest absolute correlation with each feature.

    Correlations are computed with BLAS a chunk of features at a time (so the
    ``n x n_anchors`` matrix is never whole) and reduced by a Numba kernel.
    """
    from ._kernels import argmax_abs_rows

    nearest = np.empty(features.shape[0], dtype=np.int64)
    anchors_t = np.ascontiguousarray(anchors.T)
    for start in range(0, features.shape[0], chunk):
        stop = min(start + chunk, features.shape[0])
        argmax_abs_rows(features[start:stop] @ anchors_t, nearest[start:stop])
    return nearest


def anchored_regression(features, anchors, projections):
    """Patches ``P[a] @ f`` with ``a`` the anchor most correlated with ``f``.

    ``anchors`` (n_anchors, d) are unit-norm rows; the anchor of a feature is
    the one of largest absolute correlation (ANR / A+). ``projections`` is
    ``(n_anchors, out_dim, d)``.
    """
    from ._kernels import apply_anchored

    out = np.empty((features.shape[0], projections.shape[1]))
    if features.shape[0]:
        apply_anchored(np.ascontiguousarray(features), nearest_anchor(features, anchors),
                       np.ascontiguousarray(projections, dtype=np.float64), out)
    return out
