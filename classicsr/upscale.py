"""``classicsr.upscale``: one entry point for every single-image method."""

import inspect

import numpy as np

from ._validation import check_image, check_integer_scale, check_scale
from .color import rgb2ycbcr, to_dtype, ycbcr2rgb
from .registry import get_method
from .resize import imresize

_FULL_SCALE = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}


def check_method_scale(info, scale):
    """Validate ``scale`` against what method ``info`` supports."""
    if info.scales is None:
        return check_scale(scale)
    return check_integer_scale(scale, allowed=info.scales)


def _check_options(info, options):
    params = inspect.signature(info.function).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return
    accepted = [n for n in list(params)[2:]]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise TypeError(
            f"method {info.name!r} got unknown option(s) {', '.join(unknown)}; "
            f"accepted: {', '.join(accepted) or 'none'}"
        )


def upscale(img, scale, method="bicubic", **options):
    """Super-resolve one image by ``scale`` with a registered method.

    Parameters
    ----------
    img : ndarray, shape (H, W) or (H, W, C), C in {1, 3, 4}
        uint8, uint16, float32 or float64 (float values in [0, 1]).
    scale : float or int
        Upscaling factor. Interpolation methods take any positive factor;
        learning-based methods the integer factors they were trained for.
    method : str
        A name from :func:`classicsr.available_methods`.
    **options
        Passed to the method (see its docstring).

    Returns
    -------
    ndarray
        The upscaled image, same dtype and number of channels as ``img``.

    Notes
    -----
    Interpolation methods run on every channel. Learning-based methods run on
    the Y channel of MATLAB's ``rgb2ycbcr`` (computed in floating point) and
    upscale Cb, Cr and alpha with bicubic interpolation, as the papers do;
    greyscale images stay greyscale.

    Examples
    --------
    >>> import numpy as np
    >>> import classicsr
    >>> lr = np.random.default_rng(0).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    >>> classicsr.upscale(lr, 2, method="bicubic").shape
    (32, 32, 3)
    """
    img = check_image(img, "img")
    info = get_method(method)
    scale = check_method_scale(info, scale)
    _check_options(info, options)
    if info.channels == "all":
        return info.function(img, scale, **options)
    return _upscale_luminance(img, scale, info, options)


def _upscale_luminance(img, scale, info, options):
    full = _FULL_SCALE.get(img.dtype, 1.0)
    x = img.astype(np.float64) / full
    if x.ndim == 2 or x.shape[2] == 1:
        y = info.function(x.reshape(x.shape[:2]), scale, **options)
        out = y if img.ndim == 2 else y[:, :, None]
        return to_dtype(out * full, img.dtype)
    ycc = rgb2ycbcr(x[:, :, :3])
    y = info.function(ycc[:, :, 0], scale, **options)
    # Cb, Cr (and alpha) by bicubic; channel 0 of the stack is a placeholder
    # so that it is a 3-channel image.
    rest = ycc if img.shape[2] == 3 else np.dstack([x[:, :, 3], ycc[:, :, 1:]])
    rest = imresize(rest, output_shape=y.shape, method="bicubic")
    rgb = ycbcr2rgb(np.dstack([y, rest[:, :, 1:]]))
    if img.shape[2] == 4:
        rgb = np.dstack([rgb, rest[:, :, 0]])
    return to_dtype(rgb * full, img.dtype)
