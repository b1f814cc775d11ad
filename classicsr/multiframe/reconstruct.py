"""``reconstruct`` / ``upscale_frames``: one high-resolution image from many frames."""

import inspect
import numbers

import numpy as np

from .._validation import INT_FULL_SCALE, check_choice, check_integer_scale
from ..registry import CHANNEL_MODES, get_method, register_method
from .frames import check_frames, is_colour, to_unit_float
from .methods import MAP_PRIORS, METHODS, Problem
from .motion import MOTION_MODELS, check_motion
from .operators import OPERATORS, kernel_threads
from .registration import check_reference
from .simulate import check_sigma

#: Integer scales the multi-frame methods accept.
SCALES = tuple(range(1, 9))

_REFERENCES = {
    "shift_add": "S. Farsiu, D. Robinson, M. Elad, P. Milanfar, IEEE TIP 13(10), 2004 "
                 "(robust median shift-and-add + deblurring)",
    "ibp": "M. Irani and S. Peleg, CVGIP: Graphical Models and Image Processing 53(3), 1991",
    "pocs": "H. Stark and P. Oskoui, JOSA A 6(11), 1989; A. J. Patti, M. I. Sezan, "
            "A. M. Tekalp, IEEE TIP 6(8), 1997",
    "map": "R. R. Schultz and R. L. Stevenson, IEEE TIP 5(6), 1996 (Huber-MRF MAP); "
           "S. Farsiu et al., IEEE TIP 13(10), 2004 (bilateral TV)",
    "l1btv": "S. Farsiu, D. Robinson, M. Elad, P. Milanfar, IEEE TIP 13(10), 2004",
}
_DESCRIPTIONS = {
    "shift_add": "multi-frame: robust median shift-and-add, then L1 + bilateral-TV deblurring",
    "ibp": "multi-frame: iterative back-projection (Irani & Peleg)",
    "pocs": "multi-frame: projections onto convex sets with data-consistency bounds",
    "map": "multi-frame: MAP with a Tikhonov, Huber or bilateral-TV prior",
    "l1btv": "multi-frame: robust L1 data term + bilateral TV (Farsiu et al.)",
}

for _name, _function in METHODS.items():
    register_method(_name, description=_DESCRIPTIONS[_name], reference=_REFERENCES[_name],
                    scales=SCALES, channels="luminance", kind="multiframe")(_function)


def _check_options(name, function, options):
    params = inspect.signature(function).parameters
    accepted = [p for p in list(params)[1:] if p not in ("callback", "progress")]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise TypeError(
            f"method {name!r} got unknown option(s) {', '.join(unknown)}; "
            f"accepted: {', '.join(accepted) or 'none'}")


def _resolve_motion(motion, luminance, reference, progress):
    """Registered or given ``(N, 3, 3)`` motion."""
    from .registration import register_luminance

    if motion is None or isinstance(motion, str):
        model = "translation" if motion is None else check_choice(motion, "motion",
                                                                  MOTION_MODELS)
        return register_luminance(luminance.astype(np.float32), reference, model,
                                  progress=progress)
    return check_motion(motion, luminance.shape[0])


def reconstruct(frames, scale, method="l1btv", *, psf_sigma=1.0, motion=None, prior=None,
                reference=0, channels="luminance", model="blur-first", progress=False,
                callback=None, **options):
    """Reconstruct one high-resolution image from several low-resolution frames.

    Parameters
    ----------
    frames : sequence of ndarray, or ndarray of shape (N, h, w[, 3])
        At least two frames of one scene, same size and dtype (uint8, uint16,
        float32 or float64 in [0, 1]); grey or RGB.
    scale : int
        Integer upscaling factor (1 to 8).
    method : {'l1btv', 'map', 'ibp', 'pocs', 'shift_add'}
        See :mod:`classicsr.multiframe.methods`.
    psf_sigma : float
        Standard deviation of the Gaussian PSF in HR pixels (1.0 by default,
        as :func:`~classicsr.multiframe.simulate`).
    motion : None, str or array
        ``None`` or a model name ('translation', 'affine', 'homography'):
        register the frames with :func:`~classicsr.multiframe.register`
        (``None`` means 'translation'). Or the known motion, ``(N, 3, 3)``
        matrices or ``(N, 2)`` shifts ``(dx, dy)`` in the convention of
        :mod:`classicsr.multiframe.motion`, relative to ``reference``.
    prior : {'btv', 'huber', 'tikhonov'}, optional
        Prior of ``method='map'`` (default 'btv'); only for 'map'.
    reference : int
        Index of the frame whose viewpoint the result takes.
    channels : {'luminance', 'all'}
        'luminance' (default): reconstruct the Y channel of MATLAB's
        ``rgb2ycbcr`` and upscale the reference frame's Cb and Cr by bicubic
        interpolation; 'all': reconstruct R, G and B separately (three times
        the work). Grey frames are the same either way.
    model : {'blur-first', 'warp-first'}
        Observation operator (:data:`classicsr.multiframe.operators.OPERATORS`).
    progress : bool
        Show tqdm progress bars (registration and solver).
    callback : callable, optional
        ``callback(iteration, x)`` after every solver iteration (``x`` the
        current float estimate of the channel); return ``True`` to stop.
    **options
        Method parameters (``lam``, ``alpha``, ``radius``, ``iterations``, ...;
        see the method's docstring and
        :data:`classicsr.multiframe.methods.DEFAULTS`).

    Returns
    -------
    ndarray, shape (scale h, scale w[, 3])
        The reconstruction in the dtype of the frames; float results are
        clipped to [0, 1], integer ones rounded and saturated.

    Examples
    --------
    >>> from skimage import data
    >>> from classicsr.multiframe import reconstruct, simulate
    >>> frames, _ = simulate(data.camera()[:96, :96], 2, n_frames=6, seed=0)
    >>> reconstruct(frames, 2, method="l1btv").shape
    (96, 96)
    """
    stack = check_frames(frames)
    scale = check_integer_scale(scale, allowed=SCALES)
    method = check_choice(method, "method", METHODS)
    psf_sigma = check_sigma(psf_sigma, "psf_sigma")
    reference = check_reference(reference, stack.shape[0])
    channels = check_choice(channels, "channels", CHANNEL_MODES)
    model = check_choice(model, "model", OPERATORS)
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable, got {type(callback).__name__}")
    function = METHODS[method]
    _check_options(method, function, options)
    if prior is not None:
        if method != "map":
            raise TypeError(f"prior is only for method='map', not method={method!r}")
        options["prior"] = check_choice(prior, "prior", MAP_PRIORS)
    for key in ("iterations", "cg_iterations", "radius"):
        value = options.get(key)
        if value is not None and (isinstance(value, (bool, np.bool_))
                                  or not isinstance(value, numbers.Integral) or value < 0):
            raise ValueError(f"{key} must be an integer >= 0, got {value!r}")

    from .frames import luminance_stack

    x = to_unit_float(stack)
    luminance = luminance_stack(stack)
    motion = _resolve_motion(motion, luminance, reference, progress)

    def solve(channel_stack):
        with kernel_threads(scale * scale * channel_stack.shape[1] * channel_stack.shape[2]):
            problem = Problem(channel_stack, motion, scale, psf_sigma, reference, model)
            return function(problem, callback=callback, progress=progress, **options)

    if not is_colour(stack):
        out = np.clip(solve(luminance), 0.0, 1.0)
        if stack.ndim == 4:
            out = out[:, :, None]
    elif channels == "all":
        out = np.clip(np.dstack([solve(np.ascontiguousarray(x[..., c])) for c in range(3)]),
                      0.0, 1.0)
    else:
        from ..color import rgb2ycbcr, ycbcr2rgb
        from ..resize import imresize

        y = solve(luminance)
        chroma = imresize(rgb2ycbcr(x[reference]), output_shape=y.shape)
        out = np.clip(ycbcr2rgb(np.dstack([y, chroma[:, :, 1:]])), 0.0, 1.0)
    from ..color import to_dtype

    return to_dtype(out * INT_FULL_SCALE.get(stack.dtype, 1.0), stack.dtype)


def upscale_frames(frames, scale, method="l1btv", **options):
    """Super-resolve a burst, a video clip or a stack of frames into one image.

    The multi-frame counterpart of :func:`classicsr.upscale`: ``method`` must
    be a multi-frame method of :func:`classicsr.available_methods`
    (``kind='multiframe'``). See :func:`classicsr.multiframe.reconstruct` for
    the parameters (the frames are registered unless ``motion`` is given).

    Examples
    --------
    >>> import classicsr
    >>> from skimage import data
    >>> from classicsr.multiframe import simulate
    >>> frames, _ = simulate(data.camera()[:64, :64], 2, n_frames=4, seed=1)
    >>> classicsr.upscale_frames(frames, 2, method="shift_add").dtype
    dtype('uint8')
    """
    info = get_method(method, kind="multiframe")
    return reconstruct(frames, scale, method=info.name, **options)
