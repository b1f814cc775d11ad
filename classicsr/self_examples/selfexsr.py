"""SelfExSR: super-resolution from transformed self-exemplars (Huang, Singh & Ahuja, CVPR 2015).

The input is its own example set. A pyramid of the input in steps of
``alpha`` (``2^(-1/3)`` for even scales, ``3^(-1/5)`` for odd ones, as the
authors' ``sr_init_opt``) is super-resolved level by level, coarse to fine,
as in the authors' MATLAB code (``sr_synthesis``):

1. the target is the previous level upscaled (bicubic) to the current size;
2. a nearest-neighbour field (NNF) from the target's patches (5x5, RGB) to
   the low-frequency band of the lower levels (each level upscaled from the
   one below it, Freedman & Fattal 2011) is searched by a generalised
   PatchMatch over translation plus affine deformation (scale, rotation,
   shear), with a per-channel photometric bias and a cost on scales below
   ``1 / alpha`` (:mod:`classicsr.self_examples._kernels`);
3. the level is the weighted vote of the matched patches of the full-band
   pyramid (Gaussian patch weights, sigma 3), back-projected onto the input
   (20 iterations, replicated borders, clamped to [0, 1]);
4. its low-frequency band is computed for the next levels.

The NNF starts at every target position matched to itself at half the
resolution (scale 2) and is upsampled from level to level; each level runs
12, 9, 6, then 3 PatchMatch iterations.

With ``planes=True`` (the registered ``selfexsr``) the search is guided
by the planar structure of the input (:mod:`~classicsr.self_examples.planes`:
vanishing points, plane hypotheses and their probabilities): every random
candidate is drawn on a plane drawn from the target position's plane
probabilities, its transform is that plane's induced homography composed
with the affine deformation, and its cost gains ``1e-3`` times minus the
log probability of the plane at the source (``opt.lambdaPlane``); a
propagated candidate keeps its neighbour's plane. ``planes=False``
(registered as ``selfexsr_affine``) searches on the fronto-parallel plane
only, as the authors' code does on an image with no vanishing points.

The transform composition follows the authors' ``sr_src_domain_tform``,
which writes the second column of ``H A`` as ``H(4:6) (a3 + a4)``
(``authors_composition=True``, the default, reproduces it; ``False`` uses
the product as intended).
"""

import math

import numpy as np

from .._image import from_unit, to_unit
from .._validation import check_bool, check_int
from ..backprojection import backproject_trusted
from ..registry import register_method
from ..resize._imresize import resize_trusted
from .planes import detect_planes, level_planes

__all__ = ["PATCH_SIZE", "SCALES", "selfexsr", "selfexsr_affine", "selfexsr_levels"]

#: Scales of the authors' pyramids (steps of 2^(1/3) for x2 and x4, 3^(1/5) for x3).
SCALES = (2, 3, 4)
#: Patch side (pixels) of the matching and the voting (``opt.pSize``).
PATCH_SIZE = 5
#: Gaussian patch weights (``fspecial('gaussian', 5, 3)``).
WEIGHT_SIGMA = 3.0
#: PatchMatch iterations: the first level runs ``ITERATIONS - ITERATIONS_DECREMENT``, each
#: next level ``ITERATIONS_DECREMENT`` fewer, at least ``ITERATIONS_MIN``.
ITERATIONS, ITERATIONS_DECREMENT, ITERATIONS_MIN = 15, 3, 3
#: Weight of the scale cost ``max(0, 1/alpha - scale)`` (``opt.lambdaScale``).
LAMBDA_SCALE = 1e-3
#: Random search of the affine deformation: scale, rotation (rad), shear radii.
SCALE_RADIUS, ROTATION_RADIUS, SHEAR_RADIUS = 1.0, math.pi / 4, 0.05
#: Largest patch scale (``opt.maxScale``); the smallest is ``1 / alpha``.
MAX_SCALE = 8.0
#: Photometric bias bounds (``opt.minBias``, ``opt.maxBias``).
BIAS_RANGE = (-0.25, 0.25)
#: Weight of the plane compatibility cost (``opt.lambdaPlane``).
LAMBDA_PLANE = 1e-3
#: Back-projection after each level's vote.
BACKPROJECTION_ITERATIONS = 20


def _round(v):
    """MATLAB's ``round`` (halves away from zero) of a non-negative number."""
    return int(math.floor(v + 0.5))


def _pyramid_parameters(scale):
    """``(steps, alpha, n_low)``: pyramid steps per halving (thirding), step, levels below."""
    if scale % 2 == 0:
        steps, base, coarsest = 3, 2.0, 1.0 / 8.0
    else:
        steps, base, coarsest = 5, 3.0, 1.0 / 9.0
    alpha = (1.0 / base) ** (1.0 / steps)
    n_low = _round(math.log(coarsest) / math.log(alpha))
    return steps, base, alpha, n_low


def selfexsr_levels(scale):
    """Number of upscaling levels from the input to ``scale`` (e.g. 3 at x2, 5 at x3)."""
    steps, base, _, _ = _pyramid_parameters(scale)
    return _round(steps * math.log(scale) / math.log(base))


def _weights(size, sigma):
    r = size // 2
    g = np.exp(-(np.arange(-r, r + 1) ** 2) / (2.0 * sigma * sigma))
    w = np.outer(g, g)
    return (w / w.sum()).ravel(order="F")


def _flat(levels):
    """The source levels as the kernels take them."""
    channels = levels[0].shape[2]
    sizes = [lv.shape[0] * lv.shape[1] * channels for lv in levels]
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    data = np.concatenate([np.ascontiguousarray(lv, dtype=np.float64).ravel() for lv in levels])
    h = np.array([lv.shape[0] for lv in levels], np.int64)
    w = np.array([lv.shape[1] for lv in levels], np.int64)
    return data, offsets, h, w


def _initial_field(shape, channels, n_planes):
    """Every centre matched to itself at scale 2 on the fronto-parallel (last) plane
    (``sr_init_nnf``)."""
    height, width = shape
    affine = np.zeros((height, width, 4))
    affine[..., 0] = affine[..., 3] = 2.0
    tform = np.zeros((height, width, 9))
    rows, cols = np.mgrid[0:height, 0:width]
    tform[..., 0] = 2.0
    tform[..., 4] = 2.0  # a3 + a4 (authors) or a4: 2 either way
    tform[..., 6] = cols + 1.0
    tform[..., 7] = rows + 1.0
    tform[..., 8] = 1.0
    return (tform, affine, np.zeros((height, width, channels)), np.zeros((height, width)),
            np.full((height, width), n_planes - 1, np.int64))


def _upsample_field(field, shape, radius):
    """The field of the previous (smaller) level carried to ``shape`` (``sr_upsample``)."""
    tform_l, affine_l, bias_l, cost_l, plane_l = field
    hl, wl = tform_l.shape[:2]
    height, width = shape
    sx, sy = hl / height, wl / width  # as the authors: x by the height ratio, y by the width's
    rows, cols = np.mgrid[0:height, 0:width]
    x, y = cols + 1.0, rows + 1.0
    xl = np.clip(np.floor(x * sx + 0.5), radius + 1, wl - radius).astype(np.int64)
    yl = np.clip(np.floor(y * sy + 0.5), radius + 1, hl - radius).astype(np.int64)
    t = tform_l[yl - 1, xl - 1].copy()
    t[..., 6] /= sx
    t[..., 7] /= sy
    dx, dy = x - xl / sx, y - yl / sy
    moved = t.copy()
    moved[..., 6] = t[..., 0] * dx + t[..., 3] * dy + t[..., 6]
    moved[..., 7] = t[..., 1] * dx + t[..., 4] * dy + t[..., 7]
    moved[..., 8] = t[..., 2] * dx + t[..., 5] * dy + t[..., 8]
    moved /= moved[..., 8:9] + np.finfo(np.float64).eps
    moved[..., 6] = np.clip(moved[..., 6], radius + 1, width - radius)
    moved[..., 7] = np.clip(moved[..., 7], radius + 1, height - radius)
    return (moved, affine_l[yl - 1, xl - 1].copy(), bias_l[yl - 1, xl - 1].copy(),
            cost_l[yl - 1, xl - 1].copy(), plane_l[yl - 1, xl - 1].copy())


def selfexsr(img, scale, *, planes=True, authors_composition=True, random_state=0,
             progress=False):
    """Super-resolve ``img`` by SelfExSR (transformed self-exemplars, planar guidance).

    Parameters
    ----------
    img : ndarray, shape (h, w) or (h, w, 3)
        uint8, uint16 or float in [0, 1]; colour images are matched and
        voted on their three channels, as the authors' code.
    scale : {2, 3, 4}
    planes : bool
        Guide the search by the planes of the input
        (:func:`~classicsr.self_examples.planes.detect_planes`); ``False``
        searches on the fronto-parallel plane only.
    authors_composition : bool
        Compose the affine deformation with the translation as the authors'
        code does (see the module docstring).
    random_state : int
        Seed of the PatchMatch random search (and of the vanishing point
        detection).
    progress : bool
        Show a progress bar over the levels (tqdm), with the mean matching cost.

    Returns
    -------
    ndarray, ``(scale h, scale w[, 3])``, the dtype of ``img``. Images
    smaller than a patch (5 pixels) are upscaled bicubically.

    References
    ----------
    J.-B. Huang, A. Singh, N. Ahuja, "Single image super-resolution from
    transformed self-exemplars", CVPR 2015; G. Freedman, R. Fattal, "Image and
    video upscaling from local self-examples", ACM TOG 30(2), 2011.
    """
    import logging

    from tqdm.auto import tqdm

    from . import _kernels as k

    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES} (the authors' pyramids), got {scale!r}")
    planes = check_bool(planes, "planes")
    authors_composition = check_bool(authors_composition, "authors_composition")
    random_state = check_int(random_state, "random_state", minimum=0)
    progress = check_bool(progress, "progress")
    dtype = img.dtype
    x = to_unit(img)
    grey = x.ndim == 2
    if grey:
        x = x[:, :, None]
    channels = x.shape[2]
    _, _, alpha, n_low = _pyramid_parameters(scale)
    up_levels = selfexsr_levels(scale)
    height, width = x.shape[:2]
    # level index i: scale alpha^i (i > 0 below the input, i < 0 above it)
    def size(i):
        return (max(_round(height * alpha ** i), 1), max(_round(width * alpha ** i), 1))

    if min(height, width) < PATCH_SIZE:  # no patch fits: MATLAB's bicubic
        out = resize_trusted(x, scale)
        return from_unit(out[:, :, 0] if grey else out, dtype, clip=True)

    high = {0: x}
    for i in range(1, n_low + 2):
        high[i] = resize_trusted(x, output_shape=size(i))
    low = {i: resize_trusted(high[i + 1], output_shape=size(i)) for i in range(n_low + 1)}
    radius = PATCH_SIZE // 2
    weights = _weights(PATCH_SIZE, WEIGHT_SIGMA)
    # the authors' cost sums three channels: a grey image counts three times
    model = (detect_planes(x[:, :, 0] if grey else x, random_state=random_state) if planes
             else None)
    n_planes = 1 if model is None else model.n_planes
    params = np.array([radius, math.log(alpha), 1.0, BIAS_RANGE[0], BIAS_RANGE[1], LAMBDA_SCALE,
                       1.0 / alpha, 3.0 / channels, LAMBDA_PLANE if n_planes > 1 else 0.0])
    search = np.array([1.0 / alpha, MAX_SCALE, SCALE_RADIUS, ROTATION_RADIUS, SHEAR_RADIUS, 1.0,
                       1.0 if authors_composition else 0.0, 0.0, 0.0, 0.0, 1.0, 0.25, 1.0, 1.0])
    factor = alpha ** np.arange(1, n_low + 1)
    log = logging.getLogger(__name__)
    field = None
    iterations = ITERATIONS
    with tqdm(total=up_levels, desc="selfexsr", unit="level", disable=not progress) as bar:
        for level in range(-1, -up_levels - 1, -1):
            shape = size(level)
            field = (_initial_field(shape, channels, n_planes) if field is None
                     else _upsample_field(field, shape, radius))
            tform, affine, bias, cost, plane_id = (np.ascontiguousarray(a) for a in field)
            if model is None:
                _, plane_acc, plane_mlog, plane_h = k.fronto_parallel(shape)
            else:
                plane_h, plane_acc, plane_mlog = level_planes(model, shape, alpha ** level)
            iterations = max(iterations - ITERATIONS_DECREMENT, ITERATIONS_MIN)
            target = np.ascontiguousarray(resize_trusted(high[level + 1], output_shape=shape))
            search[7], search[8] = shape[1], shape[0]  # positions are target-level coordinates
            sources = _flat([low[level + j] for j in range(1, n_low + 1)])
            k.patch_costs(target, tform, *sources, factor, params, weights, cost, bias, plane_id,
                          plane_mlog)
            updated = np.zeros(shape, np.uint8)
            for iteration in range(iterations):
                seed = random_state * 1_000_003 + (level + 1000) * 1009
                updated[:] = 0
                state = (target, tform, affine, bias, cost, *sources, factor, params, weights,
                         search)
                k.random_search(*state, seed, iteration, updated, plane_id, plane_acc, plane_mlog,
                                plane_h)
                for dy, dx in ((0, 1), (1, 0), (0, -1), (-1, 0)):
                    k.propagate(*state, dy, dx, updated, plane_id, plane_mlog)
                log.debug("level %d iteration %d: mean cost %.6f", level, iteration + 1,
                          float(cost[radius:-radius, radius:-radius].mean()))
            bar.set_postfix(cost=f"{float(cost[radius:-radius, radius:-radius].mean()):.5f}")
            voted = np.empty(shape + (channels,))
            full = _flat([high[level + j] for j in range(1, n_low + 1)])
            k.vote(tform, bias, *full, factor, math.log(alpha), radius, weights, True, voted)
            high[level] = backproject_trusted(voted, x, BACKPROJECTION_ITERATIONS,
                                              padding="replicate", clip=(0.0, 1.0))
            low[level] = resize_trusted(resize_trusted(high[level], output_shape=size(level + 1)),
                                        output_shape=shape)
            field = (tform, affine, bias, cost, plane_id)
            bar.update()
    out = high[-up_levels]
    if grey:
        out = out[:, :, 0]
    return from_unit(out, dtype, clip=True)


def selfexsr_affine(img, scale, *, authors_composition=True, random_state=0, progress=False):
    """SelfExSR without the planar guidance (:func:`selfexsr` with ``planes=False``)."""
    return selfexsr(img, scale, planes=False, authors_composition=authors_composition,
                    random_state=random_state, progress=progress)


_OPTIONS = {"authors_composition": "compose the affine part as the authors' code does",
            "random_state": "seed of the PatchMatch random search",
            "progress": "show a progress bar over the pyramid levels"}
register_method(
    "selfexsr",
    description="SelfExSR: transformed self-exemplars with planar guidance",
    reference="J.-B. Huang, A. Singh, N. Ahuja, CVPR 2015",
    scales=SCALES, channels="all", slow=True,
    options={"planes": "guide the search by detected planes (vanishing points)", **_OPTIONS},
)(selfexsr)
register_method(
    "selfexsr_affine",
    description="SelfExSR: transformed self-exemplars, affine only (no plane detection)",
    reference="J.-B. Huang, A. Singh, N. Ahuja, CVPR 2015",
    scales=SCALES, channels="all", slow=True, options=_OPTIONS,
)(selfexsr_affine)
