"""The degradation of the face-hallucination papers and their bicubic baseline.

Jiang et al. (LcR, LINE, TLcR-RL) and Ma et al. make the low-resolution
face from an aligned high-resolution one with MATLAB::

    im_s = imfilter(im_h, fspecial('average', s))   % s x s box, zero padding
    im_l = imresize(im_s, 1 / s, 'bicubic')

on uint8 images (so both steps round to grey levels), and compare against
``imresize(im_l, s, 'bicubic')`` computed in double precision. The training
pairs are made by the same degradation. :func:`degrade_face` reproduces it
exactly (MATLAB's correlation origin for an even box, zero padding, rounding
half away from zero, and :func:`classicsr.imresize`).
"""

import numpy as np
from scipy import ndimage

from .._validation import check_bool, check_image, check_integer_scale
from ..resize import imresize

__all__ = ["bicubic_face", "degrade_face", "evaluate_faces"]


def box_blur(x, size):
    """MATLAB ``imfilter(x, fspecial('average', size))`` in double precision.

    Correlation with a ``size x size`` box, zero padding, output of the
    input's size; MATLAB's kernel centre is element ``floor((size + 1) / 2)``
    (1-based), so an even box reaches one pixel further down and right.
    """
    kernel = np.full((size, size), 1.0 / (size * size))
    origin = (size - 1) // 2 - size // 2
    return ndimage.correlate(x, kernel, mode="constant", cval=0.0, origin=origin)


def degrade_trusted(hr, scale, quantize=True):
    """Degrade a float face on the 0-255 scale (trusted input); float LR result.

    With ``quantize`` the blurred face and the LR face are rounded to grey
    levels as MATLAB does on uint8 images; without, the whole chain is in
    double precision (the authors' TLcR-RL demo).
    """
    blurred = box_blur(hr, scale)
    if not quantize:
        return imresize(blurred, 1.0 / scale)
    blurred = np.clip(np.floor(blurred + 0.5), 0, 255).astype(np.uint8)
    return imresize(blurred, 1.0 / scale).astype(np.float64)


def degrade_face(hr, scale=4, *, quantize=None):
    """The papers' low-resolution face: ``scale x scale`` box blur, then bicubic 1/scale.

    Parameters
    ----------
    hr : ndarray, shape (H, W)
        Greyscale face, uint8 (0-255) or float (on the 0-1 scale of the
        package); ``H`` and ``W`` multiples of ``scale``.
    scale : int
        The papers use 4 (120 x 100 faces to 30 x 25).
    quantize : bool, optional
        Round the blurred and the LR face to 8-bit grey levels, as MATLAB
        does on uint8 images. Default: for uint8 input.

    Returns
    -------
    ndarray, shape (H / scale, W / scale)
        uint8 for uint8 input, float64 otherwise (on the 0-1 scale).

    References
    ----------
    .. [1] J. Jiang, Y. Yu, S. Tang, J. Ma, A. Aizawa, K. Aizawa,
       "Context-patch face hallucination based on thresholding
       locality-constrained representation and reproducing learning",
       IEEE Trans. Cybernetics 50(1), 2018 (the protocol, section V-A).

    Examples
    --------
    >>> import numpy as np
    >>> from classicsr.face import degrade_face
    >>> degrade_face(np.full((120, 100), 128, np.uint8))[10:12, 10:12]
    array([[128, 128],
           [128, 128]], dtype=uint8)
    """
    hr = check_image(hr, "hr", allow_alpha=False)
    if hr.ndim != 2:
        raise ValueError(f"hr must be a greyscale face of shape (H, W), got shape {hr.shape}")
    scale = check_integer_scale(scale)
    if hr.shape[0] % scale or hr.shape[1] % scale:
        raise ValueError(f"the face's size {hr.shape[0]}x{hr.shape[1]} is not a multiple of "
                         f"scale {scale}")
    quantize = hr.dtype == np.uint8 if quantize is None else check_bool(quantize, "quantize")
    unit = 1.0 if hr.dtype == np.uint8 else 255.0
    if hr.dtype == np.uint16:
        unit = 255.0 / 65535.0
    lr = degrade_trusted(hr.astype(np.float64) * unit, scale, quantize)
    if hr.dtype == np.uint8:
        return np.clip(np.round(lr), 0, 255).astype(np.uint8)
    return lr / 255.0


def bicubic_face(lr, scale):
    """MATLAB ``imresize(double(lr), scale, 'bicubic')`` on the 0-255 scale (trusted input)."""
    return imresize(np.asarray(lr, dtype=np.float64), float(scale))


def evaluate_faces(hr_faces, method, scale=4, **options):
    """PSNR and SSIM of ``method`` on HR test faces under the papers' protocol.

    Each uint8 face is degraded by :func:`degrade_face`; the method
    (``'bicubic'``: MATLAB's bicubic ``imresize`` in double precision, as the
    papers' baseline; otherwise a registered method run through
    :func:`classicsr.upscale` with ``options``, e.g. ``model=``) returns the
    HR face in double precision, compared unrounded with the face on the
    0-255 scale over the whole image (no shave), as the authors' ``psnr.m``
    and Wang's ``ssim_index``.

    Returns
    -------
    psnr, ssim : ndarray, one value per face
    seconds : ndarray, time of the method per face
    """
    import time

    from .._dispatch import upscale
    from ..metrics import psnr as _psnr
    from ..metrics import ssim as _ssim

    psnrs, ssims, seconds = [], [], []
    for k, hr in enumerate(hr_faces):
        hr = check_image(hr, f"hr_faces[{k}]", allow_alpha=False)
        lr = degrade_face(hr, scale)
        start = time.perf_counter()
        if method == "bicubic":
            sr = bicubic_face(lr, scale)
        else:
            sr = upscale(lr.astype(np.float64) / 255.0, scale, method=method, **options) * 255.0
        seconds.append(time.perf_counter() - start)
        ref = hr.astype(np.float64)
        psnrs.append(_psnr(ref, sr, data_range=255.0))
        ssims.append(_ssim(ref, sr, data_range=255.0))
    return np.array(psnrs), np.array(ssims), np.array(seconds)
