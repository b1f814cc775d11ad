"""Motion between frames: 3x3 matrices, their checks, conversions and errors.

Convention (used by :func:`~classicsr.multiframe.simulation`,
:func:`~classicsr.multiframe.register` and
:func:`~classicsr.multiframe.reconstruction`): ``motion[k]`` is a 3x3 matrix
``P_k`` in low-resolution (LR) pixel coordinates, ``x`` = column and ``y`` =
row, pixel centres at integers, such that frame ``k`` at point ``p`` shows
what the reference frame shows at ``P_k p`` (homogeneous coordinates)::

    frame_k(p) = reference(P_k p)

The reference frame's own matrix is the identity. A translation is
``[[1, 0, dx], [0, 1, dy], [0, 0, 1]]``; translations may also be given as an
``(N, 2)`` array of ``(dx, dy)``.

Dense motion (``motion='flow'``, :mod:`classicsr.multiframe.flow`) gives
every LR pixel its own displacement instead: an ``(N, h, w, 2)`` array
``flow`` of ``(dx, dy)`` with ::

    frame_k(p) = reference(p + flow[k, p])

(a translation is the flow ``P_k p - p``, the same at every pixel).
"""

import numbers

import numpy as np

from .._validation import check_choice

__all__ = ["FLOW", "MOTION_CHOICES", "MOTION_MODELS", "apply", "check_flow", "check_model",
           "check_motion", "check_weights", "grid_matrix", "is_flow", "lr_to_hr", "matrix_flow",
           "motion_error",
           "translations"]

#: Motion models of :func:`~classicsr.multiframe.register` and
#: :func:`~classicsr.multiframe.simulation`.
MOTION_MODELS = ("translation", "affine", "homography")
#: The dense motion model (optical flow, :mod:`classicsr.multiframe.flow`).
FLOW = "flow"
#: Motion models of :func:`~classicsr.multiframe.reconstruct` and the CLI.
MOTION_CHOICES = MOTION_MODELS + (FLOW,)


def grid_matrix(scale):
    """``C`` with ``C (l, 1) = (l + 0.5) scale - 0.5``: LR to HR coordinates
    on MATLAB's ``imresize`` grid."""
    offset = (scale - 1.0) / 2.0
    return np.array([[scale, 0.0, offset], [0.0, scale, offset], [0.0, 0.0, 1.0]])


def lr_to_hr(motion, scale):
    """The matrices of ``motion`` (LR coordinates) in HR pixel coordinates:
    ``C P_k C^-1``."""
    c = grid_matrix(scale)
    return np.einsum("ij,njk,kl->nil", c, motion, np.linalg.inv(c))


def translations(shifts):
    """``(N, 3, 3)`` translation matrices from an ``(N, 2)`` array of ``(dx, dy)``."""
    shifts = np.asarray(shifts, dtype=np.float64)
    out = np.tile(np.eye(3), (shifts.shape[0], 1, 1))
    out[:, 0, 2] = shifts[:, 0]
    out[:, 1, 2] = shifts[:, 1]
    return out


def check_motion(motion, n_frames, name="motion"):
    """Return ``motion`` as a float64 ``(n_frames, 3, 3)`` array of matrices.

    Accepts ``(n_frames, 3, 3)`` matrices or ``(n_frames, 2)`` translations
    ``(dx, dy)``, finite, with a non-zero bottom-right entry.
    """
    if isinstance(motion, (str, bytes)) or not isinstance(motion, (np.ndarray, list, tuple)):
        raise TypeError(
            f"{name} must be None, a motion model ({', '.join(MOTION_CHOICES)}) or an "
            f"array of shape (N, 3, 3), (N, 2) or (N, h, w, 2), got {type(motion).__name__}"
        )
    try:
        array = np.asarray(motion, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a numeric array of shape (N, 3, 3) or (N, 2)") from None
    if array.ndim == 2 and array.shape == (n_frames, 2):
        array = translations(array)
    if array.shape != (n_frames, 3, 3):
        raise ValueError(
            f"{name} must have shape ({n_frames}, 3, 3) or ({n_frames}, 2) for "
            f"{n_frames} frames, got shape {array.shape}"
        )
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    if (np.abs(array[:, 2, 2]) < 1e-12).any():
        raise ValueError(f"{name} has a matrix with a zero bottom-right entry")
    return array / array[:, 2, 2][:, None, None]


def is_flow(motion):
    """Whether ``motion`` (already known not to be None or a name) is a dense
    ``(N, h, w, 2)`` flow rather than matrices or shifts."""
    return np.ndim(motion) == 4


def check_flow(flow, frames_shape, name="motion"):
    """Return ``flow`` as a float64 ``(N, h, w, 2)`` array after checking it.

    ``frames_shape`` is the ``(N, h, w)`` of the luminance stack it moves.
    """
    try:
        array = np.asarray(flow, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a numeric array of shape (N, h, w, 2)") from None
    expected = tuple(frames_shape[:3]) + (2,)
    if array.shape != expected:
        raise ValueError(f"{name} as a dense flow must have shape {expected} (frames, rows, "
                         f"columns, (dx, dy)), got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return np.ascontiguousarray(array)


def check_weights(weights, frames_shape, name="weights"):
    """Return observation weights as a float64 ``(N, h, w)`` array in [0, 1] (or None)."""
    if weights is None:
        return None
    if isinstance(weights, (str, bytes)) or not isinstance(weights, (np.ndarray, list, tuple)):
        raise TypeError(f"{name} must be None or an array of shape {tuple(frames_shape[:3])} "
                        f"in [0, 1], got {type(weights).__name__}")
    try:
        array = np.asarray(weights, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a numeric array of shape "
                        f"{tuple(frames_shape[:3])}") from None
    if array.shape != tuple(frames_shape[:3]):
        raise ValueError(f"{name} must have shape {tuple(frames_shape[:3])} (one weight per "
                         f"pixel of every frame), got shape {array.shape}")
    if not np.isfinite(array).all() or array.min() < 0 or array.max() > 1:
        raise ValueError(f"{name} must hold finite values in [0, 1], got values from "
                         f"{np.nanmin(array):g} to {np.nanmax(array):g}")
    return np.ascontiguousarray(array)


def check_model(model, name="motion"):
    """Check a motion model name."""
    return check_choice(model, name, MOTION_MODELS)


def apply(matrix, points):
    """Map ``(M, 2)`` points ``(x, y)`` by a 3x3 matrix (with the division)."""
    ph = points @ matrix[:, :2].T + matrix[:, 2]
    return ph[:, :2] / ph[:, 2:3]


def matrix_flow(matrix, shape):
    """The dense flow ``P p - p`` of one 3x3 matrix on an ``(h, w)`` grid.

    Returns an ``(h, w, 2)`` float64 array of ``(dx, dy)``: the same motion
    in the flow convention of this module.
    """
    rows, cols = np.mgrid[0:shape[0], 0:shape[1]].astype(np.float64)
    m = np.asarray(matrix, dtype=np.float64)
    w = m[2, 0] * cols + m[2, 1] * rows + m[2, 2]
    return np.stack([(m[0, 0] * cols + m[0, 1] * rows + m[0, 2]) / w - cols,
                     (m[1, 0] * cols + m[1, 1] * rows + m[1, 2]) / w - rows], axis=-1)


def motion_error(estimated, true, shape):
    """RMS displacement error, in LR pixels, between two motions.

    Parameters
    ----------
    estimated, true : array, (N, 3, 3) or (N, 2)
        Motions in the convention of this module, for the same frames.
    shape : tuple of int
        ``(h, w)`` of the LR frames: the error is averaged over every pixel
        centre of every frame.

    Returns
    -------
    float
        ``sqrt(mean ||P_est p - P_true p||^2)`` over pixels and frames.
    """
    n = len(true)
    estimated = check_motion(estimated, n, "estimated")
    true = check_motion(true, n, "true")
    if (not isinstance(shape, (tuple, list)) or len(shape) < 2
            or not all(isinstance(s, numbers.Integral) and s > 0 for s in shape[:2])):
        raise ValueError(f"shape must be the (h, w) of the frames, got {shape!r}")
    rows, cols = np.mgrid[0:shape[0], 0:shape[1]]
    points = np.column_stack([cols.ravel(), rows.ravel()]).astype(np.float64)
    total = 0.0
    for e, t in zip(estimated, true):
        total += np.sum((apply(e, points) - apply(t, points)) ** 2)
    return float(np.sqrt(total / (n * points.shape[0])))
