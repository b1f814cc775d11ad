"""The evaluation protocol of the SR papers (A+, ANR, Zeyde, SRCNN tables).

1. Take the Y channel of the HR image: MATLAB ``rgb2ycbcr`` on the integer
   image, so Y is rounded; a greyscale image is used as it is.
2. ``modcrop`` to a multiple of the scale, and make the LR image with
   MATLAB-style bicubic ``imresize(Y, 1/s)`` in floating point (not rounded).
3. Super-resolve the float LR image, divided by white (255 for 8-bit
   images), through the same dispatcher as :func:`classicsr.upscale`
   (optionally followed by iterative back-projection of the float output
   onto the float LR image).
4. Round the output to the integer dtype, and compute PSNR and SSIM against
   Y with ``s`` pixels shaved from every border.

Each of these details moves the published means by about 0.01 dB.
"""

import time

import numpy as np

from ._dispatch import resolve, run_unit
from ._image import enhanced_prediction, from_unit, full_scale, luminance
from ._validation import INT_FULL_SCALE, check_bool, check_image, check_integer_scale
from .backprojection import check_backprojection_options
from .degradation import crop_to_multiple
from .metrics import psnr, ssim
from .resize._imresize import resize_trusted

__all__ = ["evaluate_image", "hr_luminance", "protocol_pair", "score_luminance"]


def hr_luminance(hr):
    """Y channel of an integer HR image (rounded, MATLAB ``rgb2ycbcr``), or the grey image."""
    hr = check_image(hr, "hr")
    if hr.dtype not in INT_FULL_SCALE:
        raise TypeError(f"hr must be a uint8 or uint16 image, got {hr.dtype}")
    return luminance(hr)


def evaluate_image(hr, scale, method, backprojection=False, backprojection_iterations=20,
                   ensemble=False, **options):
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
        protocol's rounding (:func:`classicsr.backprojection.backproject`).
    backprojection_iterations : int
        Back-projection steps (default 20).
    ensemble : bool
        Enhanced prediction: the mean over the 8 rotations and flips of the
        LR image (see :func:`classicsr.upscale`), before the rounding.
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
    info, _, options = resolve(method, scale, options)
    bp_iterations = check_backprojection_options(backprojection, backprojection_iterations)
    ensemble = check_bool(ensemble, "ensemble")
    y, lr = protocol_pair(hr, scale)
    start = time.perf_counter()
    if ensemble:
        sr = enhanced_prediction(lr, lambda x: run_unit(info, x, scale, options, bp_iterations))
    else:
        sr = run_unit(info, lr, scale, options, bp_iterations)
    seconds = time.perf_counter() - start
    return {**score_luminance(y, sr, scale), "seconds": seconds}


def protocol_pair(hr, scale):
    """Steps 1-2: the HR luminance (integer, cropped) and the float LR luminance in [0, 1].

    Returns
    -------
    y : ndarray, uint8 or uint16, shape (H, W)
        Y of the HR image cropped to a multiple of ``scale``.
    lr : ndarray, float64, shape (H / scale, W / scale)
        MATLAB bicubic ``imresize(Y, 1/scale)`` in floating point (not
        rounded), divided by white.
    """
    y = hr_luminance(hr)
    scale = check_integer_scale(scale)
    if y.shape[0] < scale or y.shape[1] < scale:
        raise ValueError(f"hr of shape {hr.shape[:2]} is smaller than the scale factor {scale}")
    y = crop_to_multiple(y, scale)
    lr = resize_trusted(y.astype(np.float64), 1.0 / scale, method="bicubic")
    return y, lr / full_scale(y.dtype)


def score_luminance(y, sr, scale):
    """Step 4: round the unit-scale SR luminance to ``y``'s dtype; PSNR and SSIM, border shaved."""
    sr = from_unit(sr, y.dtype)
    return {"psnr": psnr(y, sr, crop_border=scale), "ssim": ssim(y, sr, crop_border=scale)}
