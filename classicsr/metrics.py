"""Image quality metrics of the super-resolution literature.

``psnr`` and ``ssim`` follow the evaluation convention of the A+, ANR,
Zeyde and SRCNN papers: the Y channel of MATLAB's ``rgb2ycbcr`` for colour
images (greyscale images are compared as they are), ``crop_border`` pixels
shaved from every side, and for SSIM Wang et al.'s reference
``ssim_index.m`` (11x11 Gaussian window, sigma 1.5, K1 = 0.01, K2 = 0.03,
'valid' filtering, no downsampling).
"""

from __future__ import annotations


import numpy as np
import numpy.typing as npt

from ._validation import INT_FULL_SCALE, check_image, check_int, check_real
from ._image import luminance

__all__ = ["psnr", "ssim"]


def _prepare(reference: npt.ArrayLike, test: npt.ArrayLike, crop_border: int,
             y_channel: bool, data_range: float | None) -> tuple[np.ndarray, np.ndarray, float]:
    """Validate a pair, take Y if asked, shave the border; float64 and range."""
    reference = check_image(reference, "reference", allow_alpha=False)
    test = check_image(test, "test", allow_alpha=False)
    if reference.shape != test.shape:
        raise ValueError(
            f"reference and test must have the same shape, got {reference.shape} "
            f"and {test.shape}"
        )
    if reference.dtype != test.dtype:
        raise TypeError(
            f"reference and test must have the same dtype, got {reference.dtype} "
            f"and {test.dtype}"
        )
    crop_border = check_int(crop_border, "crop_border", minimum=0)
    if data_range is None:
        if reference.dtype not in INT_FULL_SCALE:
            raise ValueError(
                f"data_range is required for {reference.dtype} images "
                "(e.g. 1.0 for [0, 1] images, 255.0 for [0, 255])"
            )
        data_range = INT_FULL_SCALE[reference.dtype]
    else:
        data_range = check_real(data_range, "data_range", minimum=0, strict_minimum=True)
    if reference.ndim == 3 and reference.shape[2] == 3 and y_channel:
        reference, test = luminance(reference), luminance(test)
    elif reference.ndim == 3 and reference.shape[2] == 1:
        reference, test = reference[..., 0], test[..., 0]
    c = int(crop_border)
    if 2 * c >= reference.shape[0] or 2 * c >= reference.shape[1]:
        raise ValueError(
            f"crop_border={c} leaves nothing of an image of shape {reference.shape[:2]}"
        )
    if c:
        reference = reference[c:-c, c:-c]
        test = test[c:-c, c:-c]
    return reference.astype(np.float64), test.astype(np.float64), float(data_range)


def psnr(reference: npt.ArrayLike, test: npt.ArrayLike, *, crop_border: int = 0,
         y_channel: bool = True, data_range: float | None = None) -> float:
    """Peak signal-to-noise ratio in dB, as in the SR literature.

    Parameters
    ----------
    reference, test : ndarray
        Images of the same shape and dtype: ``(H, W)`` or ``(H, W, 3)``.
    crop_border : int
        Pixels shaved from every border before comparing (the scale factor in
        the paper protocol).
    y_channel : bool
        For colour images, compare the Y channel of MATLAB's ``rgb2ycbcr``
        (rounded to the integer dtype for integer images). Greyscale images
        are always compared as they are.
    data_range : float, optional
        Peak value. Defaults to 255 for uint8 and 65535 for uint16; required
        for float images.

    Returns
    -------
    float
        ``10 log10(data_range**2 / MSE)``; ``inf`` for identical images.

    Examples
    --------
    >>> import numpy as np
    >>> from classicsr import psnr
    >>> a = np.zeros((8, 8), np.uint8); b = a.copy(); b[0, 0] = 255
    >>> round(psnr(a, b), 3)
    18.062
    """
    ref, tst, peak = _prepare(reference, test, crop_border, y_channel, data_range)
    mse = np.mean((ref - tst) ** 2)
    if mse == 0:
        return float("inf")
    return float(10.0 * np.log10(peak**2 / mse))


def _gaussian_window(size: int = 11, sigma: float = 1.5) -> np.ndarray:
    """1-D factor of MATLAB's ``fspecial('gaussian', size, sigma)``."""
    x = np.arange(size) - (size - 1) / 2
    g = np.exp(-(x**2) / (2 * sigma**2))
    return g / g.sum()


def _filter_valid(img: np.ndarray, g: np.ndarray) -> np.ndarray:
    """``filter2(g' * g, img, 'valid')`` for a symmetric separable window."""
    from scipy.ndimage import correlate1d

    n = g.size
    half = n // 2
    out = correlate1d(img, g, axis=0, mode="constant")[half:-half or None]
    out = correlate1d(out, g, axis=1, mode="constant")[:, half:-half or None]
    return out


def ssim(reference: npt.ArrayLike, test: npt.ArrayLike, *, crop_border: int = 0,
         y_channel: bool = True, data_range: float | None = None) -> float:
    """Structural similarity as Wang et al.'s ``ssim_index.m``.

    Parameters are those of :func:`psnr`. The mean of the SSIM map over the
    'valid' region of an 11x11 Gaussian window (sigma 1.5) with
    ``C1 = (0.01 L)^2`` and ``C2 = (0.03 L)^2``, ``L = data_range``.

    References
    ----------
    .. [1] Z. Wang, A. C. Bovik, H. R. Sheikh, E. P. Simoncelli, "Image
       quality assessment: from error visibility to structural similarity",
       IEEE TIP 13(4), 2004.
    """
    ref, tst, peak = _prepare(reference, test, crop_border, y_channel, data_range)
    if min(ref.shape) < 11:
        raise ValueError(
            f"ssim needs images of at least 11x11 pixels after cropping, got {ref.shape}"
        )
    g = _gaussian_window()
    c1 = (0.01 * peak) ** 2
    c2 = (0.03 * peak) ** 2
    mu1 = _filter_valid(ref, g)
    mu2 = _filter_valid(tst, g)
    mu1_sq, mu2_sq, mu1_mu2 = mu1 * mu1, mu2 * mu2, mu1 * mu2
    sigma1_sq = _filter_valid(ref * ref, g) - mu1_sq
    sigma2_sq = _filter_valid(tst * tst, g) - mu2_sq
    sigma12 = _filter_valid(ref * tst, g) - mu1_mu2
    ssim_map = ((2 * mu1_mu2 + c1) * (2 * sigma12 + c2)) / (
        (mu1_sq + mu2_sq + c1) * (sigma1_sq + sigma2_sq + c2)
    )
    return float(ssim_map.mean())
