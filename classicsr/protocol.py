"""The evaluation protocol of the SR papers (A+, ANR, Zeyde, SRCNN tables).

1. Take the Y channel of the HR image: MATLAB ``rgb2ycbcr`` on the integer
   image, so Y is rounded; a greyscale image is used as it is.
2. ``modcrop`` to a multiple of the scale, and make the LR image with
   MATLAB-style bicubic ``imresize(Y, 1/s)`` in floating point (not rounded).
3. Super-resolve the float LR image (optionally followed by iterative
   back-projection of the float output onto the float LR image).
4. Round the output to the integer dtype, and compute PSNR and SSIM against
   Y with ``s`` pixels shaved from every border.

Each of these details moves the published means by about 0.01 dB.
"""

import time

import numpy as np

from ._validation import INT_FULL_SCALE, check_image, check_integer_scale
from .backprojection import backproject
from .color import rgb2ycbcr, to_dtype
from .degrade import modcrop
from .metrics import psnr, ssim
from .registry import get_method
from .resize import imresize
from .upscale import check_backprojection, check_method_scale


def hr_luminance(hr):
    """Y channel of an integer HR image (rounded, MATLAB ``rgb2ycbcr``), or the grey image."""
    hr = check_image(hr, "hr")
    if hr.dtype not in INT_FULL_SCALE:
        raise TypeError(f"hr must be a uint8 or uint16 image, got {hr.dtype}")
    if hr.ndim == 3 and hr.shape[2] in (3, 4):
        return rgb2ycbcr(hr[:, :, :3])[:, :, 0]
    return hr.reshape(hr.shape[:2])


def super_resolve_luminance(lr, scale, method, full=255.0, backprojection=False,
                            backprojection_iterations=20, **options):
    """Run ``method`` on a float LR luminance image on the [0, full] scale.

    Learning-based methods see the image divided by ``full`` (in [0, 1]),
    interpolation methods the float image itself.

    Parameters
    ----------
    lr : ndarray, shape (h, w), float64
        The LR luminance image on the [0, full] scale.
    scale : int
        Upscaling factor.
    method : str
        A registered method.
    full : float
        The value of white (255 for 8-bit images).
    backprojection : bool
        Back-project the float output onto ``lr``
        (:func:`classicsr.backprojection.backproject`, Gaussian filter).
    backprojection_iterations : int
        Back-projection steps (default 20).
    **options
        Passed to the method.

    Returns
    -------
    ndarray, float64
        The super-resolved luminance on the [0, full] scale, not rounded.
    """
    info = get_method(method)
    backprojection, iterations = check_backprojection(backprojection,
                                                      backprojection_iterations)
    if info.channels == "all":
        sr = info.function(lr, scale, **options)
    else:
        sr = info.function(lr / full, scale, **options) * full
    return backproject(sr, lr, scale, iterations) if backprojection else sr


def evaluate_image(hr, scale, method, backprojection=False, backprojection_iterations=20,
                   **options):
    """Score ``method`` on one HR image under the paper protocol.

    Parameters
    ----------
    hr : ndarray
        uint8 or uint16 HR image (RGB, RGBA or greyscale).
    scale : int
        Integer scale factor supported by ``method``.
    method : str
        A registered method.
    backprojection : bool
        Back-project the float SR output onto the float LR image before the
        protocol's rounding (see :func:`super_resolve_luminance`).
    backprojection_iterations : int
        Back-projection steps (default 20).
    **options
        Passed to the method.

    Returns
    -------
    dict
        ``psnr`` and ``ssim`` (Y channel, ``scale`` pixels shaved) and
        ``seconds`` (the super-resolution call alone, back-projection
        included).
    """
    scale = check_integer_scale(scale)
    check_method_scale(get_method(method), scale)
    y = modcrop(hr_luminance(hr), scale)
    full = INT_FULL_SCALE[y.dtype]
    lr = imresize(y.astype(np.float64), 1.0 / scale, method="bicubic")
    start = time.perf_counter()
    sr = super_resolve_luminance(lr, scale, method, full=full, backprojection=backprojection,
                                 backprojection_iterations=backprojection_iterations,
                                 **options)
    seconds = time.perf_counter() - start
    sr = to_dtype(sr, y.dtype)
    return {
        "psnr": psnr(y, sr, crop_border=scale),
        "ssim": ssim(y, sr, crop_border=scale),
        "seconds": seconds,
    }
