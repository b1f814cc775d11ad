"""Training pairs for the example-based methods: LR features and HR residual patches.

As in the training code of Zeyde et al. (``learn_dict.m``) and of A+
(``collectSamplesScales.m``): the HR image (Y channel in [0, 1]) is cropped to
a multiple of the scale, downscaled with MATLAB bicubic, upscaled again with
MATLAB bicubic ("mid-res"); features are the derivative features of the
mid-res patches and targets are the patches of ``HR - mid-res``.
"""

import math

import numpy as np

from ..degradation import crop_to_multiple
from ..patches import PatchGrid, extract_features, extract_patches
from ..resize._imresize import resize_trusted

__all__ = ["count_training_pairs", "normalise_pairs", "training_pairs"]


def _pyramid_shape(shape, factor):
    """Shape of an image of ``shape`` downscaled by ``factor`` (MATLAB's ``ceil``)."""
    return tuple(math.ceil(factor * n) for n in shape) if factor != 1 else tuple(shape)


def _pair_counts(images, scale, overlap, pyramid_levels, pyramid_factor):
    """Pairs of each (level, image), in the order :func:`training_pairs` visits them."""
    counts = []
    for level in range(pyramid_levels):
        for hr in images:
            h, w = _pyramid_shape(hr.shape, pyramid_factor ** level)
            counts.append(0 if min(h, w) < 5 * scale else
                          PatchGrid.build((h - h % scale, w - w % scale), scale,
                                          overlap=overlap).count)
    return counts


def count_training_pairs(images, scale, *, overlap, pyramid_levels=1, pyramid_factor=0.98):
    """The number of pairs :func:`training_pairs` extracts (without extracting them)."""
    return sum(_pair_counts(images, scale, overlap, pyramid_levels, pyramid_factor))


def training_pairs(images, scale, *, overlap, pyramid_levels=1, pyramid_factor=0.98,
                   projection=None, max_pairs=None, dtype=np.float32, progress=False,
                   upscaler=None, fraction=None, random_state=0, residual_dtype=None):
    """LR features and HR residual patches of ``images``.

    Parameters
    ----------
    images : list of ndarray
        HR luminance images in [0, 1].
    scale : int
        Upscaling factor.
    overlap : int
        Patch overlap in LR pixels (window 3: 2 is full overlap).
    pyramid_levels, pyramid_factor : int, float
        Also use the images downscaled by ``pyramid_factor ** k`` for
        ``k < pyramid_levels`` (A+'s augmentation: 12 levels of 0.98).
    projection : ndarray, optional
        Apply ``features @ projection`` (PCA) per image, to save memory.
    max_pairs : int, optional
        Keep the first ``max_pairs`` pairs, in order of pyramid level then
        image (A+ keeps its first 5 million).
    progress : bool
        Show a tqdm progress bar over the images.
    upscaler : callable, optional
        ``upscaler(lr)`` gives the image the features are taken from and
        the residuals are relative to (default: MATLAB bicubic by
        ``scale``); a cascade stage passes the previous stages' output.
    fraction : float, optional
        Keep a random ``fraction`` of each image's pairs (without
        replacement, in grid order; seeded by ``random_state``), so that a
        large augmented set is sampled evenly rather than cut after its
        first images.
    random_state : int
    residual_dtype : dtype, optional
        Type of the returned residuals (default: ``dtype``); float16 halves
        the memory of the largest training sets (IA's tens of millions of
        pairs).

    Returns
    -------
    features : ndarray, shape (n, n_features)
    residuals : ndarray, shape (n, (3 * scale) ** 2)
    """
    from tqdm.auto import tqdm

    # The arrays are allocated once, at their final size, and filled image by
    # image: a list of per-image chunks stacked at the end needs twice the
    # memory, and tens of millions of small chunks fragment the heap so that
    # the freed memory is not returned.
    counts = _pair_counts(images, scale, overlap, pyramid_levels, pyramid_factor)
    if fraction is not None and fraction < 1:
        counts = [round(c * fraction) for c in counts]
    n = sum(counts) if max_pairs is None else min(sum(counts), max_pairs)
    if n == 0:
        raise ValueError(
            f"no training patches: every image is smaller than {5 * scale} pixels, "
            f"the least a {3 * scale}-pixel patch with a {scale}-pixel border needs at x{scale}"
        )
    features = residuals = None
    position = 0
    rng = np.random.default_rng(random_state)
    upscaler = upscaler or (lambda lr: resize_trusted(lr, scale))
    bar = tqdm(total=pyramid_levels * len(images), desc="training patches", unit="image",
               disable=not progress)
    for level in range(pyramid_levels):
        factor = pyramid_factor ** level
        for hr in images:
            bar.update()
            if position >= n:
                break
            if level:
                hr = resize_trusted(hr, factor)
            if min(hr.shape) < 5 * scale:
                continue
            hr = crop_to_multiple(hr, scale)
            lr = resize_trusted(hr, 1.0 / scale)
            mid = upscaler(lr)
            grid = PatchGrid.build(mid.shape, scale, overlap=overlap)
            if grid.count == 0:
                continue
            f = extract_features(mid, grid, scale)
            r = extract_patches(hr - mid, grid)
            if fraction is not None and fraction < 1:
                keep = np.sort(rng.choice(grid.count, int(round(grid.count * fraction)),
                                          replace=False))
                f, r = f[keep], r[keep]
            if projection is not None:
                f = f @ projection
            if features is None:
                features = np.empty((n, f.shape[1]), dtype=dtype)
                residuals = np.empty((n, r.shape[1]), dtype=residual_dtype or dtype)
            m = min(f.shape[0], n - position)
            features[position:position + m] = f[:m]
            residuals[position:position + m] = r[:m]
            position += m
        if position >= n:
            break
    bar.close()
    if position != n:  # an upscaler that changed the image size
        raise RuntimeError(f"training_pairs: {position} pairs extracted, {n} counted")
    return features, residuals


def normalise_pairs(features, residuals, *, chunk=1 << 20):
    """l2-normalise the LR features and scale the HR residuals alike, in place.

    As the A+ code: each feature row is divided by its norm (plus eps); its
    residual by the same norm, or by 1 where the norm is below 0.1 (flat
    patches keep their small residual instead of having it blown up).
    Done ``chunk`` rows at a time, so that the float64 norms of tens of
    millions of pairs never need a full-size temporary.
    """
    for start in range(0, features.shape[0], chunk):
        f = features[start:start + chunk]
        norm = np.sqrt((f.astype(np.float64) ** 2).sum(axis=1)) + np.finfo(np.float64).eps
        f /= norm[:, None].astype(features.dtype)
        norm[norm < 0.1] = 1.0
        residuals[start:start + chunk] /= norm[:, None].astype(residuals.dtype)
