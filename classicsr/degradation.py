"""The degradation of the SR literature: modcrop, then MATLAB bicubic downscale."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ._validation import check_image, check_integer_scale
from .resize._imresize import resize_trusted

__all__ = ["crop_to_multiple", "degrade", "modcrop"]


def crop_to_multiple(img: np.ndarray, scale: int) -> np.ndarray:
    """``modcrop`` without the checks (internal callers with a valid image and scale)."""
    return img[:img.shape[0] - img.shape[0] % scale, :img.shape[1] - img.shape[1] % scale]


def modcrop(img: npt.ArrayLike, scale: int) -> np.ndarray:
    """Crop ``img`` so that its height and width are multiples of ``scale``.

    As the ``modcrop.m`` of the SR papers' code: the top-left corner is kept
    and the last ``H mod scale`` rows and ``W mod scale`` columns dropped.
    """
    img = check_image(img, "img")
    scale = check_integer_scale(scale)
    if img.shape[0] < scale or img.shape[1] < scale:
        raise ValueError(
            f"img of shape {img.shape[:2]} is smaller than the scale factor {scale}"
        )
    return crop_to_multiple(img, scale)


def degrade(hr: npt.ArrayLike, scale: int) -> np.ndarray:
    """Make the low-resolution observation of ``hr`` as the SR papers do.

    ``modcrop(hr, scale)`` followed by MATLAB's ``imresize(hr, 1/scale)``
    (bicubic, antialiased), in the dtype of ``hr``.

    Parameters
    ----------
    hr : ndarray, shape (H, W) or (H, W, C)
        High-resolution image.
    scale : int
        Integer downscaling factor.

    Returns
    -------
    ndarray
        The LR image, of shape ``(H // scale, W // scale[, C])`` and the dtype
        of ``hr``.
    """
    hr = modcrop(hr, scale)
    return resize_trusted(hr, 1.0 / int(scale), method="bicubic")
