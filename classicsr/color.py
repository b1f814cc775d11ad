"""MATLAB-compatible colour conversion (``rgb2ycbcr`` / ``ycbcr2rgb``, BT.601).

MATLAB maps RGB in [0, 1] to ``Y = 16 + 65.481 R + 128.553 G + 24.966 B``
(and Cb, Cr likewise) on a [0, 255] scale. For uint8 input it computes in
double precision and rounds the result half away from zero to uint8; for
float input it returns values on the [0, 1] scale (Y in [16/255, 235/255]).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ._validation import INT_FULL_SCALE, check_image

__all__ = ["rgb2ycbcr", "round_half_away", "to_dtype", "ycbcr2rgb"]

#: MATLAB's ``origT`` (rows: Y, Cb, Cr) and ``origOffset``.
_T = np.array(
    [
        [65.481, 128.553, 24.966],
        [-37.797, -74.203, 112.0],
        [112.0, -93.786, -18.214],
    ]
)
_OFFSET = np.array([16.0, 128.0, 128.0])
_T_INV = np.linalg.inv(_T)

def round_half_away(values: npt.ArrayLike) -> np.ndarray:
    """Round half away from zero, as MATLAB's ``round``."""
    return np.sign(values) * np.floor(np.abs(values) + 0.5)


def to_dtype(values: np.ndarray, dtype: npt.DTypeLike) -> np.ndarray:
    """Convert float values on the dtype's own scale to ``dtype``.

    Integer dtypes are rounded half away from zero and saturated (MATLAB's
    class conversion); float dtypes are cast unchanged.
    """
    dtype = np.dtype(dtype)
    if dtype.kind == "u":
        return np.clip(round_half_away(values), 0, INT_FULL_SCALE[dtype]).astype(dtype)
    return values.astype(dtype)


def _check_rgb(img: npt.ArrayLike, name: str) -> np.ndarray:
    img = check_image(img, name, allow_alpha=False)
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"{name} must have shape (H, W, 3), got {img.shape}")
    return img


def _affine(x: np.ndarray, matrix: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """``matrix @ pixel + offset`` for every pixel of a float64 (H, W, 3) array."""
    out = x[..., 0:1] * matrix[:, 0] + x[..., 1:2] * matrix[:, 1] + x[..., 2:3] * matrix[:, 2]
    out += offset
    return out


def rgb2ycbcr(img: npt.ArrayLike) -> np.ndarray:
    """Convert RGB to YCbCr as MATLAB's ``rgb2ycbcr`` (ITU-R BT.601).

    Parameters
    ----------
    img : ndarray, shape (H, W, 3)
        RGB image: uint8 / uint16 on their full range, float in [0, 1].

    Returns
    -------
    ndarray, shape (H, W, 3)
        YCbCr of the input dtype. uint8: Y in [16, 235], rounded half away
        from zero. float: on the [0, 1] scale, Y in [16/255, 235/255].

    References
    ----------
    .. [1] MathWorks, ``rgb2ycbcr``; ITU-R BT.601.

    Examples
    --------
    >>> import numpy as np
    >>> from classicsr import rgb2ycbcr
    >>> rgb2ycbcr(np.full((1, 1, 3), 255, np.uint8))[0, 0]
    array([235, 128, 128], dtype=uint8)
    """
    img = _check_rgb(img, "img")
    dtype = img.dtype
    x = img.astype(np.float64)
    if dtype.kind == "u":
        # MATLAB: T = origT / 255 on the input class, offset scaled to the
        # output class (x1 for uint8, x257 for uint16).
        full = INT_FULL_SCALE[dtype]
        return to_dtype(_affine(x, _T / 255.0, _OFFSET * (full / 255.0)), dtype)
    return _affine(x, _T / 255.0, _OFFSET / 255.0).astype(dtype)


def ycbcr2rgb(img: npt.ArrayLike) -> np.ndarray:
    """Convert YCbCr to RGB as MATLAB's ``ycbcr2rgb`` (inverse of :func:`rgb2ycbcr`).

    Parameters
    ----------
    img : ndarray, shape (H, W, 3)
        YCbCr image on the scale :func:`rgb2ycbcr` returns for its dtype.

    Returns
    -------
    ndarray, shape (H, W, 3)
        RGB of the input dtype; integer output is rounded and saturated,
        float output is not clipped.
    """
    img = _check_rgb(img, "img")
    dtype = img.dtype
    full = INT_FULL_SCALE.get(dtype, 1.0)
    # To the [0, 255] scale of origOffset, invert, back to the dtype's scale.
    ycc = img.astype(np.float64) * (255.0 / full)
    rgb = _affine(ycc, _T_INV * full, -(_T_INV @ _OFFSET) * full)
    return to_dtype(rgb, dtype)
