"""Dense patches of interpolated images and the combination of overlapping
patch predictions (shared by the kernel regression methods)."""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..degradation import crop_to_multiple
from ..resize._imresize import resize_trusted

__all__ = ["combine_candidates", "dense_patches", "mid_and_residual", "normalise_patches",
           "sample_pairs"]


def dense_patches(img, size, dtype=np.float32):
    """The ``size x size`` patch centred on every pixel of ``img`` (symmetric
    padding), row-major, one row per pixel: shape ``(H * W, size * size)``."""
    pad = size // 2
    padded = np.pad(np.asarray(img, dtype), pad, mode="symmetric")
    return sliding_window_view(padded, (size, size)).reshape(-1, size * size)


def normalise_patches(x, offset):
    """Contrast normalisation of mean-removed patches (rows of ``x``), in place:
    each row divided by its norm plus ``offset``; returns the divisors."""
    norm = np.sqrt(np.einsum("ij,ij->i", x, x, dtype=np.float64)) + offset
    x /= norm[:, None].astype(x.dtype)
    return norm


def mid_and_residual(hr, scale):
    """``(mid, hr - mid)`` of an HR luminance image cropped to a multiple of
    ``scale``: ``mid = imresize(imresize(hr, 1/s), s)`` (MATLAB bicubic)."""
    hr = crop_to_multiple(hr, scale)
    mid = resize_trusted(resize_trusted(hr, 1.0 / scale), scale)
    return mid, hr - mid


def sample_pairs(images, scale, input_size, output_size, n_samples, rng, *, margin=None,
                 contrast_fraction=1.0, progress=False):
    """Random training pairs: mean-removed ``input_size`` patches of the
    interpolated image and the ``output_size`` patches of the residual ``hr -
    mid`` centred on the same pixel.

    ``n_samples / contrast_fraction`` pixels are drawn at random (about as many
    from every image; at least ``margin`` from the border, default the input
    radius) and the ``n_samples`` whose input patch has the largest norm (its
    contrast) are kept. The rows are returned in random order, so that any
    prefix of them is a random sample of all the images.

    Returns
    -------
    x : ndarray float32 (n, input_size ** 2)
    y : ndarray float32 (n, output_size ** 2)
    """
    from tqdm.auto import tqdm

    margin = input_size // 2 if margin is None else margin
    n_drawn = int(np.ceil(n_samples / contrast_fraction))
    per_image = int(np.ceil(n_drawn / len(images)))
    xs, ys = [], []
    for hr in tqdm(images, desc="training pairs", unit="image", disable=not progress):
        if min(hr.shape) < 2 * margin + 1 + scale:
            continue
        mid, residual = mid_and_residual(hr, scale)
        h, w = mid.shape
        rows = rng.integers(margin, h - margin, per_image)
        cols = rng.integers(margin, w - margin, per_image)
        xs.append(_patches_at(mid, rows, cols, input_size))
        ys.append(_patches_at(residual, rows, cols, output_size))
    if not xs:
        raise ValueError("no training pairs: every training image is smaller than "
                         f"{2 * margin + 1 + scale} pixels")
    x = np.concatenate(xs)[:n_drawn]
    y = np.concatenate(ys)[:n_drawn]
    x -= x.mean(1, keepdims=True)
    if n_samples < x.shape[0]:
        norm = np.einsum("ij,ij->i", x, x, dtype=np.float64)
        keep = np.argpartition(-norm, n_samples - 1)[:n_samples]
    else:
        keep = np.arange(x.shape[0])
    keep = rng.permutation(keep)
    return x[keep], y[keep]


def _patches_at(img, rows, cols, size):
    r = size // 2
    offsets = np.arange(-r, r + 1)
    return img[(rows[:, None, None] + offsets[None, :, None]),
               (cols[:, None, None] + offsets[None, None, :])].reshape(rows.size, -1).astype(
        np.float32)


def combine_candidates(predictions, weights, shape):
    """Combine the overlapping patch predictions into one image.

    ``predictions[p, k]`` is the value the patch centred on pixel ``p``
    (row-major over ``shape``) predicts for its ``k``-th pixel (an ``n x n``
    patch, row-major); ``weights[p, k]`` (or ``None``: equal weights) its
    confidence. Each pixel is the weighted mean of the ``n * n`` candidates of
    the patches that cover it (patches centred outside the image are absent).
    """
    h, w = shape
    n = round(np.sqrt(predictions.shape[1]))
    r = n // 2
    pred = predictions.reshape(h, w, n * n)
    wts = None if weights is None else weights.reshape(h, w, n * n)
    total = np.zeros((h + 2 * r, w + 2 * r))
    norm = np.zeros((h + 2 * r, w + 2 * r))
    for k in range(n * n):
        dy, dx = divmod(k, n)  # the candidate lands dy - r, dx - r from the patch centre
        if wts is None:
            total[dy:dy + h, dx:dx + w] += pred[:, :, k]
            norm[dy:dy + h, dx:dx + w] += 1.0
        else:
            total[dy:dy + h, dx:dx + w] += pred[:, :, k] * wts[:, :, k]
            norm[dy:dy + h, dx:dx + w] += wts[:, :, k]
    return total[r:r + h, r:r + w] / norm[r:r + h, r:r + w]
