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


def count_training_pairs(images, scale, *, overlap, pyramid_levels=1, pyramid_factor=0.98):
    """The number of pairs :func:`training_pairs` extracts (without extracting them)."""
    total = 0
    for level in range(pyramid_levels):
        for hr in images:
            h, w = _pyramid_shape(hr.shape, pyramid_factor ** level)
            if min(h, w) < 5 * scale:
                continue
            total += PatchGrid.build((h - h % scale, w - w % scale), scale, overlap=overlap).count
    return total


def training_pairs(images, scale, *, overlap, pyramid_levels=1, pyramid_factor=0.98,
                   projection=None, max_pairs=None, dtype=np.float32, progress=False,
                   upscaler=None, fraction=None, random_state=0):
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

    Returns
    -------
    features : ndarray, shape (n, n_features)
    residuals : ndarray, shape (n, (3 * scale) ** 2)
    """
    from tqdm.auto import tqdm

    features, residuals, total = [], [], 0
    rng = np.random.default_rng(random_state)
    upscaler = upscaler or (lambda lr: resize_trusted(lr, scale))
    bar = tqdm(total=pyramid_levels * len(images), desc="training patches", unit="image",
               disable=not progress)
    for level in range(pyramid_levels):
        factor = pyramid_factor ** level
        for hr in images:
            bar.update()
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
            features.append(f.astype(dtype))
            residuals.append(r.astype(dtype))
            total += f.shape[0]
            if max_pairs is not None and total >= max_pairs:
                break
        if max_pairs is not None and total >= max_pairs:
            break
    bar.close()
    if not features:
        raise ValueError(
            f"no training patches: every image is smaller than {5 * scale} pixels, "
            f"the least a {3 * scale}-pixel patch with a {scale}-pixel border needs at x{scale}"
        )
    features = _stack(features)
    residuals = _stack(residuals)
    if max_pairs is not None:
        features, residuals = features[:max_pairs], residuals[:max_pairs]
    return features, residuals


def _stack(chunks):
    """``np.concatenate(chunks)``, freeing each chunk once copied (peak memory:
    the result plus one chunk rather than twice the result)."""
    out = np.empty((sum(c.shape[0] for c in chunks),) + chunks[0].shape[1:], chunks[0].dtype)
    position = 0
    chunks.reverse()
    while chunks:
        chunk = chunks.pop()
        out[position:position + chunk.shape[0]] = chunk
        position += chunk.shape[0]
    return out


def normalise_pairs(features, residuals):
    """l2-normalise the LR features and scale the HR residuals alike, in place.

    As the A+ code: each feature row is divided by its norm (plus eps); its
    residual by the same norm, or by 1 where the norm is below 0.1 (flat
    patches keep their small residual instead of having it blown up).
    """
    norm = np.sqrt((features.astype(np.float64) ** 2).sum(axis=1)) + np.finfo(np.float64).eps
    features /= norm[:, None].astype(features.dtype)
    norm[norm < 0.1] = 1.0
    residuals /= norm[:, None].astype(residuals.dtype)
