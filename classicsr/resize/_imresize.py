"""MATLAB-compatible ``imresize`` (public, checked) and its trusted internal entry."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from .._validation import (INT_FULL_SCALE, check_bool, check_choice, check_image, check_int,
                           check_scale)
from .weights import KERNELS, axis_weights

__all__ = ["imresize", "RESIZE_METHODS", "resize_trusted"]

#: Interpolation kernels accepted by :func:`imresize`.
RESIZE_METHODS = tuple(KERNELS)

#: Use the polyphase kernel for the second axis when at least this fraction
#: of outputs falls into runs (integer and many rational upscaling factors);
#: otherwise the tiled kernel (downscaling, irregular factors).
_MIN_RUN_COVERAGE = 0.5


def _check_output_shape(output_shape):
    if not isinstance(output_shape, (tuple, list)) or len(output_shape) != 2:
        raise TypeError(
            "output_shape must be a (rows, cols) tuple of two positive integers, "
            f"got {output_shape!r}"
        )
    return tuple(check_int(n, "output_shape", minimum=1) for n in output_shape)


def imresize(img: npt.ArrayLike, scale: float | tuple[float, float] | None = None, *,
             output_shape: tuple[int, int] | None = None, method: str = "bicubic",
             antialias: bool | None = None) -> np.ndarray:
    """Resize an image exactly as MATLAB's ``imresize`` does.

    Parameters
    ----------
    img : ndarray, shape (H, W) or (H, W, C)
        Image of dtype uint8, uint16, float32 or float64, channels last.
    scale : float, optional
        Scale factor applied to both axes; the output shape is
        ``ceil(scale * (H, W))``. Give exactly one of ``scale`` and
        ``output_shape``.
    output_shape : tuple of int, optional
        ``(rows, cols)`` of the output; the scale of each axis is then
        ``rows / H`` and ``cols / W``.
    method : {'bicubic', 'bilinear', 'nearest', 'lanczos2', 'lanczos3'}
        Interpolation kernel (MATLAB's ``cubic`` with a = -0.5, ``triangle``,
        ``box``, ``lanczos2``, ``lanczos3``).
    antialias : bool, optional
        Stretch the kernel by ``1 / scale`` when downscaling. ``None`` (the
        default) follows MATLAB: on for every kernel except ``nearest``.

    Returns
    -------
    ndarray
        The resized image, of the input dtype. Integer images are rounded half
        away from zero and saturated after each 1-D pass, as MATLAB does;
        float images are computed in float64 and returned unclipped.

    Notes
    -----
    The axis with the smaller scale is resized first (rows first on a tie),
    out-of-image taps are mirrored symmetrically, and taps of zero weight for
    every output pixel are dropped, all as in MATLAB (see
    :mod:`classicsr.resize.weights`). The separable passes run as parallel
    Numba kernels.

    References
    ----------
    .. [1] MathWorks, ``imresize``, Image Processing Toolbox.
    .. [2] R. Keys, "Cubic convolution interpolation for digital image
       processing", IEEE Trans. ASSP 29(6), 1981.

    Examples
    --------
    >>> import numpy as np
    >>> from classicsr import imresize
    >>> img = np.arange(16, dtype=np.uint8).reshape(4, 4) * 16
    >>> imresize(img, 0.5).shape
    (2, 2)
    """
    img = check_image(img, "img")
    method = check_choice(method, "method", KERNELS)
    if (scale is None) == (output_shape is None):
        raise ValueError("give exactly one of scale and output_shape")
    in_shape = img.shape[:2]
    if scale is not None:
        scale = check_scale(scale)
        out_shape = tuple(math.ceil(scale * n) for n in in_shape)
        scales = (scale, scale)
    else:
        out_shape = _check_output_shape(output_shape)
        scales = (out_shape[0] / in_shape[0], out_shape[1] / in_shape[1])
    if antialias is None:
        antialias = method != "nearest"
    else:
        antialias = check_bool(antialias, "antialias")
    return _resize(img, out_shape, scales, method, bool(antialias))


def resize_trusted(img, scale=None, output_shape=None, method="bicubic", antialias=None):
    """:func:`imresize` without the argument checks, for internal callers.

    The library's own code resizes images it has already validated (and
    intermediate results) many times per call -- back-projection resizes
    twice per iteration -- so it skips the checks (a full ``isfinite`` scan
    among them). ``img`` must be a valid image and exactly one of ``scale``
    and ``output_shape`` given.
    """
    in_shape = img.shape[:2]
    if output_shape is None:
        out_shape = tuple(math.ceil(scale * n) for n in in_shape)
        scales = (scale, scale)
    else:
        out_shape = (int(output_shape[0]), int(output_shape[1]))
        scales = (out_shape[0] / in_shape[0], out_shape[1] / in_shape[1])
    if antialias is None:
        antialias = method != "nearest"
    return _resize(img, out_shape, scales, method, bool(antialias))


def _resize(img, out_shape, scales, method, antialias):
    """Run the two 1-D passes (kernels trust their input)."""
    from . import _kernels

    dtype = img.dtype
    maxval = INT_FULL_SCALE.get(dtype, 0.0)
    grey = img.ndim == 2
    cur = np.ascontiguousarray(img if not grey else img[:, :, None])
    rows = axis_weights(cur.shape[0], out_shape[0], scales[0], method, antialias)
    cols = axis_weights(cur.shape[1], out_shape[1], scales[1], method, antialias)
    rows_first = scales[0] <= scales[1]  # MATLAB: smaller scale first, rows on ties
    fused = rows_first and cols.runs.coverage >= _MIN_RUN_COVERAGE
    fixed = fused and maxval and rows.fixed_point_fits(maxval) and cols.fixed_point_fits(maxval)
    # Every array type a kernel sees is one more specialisation to compile (4-12 s
    # each, cold): the float kernels run on uint8 (the common image type, read as
    # is) or float64 only. uint16 and float32 images go through float64, which
    # holds them exactly and gives the same numbers (the kernels round and
    # saturate to ``maxval`` and accumulate in float64 either way); a read-only
    # array is copied rather than compiled for.
    kernel_dtype = dtype if fixed or dtype == np.uint8 else np.dtype(np.float64)
    if cur.dtype != kernel_dtype or not cur.flags.writeable:
        cur = cur.astype(kernel_dtype)
    out = np.empty(tuple(out_shape) + cur.shape[2:], dtype=kernel_dtype)
    if fixed:
        from ._fixed_kernels import resize_fused_fixed

        runs = cols.runs
        (w0, shift0), (w1, shift1) = rows.fixed_point, cols.fixed_point
        run_weights = (runs.weights * float(1 << shift1)).astype(np.int32)
        resize_fused_fixed(
            cur, w0, rows.lo, rows.hi, rows.indices, shift0,
            runs.start, runs.period, runs.base, runs.count, runs.taps, run_weights,
            runs.irregular, w1, cols.lo, cols.hi, cols.indices, shift1, int(maxval), out,
        )
    elif fused:
        runs = cols.runs
        _kernels.resize_fused(
            cur, rows.weights, rows.lo, rows.hi, rows.indices,
            runs.start, runs.period, runs.base, runs.count, runs.taps, runs.weights,
            runs.irregular, cols.weights, cols.lo, cols.hi, cols.indices, maxval, out,
        )
    else:
        mid_shape = (out_shape[0], cur.shape[1]) if rows_first else (cur.shape[0], out_shape[1])
        mid = np.empty(mid_shape + cur.shape[2:], dtype=kernel_dtype if maxval else np.float64)
        if rows_first:
            _pass_rows(cur, rows, maxval, mid)
            _pass_cols(mid, cols, maxval, out)
        else:
            _pass_cols(cur, cols, maxval, mid)
            _pass_rows(mid, rows, maxval, out)
    out = out.astype(dtype, copy=False)
    return out[:, :, 0] if grey else out


def _pass_rows(src, aw, maxval, out):
    from ._kernels import resize_axis0

    h, w, c = src.shape
    resize_axis0(src.reshape(h, w * c), aw.weights, aw.lo, aw.hi, aw.indices, maxval,
                 out.reshape(out.shape[0], w * c))


def _pass_cols(src, aw, maxval, out):
    from ._kernels import resize_axis1, resize_axis1_runs

    if aw.runs.coverage >= _MIN_RUN_COVERAGE:
        runs = aw.runs
        resize_axis1_runs(
            src, runs.start, runs.period, runs.base, runs.count, runs.taps, runs.weights,
            runs.irregular, aw.weights, aw.lo, aw.hi, aw.indices, maxval, out,
        )
    else:
        resize_axis1(src, aw.weights, aw.lo, aw.hi, aw.indices, maxval, out)
