"""The degradation of the SR literature: modcrop, then MATLAB bicubic downscale."""

from ._validation import check_image, check_integer_scale
from .resize import imresize


def modcrop(img, scale):
    """Crop ``img`` so that its height and width are multiples of ``scale``.

    As the ``modcrop.m`` of the SR papers' code: the top-left corner is kept
    and the last ``H mod scale`` rows and ``W mod scale`` columns dropped.
    """
    img = check_image(img, "img")
    scale = check_integer_scale(scale)
    h = img.shape[0] - img.shape[0] % scale
    w = img.shape[1] - img.shape[1] % scale
    if h == 0 or w == 0:
        raise ValueError(
            f"img of shape {img.shape[:2]} is smaller than the scale factor {scale}"
        )
    return img[:h, :w]


def degrade(hr, scale):
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
    scale = check_integer_scale(scale)
    hr = modcrop(hr, scale)
    return imresize(hr, 1.0 / scale, method="bicubic")
