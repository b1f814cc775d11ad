"""``classicsr.upscale``: one entry point for every single-image method."""

import inspect
import numbers

import numpy as np

from ._validation import INT_FULL_SCALE, check_image, check_integer_scale, check_scale
from .backprojection import backproject
from .color import rgb2ycbcr, to_dtype, ycbcr2rgb
from .registry import get_method
from .resize import imresize


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


def check_backprojection(backprojection, iterations):
    """Validate the back-projection options of :func:`upscale` and the protocol."""
    if not isinstance(backprojection, (bool, np.bool_)):
        raise TypeError(
            f"backprojection must be True or False, got {type(backprojection).__name__} "
            f"{backprojection!r}"
        )
    if isinstance(iterations, (bool, np.bool_)) or not isinstance(iterations, numbers.Integral):
        raise TypeError(
            "backprojection_iterations must be an integer, got "
            f"{type(iterations).__name__} {iterations!r}"
        )
    if iterations < 0:
        raise ValueError(f"backprojection_iterations must be >= 0, got {iterations}")
    return bool(backprojection), int(iterations)


def upscale(img, scale, method="bicubic", backprojection=False, backprojection_iterations=20,
            **options):
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
    backprojection : bool
        Refine the method's output with iterative back-projection
        (:func:`classicsr.backprojection.backproject`, ScSR's Gaussian
        filter) so that its bicubic downscale reproduces ``img``. Done in
        floating point before the conversion back to the input dtype.
    backprojection_iterations : int
        Back-projection steps (default 20, as in Yang et al.'s code).
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
    greyscale images stay greyscale. With ``backprojection``, a
    luminance method's Y output is back-projected onto the input's Y (in
    [0, 1]) and an all-channel method runs on the float image (in [0, 1] for
    integer input) and is back-projected channel by channel.

    References
    ----------
    .. [1] M. Irani and S. Peleg, CVGIP: Graphical Models and Image
       Processing 53(3), 1991 (back-projection).
    .. [2] J. Yang, J. Wright, T. S. Huang and Y. Ma, IEEE Trans. Image
       Processing 19(11), 2010 (the back-projection filter).

    Examples
    --------
    >>> import numpy as np
    >>> import classicsr
    >>> lr = np.random.default_rng(0).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    >>> classicsr.upscale(lr, 2, method="bicubic").shape
    (32, 32, 3)
    >>> classicsr.upscale(lr, 2, method="bicubic", backprojection=True).dtype
    dtype('uint8')
    """
    img = check_image(img, "img")
    info = get_method(method)
    scale = check_method_scale(info, scale)
    _check_options(info, options)
    backprojection, iterations = check_backprojection(backprojection,
                                                      backprojection_iterations)
    bp_iterations = iterations if backprojection else None
    if info.channels == "all":
        return _upscale_all(img, scale, info, options, bp_iterations)
    return _upscale_luminance(img, scale, info, options, bp_iterations)


def _upscale_all(img, scale, info, options, bp_iterations):
    if bp_iterations is None:
        return info.function(img, scale, **options)
    full = INT_FULL_SCALE.get(img.dtype, 1.0)
    x = img.astype(np.float64) / full
    sr = backproject(info.function(x, scale, **options), x, scale, bp_iterations)
    return to_dtype(sr * full, img.dtype)


def _upscale_luminance(img, scale, info, options, bp_iterations):
    full = INT_FULL_SCALE.get(img.dtype, 1.0)
    x = img.astype(np.float64) / full

    def super_resolve_y(lr_y):
        y = info.function(lr_y, scale, **options)
        return y if bp_iterations is None else backproject(y, lr_y, scale, bp_iterations)

    if x.ndim == 2 or x.shape[2] == 1:
        y = super_resolve_y(x.reshape(x.shape[:2]))
        out = y if img.ndim == 2 else y[:, :, None]
        return to_dtype(out * full, img.dtype)
    ycc = rgb2ycbcr(x[:, :, :3])
    y = super_resolve_y(ycc[:, :, 0])
    # Cb, Cr (and alpha) by bicubic; channel 0 of the stack is a placeholder
    # so that it is a 3-channel image.
    rest = ycc if img.shape[2] == 3 else np.dstack([x[:, :, 3], ycc[:, :, 1:]])
    rest = imresize(rest, output_shape=y.shape, method="bicubic")
    rgb = ycbcr2rgb(np.dstack([y, rest[:, :, 1:]]))
    if img.shape[2] == 4:
        rgb = np.dstack([rgb, rest[:, :, 0]])
    return to_dtype(rgb * full, img.dtype)
