"""PatchMatch nearest-neighbour fields (Barnes et al., SIGGRAPH 2009), with transformed patches.

The same kernels as :mod:`~classicsr.self_examples.selfexsr`
(:mod:`classicsr.self_examples._kernels`) on one source image: for every
patch of ``target``, the patch of ``source`` with the smallest sum of
squared differences, found by random search around the current match and
propagation from the neighbours' matches, optionally over affine
deformations of the source patch (scale, rotation, shear; SelfExSR's
generalised PatchMatch). Source positions are continuous (bilinear
sampling), so a match can be better than the best integer translation.
"""

import math
from typing import NamedTuple

import numpy as np

from .._validation import check_bool, check_int, check_real

__all__ = ["NearestNeighbourField", "exhaustive_nearest_neighbour_field",
           "nearest_neighbour_field"]


class NearestNeighbourField(NamedTuple):
    """What :func:`nearest_neighbour_field` returns.

    Attributes
    ----------
    positions : ndarray, (H, W, 2)
        ``(x, y)`` of the matched source patch centre (0-based, continuous);
        NaN where the target patch does not fit (within ``patch_size // 2``
        of the border).
    transforms : ndarray, (H, W, 2, 2)
        The linear part of the match: source offset = ``transforms @ (dx, dy)``
        (the identity for translations).
    cost : ndarray, (H, W)
        Sum of squared differences over the patch and the channels; NaN at
        the border.
    """

    positions: np.ndarray
    transforms: np.ndarray
    cost: np.ndarray


def _as_float(image, name):
    if not isinstance(image, np.ndarray) or image.ndim not in (2, 3):
        raise TypeError(f"{name} must be a 2-D or 3-D ndarray, got "
                        f"{type(image).__name__} of ndim {getattr(image, 'ndim', None)}")
    x = np.asarray(image, dtype=np.float64)
    return np.ascontiguousarray(x[:, :, None] if x.ndim == 2 else x)


def _check_pair(target, source, patch_size):
    t, s = _as_float(target, "target"), _as_float(source, "source")
    if t.shape[2] != s.shape[2]:
        raise ValueError(f"target and source must have the same channels, got {t.shape[2]} "
                         f"and {s.shape[2]}")
    patch_size = check_int(patch_size, "patch_size", minimum=1)
    if patch_size % 2 == 0:
        raise ValueError(f"patch_size must be odd, got {patch_size}")
    for name, x in (("target", t), ("source", s)):
        if min(x.shape[:2]) < patch_size:
            raise ValueError(f"{name} of shape {x.shape[:2]} is smaller than patch_size="
                             f"{patch_size}")
    return t, s, patch_size


def nearest_neighbour_field(target, source, *, patch_size=5, iterations=5, affine=False,
                            subpixel=None, scale_range=(0.5, 2.0), random_state=0):
    """PatchMatch nearest-neighbour field from ``target``'s patches to ``source``'s.

    Parameters
    ----------
    target, source : ndarray, (h, w) or (h, w, C)
        Same number of channels; any real dtype (the cost is on the values).
    patch_size : int
        Odd patch side.
    iterations : int
        Rounds of random search (radius: the source's larger side, halving to 1)
        followed by propagation sweeps in the 4 directions.
    affine : bool
        Also search affine deformations of the source patch (scale,
        rotation, shear perturbations shrinking with the search radius, as
        SelfExSR's generalised PatchMatch); otherwise translations only.
    subpixel : bool, optional
        Continuous source positions (bilinear sampling) instead of whole
        pixels; default: with ``affine`` only.
    scale_range : (float, float)
        Allowed scales of the deformation (``affine=True``).
    random_state : int
        Seed; the result does not depend on the thread count.

    Returns
    -------
    NearestNeighbourField

    References
    ----------
    C. Barnes, E. Shechtman, A. Finkelstein, D. B. Goldman, "PatchMatch: a
    randomized correspondence algorithm for structural image editing", ACM
    TOG 28(3), 2009; J.-B. Huang, A. Singh, N. Ahuja, CVPR 2015 (transformed
    patches).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> source = rng.random((40, 40))
    >>> nnf = nearest_neighbour_field(source[5:35, 3:33], source, iterations=4)
    >>> nnf.positions[10, 10].tolist()  # the patch at (13, 15) of the source
    [13.0, 15.0]
    """
    from . import _kernels as k

    t, s, patch_size = _check_pair(target, source, patch_size)
    iterations = check_int(iterations, "iterations", minimum=0)
    affine = check_bool(affine, "affine")
    subpixel = affine if subpixel is None else check_bool(subpixel, "subpixel")
    random_state = check_int(random_state, "random_state", minimum=0)
    if not isinstance(scale_range, (tuple, list)) or len(scale_range) != 2:
        raise TypeError(f"scale_range must be a pair (low, high), got {scale_range!r}")
    low = check_real(scale_range[0], "scale_range[0]", minimum=0, strict_minimum=True)
    high = check_real(scale_range[1], "scale_range[1]", minimum=low)
    r = patch_size // 2
    height, width = t.shape[:2]
    sh, sw = s.shape[:2]
    rng = np.random.default_rng(random_state)
    tform = np.zeros((height, width, 9))
    tform[..., 0] = tform[..., 4] = tform[..., 8] = 1.0
    # random start over the source's centres (1-based, as the kernels)
    tform[..., 6] = rng.integers(r + 1, sw - r + 1, (height, width))
    tform[..., 7] = rng.integers(r + 1, sh - r + 1, (height, width))
    transforms = np.zeros((height, width, 4))
    transforms[..., 0] = transforms[..., 3] = 1.0
    bias = np.zeros((height, width, t.shape[2]))
    cost = np.zeros((height, width))
    source_args = (np.ascontiguousarray(s).ravel(), np.zeros(1, np.int64),
                   np.array([sh], np.int64), np.array([sw], np.int64), np.ones(1))
    # [radius, log alpha (one level: unused), bias off, -, -, no scale cost, -, weight 1,
    #  no plane cost]
    params = np.array([r, math.log(0.5), 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0])
    weights = np.ones(patch_size * patch_size)
    search = np.array([low if affine else 0.0, high if affine else np.inf, 1.0, math.pi / 4,
                       0.05, 1.0 if affine else 0.0, 0.0, sw, sh, 0.0 if subpixel else 1.0,
                       0.0, 1.0, 0.0, 0.0])
    updated = np.zeros((height, width), np.uint8)
    plane_id, plane_acc, plane_mlog, plane_h = k.fronto_parallel((height, width))
    k.patch_costs(t, tform, *source_args, params, weights, cost, bias, plane_id, plane_mlog)
    for iteration in range(iterations):
        k.random_search(t, tform, transforms, bias, cost, *source_args, params, weights, search,
                        random_state, iteration, updated, plane_id, plane_acc, plane_mlog,
                        plane_h)
        for dy, dx in ((0, 1), (1, 0), (0, -1), (-1, 0)):
            k.propagate(t, tform, transforms, bias, cost, *source_args, params, weights, search,
                        dy, dx, updated, plane_id, plane_mlog)
    positions = np.full((height, width, 2), np.nan)
    inner = (slice(r, height - r), slice(r, width - r))
    positions[inner] = tform[inner][..., 6:8] - 1.0
    out_cost = np.full((height, width), np.nan)
    out_cost[inner] = cost[inner]
    linear = np.stack([tform[..., 0], tform[..., 3], tform[..., 1], tform[..., 4]],
                      axis=-1).reshape(height, width, 2, 2)
    return NearestNeighbourField(positions, linear, out_cost)


def exhaustive_nearest_neighbour_field(target, source, *, patch_size=5):
    """The exact nearest integer-translation match of every ``target`` patch (brute force).

    The reference :func:`nearest_neighbour_field` is tested and benchmarked
    against: sums of squared differences to every source patch by one
    matrix product per block of target patches (BLAS). Same return type
    (identity transforms).
    """
    from numpy.lib.stride_tricks import sliding_window_view

    t, s, patch_size = _check_pair(target, source, patch_size)
    r = patch_size // 2
    height, width = t.shape[:2]

    def patches(x):
        v = sliding_window_view(x, (patch_size, patch_size), axis=(0, 1))
        return v.reshape(v.shape[0] * v.shape[1], -1)

    tp, sp = patches(t), patches(s)
    s_norm = (sp * sp).sum(axis=1)
    ncols = s.shape[1] - 2 * r
    best = np.empty(tp.shape[0], np.int64)
    best_cost = np.empty(tp.shape[0])
    for start in range(0, tp.shape[0], 1024):
        block = tp[start:start + 1024]
        d = s_norm[None, :] - 2.0 * block @ sp.T + (block * block).sum(axis=1)[:, None]
        best[start:start + 1024] = np.argmin(d, axis=1)
        best_cost[start:start + 1024] = np.maximum(d[np.arange(len(block)), best[start:start
                                                                             + 1024]], 0.0)
    positions = np.full((height, width, 2), np.nan)
    cost = np.full((height, width), np.nan)
    inner = (slice(r, height - r), slice(r, width - r))
    positions[inner] = np.stack([best % ncols + r, best // ncols + r], axis=-1).reshape(
        height - 2 * r, width - 2 * r, 2)
    cost[inner] = best_cost.reshape(height - 2 * r, width - 2 * r)
    transforms = np.broadcast_to(np.eye(2), (height, width, 2, 2)).copy()
    return NearestNeighbourField(positions, transforms, cost)
