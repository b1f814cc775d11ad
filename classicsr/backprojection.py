"""Iterative back-projection: make a super-resolved image consistent with its input.

A super-resolved estimate ``x`` of a low-resolution image ``lr`` should
reproduce ``lr`` when it is degraded again. Irani and Peleg's iterative
back-projection enforces this by repeating

1. ``lr_sim = imresize(x, output_shape=lr.shape)`` -- the degradation of the
   SR papers: MATLAB bicubic with antialiasing;
2. ``diff = lr - lr_sim`` -- the error in the low-resolution domain;
3. ``x += p * imresize(diff, output_shape=x.shape)`` -- the error upscaled
   with bicubic interpolation and spread by the back-projection filter ``p``.

Yang et al. apply it after sparse-coding super-resolution (ScSR), with the
MATLAB code ``backprojection.m`` that ``kernel='gaussian'`` reproduces.
"""

import math

import numpy as np

from ._validation import (check_bool, check_callable, check_choice, check_int, check_real,
                          check_scale)
from .resize._imresize import resize_trusted

__all__ = ["BACKPROJECTION_KERNELS", "backproject", "backproject_trusted",
           "check_backprojection_options", "gaussian_taps"]

#: Back-projection filters accepted by :func:`backproject`.
BACKPROJECTION_KERNELS = ("gaussian", "bicubic")


def gaussian_taps():
    """The 1-D factor ``q`` of the ScSR back-projection filter ``p = q q^T``.

    ``p = fspecial('gaussian', 5, 1); p = p.^2; p = p / sum(p(:))`` in MATLAB.
    ``fspecial`` keeps every tap of a 5x5, sigma = 1 Gaussian (none is below
    ``eps`` times the peak) and the Gaussian is separable, so ``p`` is the
    outer product of ``q = g.^2 / sum(g.^2)`` with ``g = exp(-x.^2 / 2)``,
    ``x = -2..2``.
    """
    g2 = np.exp(-np.arange(-2.0, 3.0) ** 2)  # (exp(-x^2 / 2))^2
    return g2 / g2.sum()


def _check_float_image(img, name):
    if not isinstance(img, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(img).__name__}")
    if img.dtype not in (np.float32, np.float64):
        raise TypeError(
            f"{name} must be a float32 or float64 array, got dtype {img.dtype}; convert "
            "it with .astype(np.float64), keeping sr and lr on the same value scale"
        )
    if img.ndim not in (2, 3):
        raise ValueError(f"{name} must have shape (H, W) or (H, W, C), got shape {img.shape}")
    if img.size == 0:
        raise ValueError(f"{name} is empty (shape {img.shape})")
    if not np.isfinite(img).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return img


def _check_arguments(sr, lr, scale, iterations, kernel, tol, callback):
    sr = _check_float_image(sr, "sr")
    lr = _check_float_image(lr, "lr")
    scale = check_scale(scale)
    if sr.ndim != lr.ndim or sr.shape[2:] != lr.shape[2:]:
        raise ValueError(
            f"sr and lr must have the same number of channels, got shapes {sr.shape} "
            f"and {lr.shape}"
        )
    expected = tuple(math.ceil(scale * n) for n in lr.shape[:2])
    if sr.shape[:2] != expected:
        raise ValueError(
            f"sr must be lr upscaled by scale={scale:g}: expected {expected[0]}x{expected[1]} "
            f"pixels for lr of {lr.shape[0]}x{lr.shape[1]}, got {sr.shape[0]}x{sr.shape[1]}"
        )
    iterations = check_int(iterations, "iterations", minimum=0)
    check_choice(kernel, "kernel", BACKPROJECTION_KERNELS)
    check_real(tol, "tol", minimum=0, allow_none=True)
    check_callable(callback, "callback")
    return sr, lr, iterations


def backproject(sr, lr, scale, iterations=20, kernel="gaussian", *, tol=None, callback=None):
    """Iterative back-projection of a super-resolved image onto its LR input.

    Parameters
    ----------
    sr : ndarray, shape (H, W) or (H, W, C), float32 or float64
        The super-resolved estimate, ``(H, W) = ceil(scale * lr.shape[:2])``.
    lr : ndarray, shape (h, w) or (h, w, C), float32 or float64
        The low-resolution input, on the same value scale as ``sr`` (e.g.
        both in [0, 1] or both in [0, 255]).
    scale : float
        The upscaling factor that relates ``sr`` to ``lr``.
    iterations : int
        Number of back-projection steps (20 in Yang et al.'s code); 0
        returns ``sr`` unchanged (as float64).
    kernel : {'gaussian', 'bicubic'}
        The back-projection filter applied to the bicubic-upscaled LR error.
        ``'gaussian'`` is ScSR's ``backprojection.m``: the 5x5, sigma = 1
        Gaussian squared and renormalised (``fspecial('gaussian', 5, 1).^2``,
        i.e. a Gaussian of sigma 1/sqrt(2)), applied as MATLAB's
        ``conv2(up, p, 'same')`` with zero padding. ``'bicubic'`` adds the
        bicubic-upscaled error unfiltered.
    tol : float, optional
        Stop early once an iteration lowers the RMS of the LR residual
        ``lr - imresize(x, output_shape=lr.shape[:2])`` by ``tol`` or less.
        That iteration is kept if the residual did not grow and undone if it
        grew, so with ``tol`` the residual never increases. ``None`` (the
        default) runs all ``iterations``, as the MATLAB code does.
    callback : callable, optional
        ``callback(iteration, residual_rms)``, called with iteration 0 and the
        residual of ``sr``, then after every iteration with the residual of
        the updated estimate (for an iteration undone by ``tol``, the
        residual it would have had).

    Returns
    -------
    ndarray, float64
        The back-projected estimate, shape of ``sr``. Not clipped.

    Raises
    ------
    TypeError
        If ``sr`` or ``lr`` is not a float array, ``iterations`` is not an
        integer, ``tol`` not a number, or ``callback`` not callable.
    ValueError
        If the shapes do not match ``scale``, an image holds NaN or infinite
        values, ``iterations < 0``, ``tol < 0`` or ``kernel`` is unknown.

    Notes
    -----
    Each iteration computes ``lr_sim = imresize(x, output_shape=lr.shape[:2])``
    (MATLAB bicubic, antialiased: the degradation of the SR papers), ``diff =
    lr - lr_sim``, ``up = imresize(diff, output_shape=x.shape[:2])`` (bicubic)
    and ``x += p * up``. The filter ``p`` is separable and applied as two 1-D
    passes (the sums of ``scipy.ndimage.correlate1d`` with zero padding, to
    the bit, in a parallel Numba kernel). Colour images
    are processed channel by channel (the operators do not mix channels);
    the residual RMS for ``tol`` and ``callback`` is taken over all channels.

    References
    ----------
    .. [1] M. Irani and S. Peleg, "Improving resolution by image registration",
       CVGIP: Graphical Models and Image Processing 53(3), 1991.
    .. [2] J. Yang, J. Wright, T. S. Huang and Y. Ma, "Image super-resolution
       via sparse representation", IEEE Trans. Image Processing 19(11), 2010
       (code: ``ScSR/backprojection.m``).

    Examples
    --------
    >>> import numpy as np
    >>> from classicsr import imresize
    >>> from classicsr.backprojection import backproject
    >>> lr = np.random.default_rng(0).random((16, 16))
    >>> sr = imresize(lr, 2)
    >>> out = backproject(sr, lr, 2, iterations=10)
    >>> def residual(x):
    ...     return np.sqrt(np.mean((imresize(x, 0.5) - lr) ** 2))
    >>> bool(residual(out) < residual(sr))
    True
    """
    sr, lr, iterations = _check_arguments(sr, lr, scale, iterations, kernel, tol, callback)
    return backproject_trusted(sr, lr, iterations, kernel, tol=tol, callback=callback)


def check_backprojection_options(backprojection, iterations):
    """Validate ``upscale``'s back-projection options; the iterations to run or None."""
    backprojection = check_bool(backprojection, "backprojection")
    iterations = check_int(iterations, "backprojection_iterations", minimum=0)
    return iterations if backprojection else None


def backproject_trusted(sr, lr, iterations, kernel="gaussian", *, tol=None, callback=None,
                        padding="zero", clip=None, upsample=None):
    """:func:`backproject` without the argument checks, for internal callers.

    ``padding='replicate'`` filters with replicated borders (MATLAB's
    ``imfilter(., 'replicate')``) instead of zeros, and ``clip=(lo, hi)``
    clamps the estimate after every step: SelfExSR's ``sr_backprojection``.
    ``upsample(x, diff)``, given the estimate and its LR residual ``lr -
    imresize(x)``, returns the step before the back-projection filter
    instead of ``imresize(diff)`` (Glasner's classical constraints add the
    residuals of virtual LR samples to it).
    """
    x = sr.astype(np.float64)  # a copy, also when sr is float64
    lr = lr.astype(np.float64, copy=False)
    if iterations == 0 and callback is None:
        return x
    taps = gaussian_taps() if kernel == "gaussian" else None
    track = tol is not None or callback is not None
    if upsample is None:
        def upsample(x, diff):
            return resize_trusted(diff, output_shape=x.shape[:2])
    diff = lr - resize_trusted(x, output_shape=lr.shape[:2])
    rms = _rms(diff)
    if callback is not None:
        callback(0, rms)
    for iteration in range(1, iterations + 1):
        step = upsample(x, diff)
        if taps is not None:
            # conv2(up, p, 'same') with zero padding; p = q q^T is symmetric
            # and odd-sized, so correlation is convolution, aligned as MATLAB.
            step = _separable_blur(step, taps, padding == "replicate")
        x += step
        if clip is not None:
            np.clip(x, clip[0], clip[1], out=x)
        if iteration == iterations and not track:
            break  # the residual of the result is not needed
        diff = lr - resize_trusted(x, output_shape=lr.shape[:2])
        previous, rms = rms, _rms(diff)
        if callback is not None:
            callback(iteration, rms)
        if tol is not None and previous - rms <= tol:
            if rms > previous:
                x -= step
            break
    return x


def _separable_blur(img, taps, replicate):
    """``img`` (H, W) or (H, W, C) correlated with ``taps`` along both axes, with
    zero (or ``replicate``d) borders: ``scipy.ndimage.correlate1d`` twice, to
    the bit, in parallel (:mod:`classicsr._separable`)."""
    from ._separable import symmetric_separable_correlate

    img = np.ascontiguousarray(img, dtype=np.float64)
    tmp = np.empty(img.shape[:2])
    if img.ndim == 2:
        out = np.empty_like(img)
        symmetric_separable_correlate(img, taps, replicate, tmp, out)
        return out
    out = np.empty(img.shape)
    plane = np.empty(img.shape[:2])
    for c in range(img.shape[2]):
        symmetric_separable_correlate(np.ascontiguousarray(img[..., c]), taps, replicate, tmp,
                                      plane)
        out[..., c] = plane
    return out


def _rms(values):
    return float(np.sqrt(np.mean(np.square(values))))
