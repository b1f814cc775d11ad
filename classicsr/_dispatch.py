"""The one dispatcher: how every caller runs a registered method.

:func:`classicsr.upscale`, the evaluation protocol, ``compare``, ``demo``,
``batch``, :mod:`classicsr.dask` and multi-frame reconstruction all come
through here, so a method is checked and run the same way whoever calls it:

1. :func:`resolve` -- the registry entry, the scale checked against the
   scales it supports, the options checked against the options it declares
   (an unknown or misspelt option is a ``TypeError`` listing the accepted
   ones with their defaults);
2. :func:`run_unit` -- run it on a float image in [0, 1]: an all-channel
   method on every channel, a luminance method on the Y of MATLAB's
   ``rgb2ycbcr`` with Cb, Cr and alpha upscaled by bicubic interpolation
   (:mod:`classicsr._image`), optionally followed by back-projection;
3. :func:`upscale` -- the public entry: validation, the memory bound and
   automatic tiling of large images (:mod:`classicsr._tiling`), conversion
   to and from the input dtype.
"""

from __future__ import annotations

import threading
from contextlib import nullcontext
from typing import Any

import numpy as np
import numpy.typing as npt

from ._image import (
    enhanced_prediction,
    from_unit,
    merge_luminance,
    split_luminance,
    to_unit,
)
from ._tiling import check_tile, default_max_memory, parse_memory, plan, run_tiled
from ._validation import check_bool, check_image, check_integer_scale, check_scale
from .backprojection import backproject_trusted, check_backprojection_options
from .registry import get_method

__all__ = ["check_method_scale", "check_options", "check_upscale_call", "resolve", "run_unit",
           "upscale", "usable_methods"]


def check_method_scale(info, scale):
    """``scale`` checked against what method ``info`` supports (int for learnt methods)."""
    if info.scales is None:
        return check_scale(scale)
    return check_integer_scale(scale, allowed=info.scales)


def check_options(info, options):
    """Refuse options ``info`` does not declare; return them as a dict."""
    unknown = sorted(set(options) - set(info.option_names))
    if unknown:
        accepted = ", ".join(f"{o.name}={o.default!r}" for o in info.options) or "none"
        raise TypeError(f"method {info.name!r} got unknown option(s) {', '.join(unknown)}; "
                        f"accepted: {accepted}")
    return dict(options)


def resolve(method, scale, options, kind="single"):
    """The registry entry of ``method``, the checked scale and the checked options."""
    info = get_method(method, kind=kind)
    return info, check_method_scale(info, scale), check_options(info, options)


def check_upscale_call(method, scale, options):
    """Check everything :func:`upscale` would check of ``method``, ``scale`` and
    ``options`` (back-projection, ``max_memory`` and ``tile`` included) before
    any image is read; returns the registry entry and the checked scale. For
    ``batch``, Dask and the report."""
    options = dict(options)
    check_backprojection_options(options.pop("backprojection", False),
                                 options.pop("backprojection_iterations", 20))
    if options.get("max_memory") is not None:
        parse_memory(options["max_memory"])
    options.pop("max_memory", None)
    check_tile(options.pop("tile", None))
    check_bool(options.pop("ensemble", False), "ensemble")
    info, scale, _ = resolve(method, scale, options)
    return info, scale


def usable_methods(scale, kind="single", *, fast=False):
    """Names of the methods of ``kind`` that run at ``scale`` here and now: the
    scale supported, a shipped model where one is needed, optional runtimes
    (e.g. onnxruntime) installed; with ``fast``, not the ``slow`` ones (see
    :class:`~classicsr.registry.MethodInfo`). What ``demo`` and ``compare``
    run by default."""
    from .modelstore import has_default_model
    from .registry import available_methods, missing_requirements

    return [name for name, info in available_methods(kind).items()
            if (info.scales is None or scale in info.scales)
            and (info.model is None or has_default_model(info.model, scale))
            and not missing_requirements(info) and not (fast and info.slow)]


#: Serialises the methods' Numba kernels while Numba's threading layer is (or may
#: become) its ``workqueue``, which aborts the process when two threads launch
#: parallel kernels at once; the ``omp`` and ``tbb`` layers are thread-safe.
_WORKQUEUE_LOCK = threading.RLock()


def _kernel_guard():
    """The lock above while it is needed, else a no-op context."""
    try:
        from numba import threading_layer

        layer = threading_layer()
    except (ImportError, ValueError):  # ValueError: no parallel kernel has run yet
        layer = None
    return _WORKQUEUE_LOCK if layer in (None, "workqueue") else nullcontext()


def run_unit(info, x, scale, options, bp_iterations=None):
    """Run a resolved single-image method on a float image in [0, 1] (trusted input).

    Parameters
    ----------
    info : MethodInfo
    x : ndarray, float, shape (h, w) or (h, w, C)
        The image on the unit scale.
    scale : int or float
        Checked scale.
    options : dict
        Checked options.
    bp_iterations : int or None
        Back-project the method's output (the luminance for luminance
        methods, every channel otherwise) onto ``x`` with ScSR's Gaussian
        filter, this many iterations.

    Returns
    -------
    ndarray, float64
        The upscaled image on the unit scale, same layout as ``x``, not
        clipped.
    """
    def refine(sr, lr):
        return sr if bp_iterations is None else backproject_trusted(sr, lr, bp_iterations)

    with _kernel_guard():
        if info.channels == "all":
            x = np.asarray(x, dtype=np.float64)
            return refine(np.asarray(info.function(x, scale, **options), dtype=np.float64), x)
        y, rest = split_luminance(x)
        y_sr = refine(info.function(y, scale, **options), y)
        return merge_luminance(y_sr, rest.resized(y_sr.shape))


def _upscale_piece(img, info, scale, options, bp_iterations):
    """Upscale a whole validated image (or one tile of it) in its dtype."""
    if info.channels == "all" and bp_iterations is None:
        with _kernel_guard():
            return info.function(img, scale, **options)
    return from_unit(run_unit(info, to_unit(img), scale, options, bp_iterations), img.dtype)


def upscale(img: npt.ArrayLike, scale: float, method: str = "bicubic",
            backprojection: bool = False, backprojection_iterations: int = 20,
            max_memory: int | str | None = None, tile: bool | None = None,
            ensemble: bool = False, **options: Any) -> np.ndarray:
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
    max_memory : int, str or None
        Memory bound of the call, in bytes or as a string such as ``"4GB"``
        (powers of 1024). Default: ``$CLASSICSR_MAX_MEMORY`` if set, else the
        smaller of 8 GiB and 60 % of the memory available now. A call whose
        output and working memory (estimated before anything large is
        allocated) exceed it is refused with a ``ValueError``.
    ensemble : bool
        Enhanced prediction (Timofte et al. CVPR 2016, way 6): super-resolve
        the 8 rotations and flips of ``img`` and average the results
        transformed back, in floating point (8 times the work; for any
        method, CNNs included).
    tile : None, False or int
        ``None`` (default): images whose working memory would exceed
        512 MiB beyond the output are processed in tiles that fit, each with
        the method's ``halo`` of context; ``False``: always in one piece; an
        int: tiles of that LR side (without halo). The result does not
        depend on it (see Notes).
    **options
        The method's options (``classicsr methods NAME`` lists them, as does
        ``available_methods()[NAME].options``), e.g. ``model=`` for a
        learning-based method: a model file or a fitted model.

    Returns
    -------
    ndarray
        The upscaled image, same dtype and number of channels as ``img``.

    Notes
    -----
    Interpolation methods run on every channel, in the input dtype (integer
    images exactly as MATLAB's ``imresize``). Learning-based methods run on
    the Y channel of MATLAB's ``rgb2ycbcr`` (computed in floating point) and
    upscale Cb, Cr and alpha with bicubic interpolation, as the papers do;
    greyscale images stay greyscale. With ``backprojection``, a luminance
    method's Y output is back-projected onto the input's Y (in [0, 1]) and an
    all-channel method runs on the float image (in [0, 1] for integer input)
    and is back-projected channel by channel.

    Large images are tiled (:mod:`classicsr._tiling`): memory is then the
    output plus one tile's working set. Tiles are upscaled with the
    registered ``halo`` LR pixels of context (plus 32 with back-projection),
    so the result does not depend on the tiling: at integer scales the
    resize weights repeat per phase, so tiles compute exactly what the whole
    image does (float images agree to about 1e-14 where BLAS blocking
    differs).

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
    info, scale, options = resolve(method, scale, options)
    bp_iterations = check_backprojection_options(backprojection, backprojection_iterations)
    ensemble = check_bool(ensemble, "ensemble")
    max_memory = default_max_memory() if max_memory is None else parse_memory(max_memory)
    tile = check_tile(tile)

    def run(image):  # planned (and refused if too big) before any work
        how = plan(info, image.shape, image.dtype, scale, bp_iterations, max_memory, tile)
        if not how.tiled:
            return _upscale_piece(image, info, scale, options, bp_iterations)
        return run_tiled(image, scale, how,
                         lambda piece: _upscale_piece(piece, info, scale, options,
                                                      bp_iterations))

    if not ensemble:
        return run(img)
    # in floating point: the mean of the 8 results is rounded once
    return from_unit(enhanced_prediction(to_unit(img), run), img.dtype)
