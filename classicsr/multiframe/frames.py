"""Checking a sequence of frames, and the luminance of a stack of frames.

Values and colour are converted by :mod:`classicsr._image` (``to_unit``,
``luminance``), as for single images.
"""

import numpy as np

from .._image import luminance
from .._validation import check_image

__all__ = ["MIN_FRAME_SIZE", "check_frames", "is_colour", "stack_luminance"]

#: Smallest frame side accepted (registration and the operators need context).
MIN_FRAME_SIZE = 8


def check_frames(frames, name="frames"):
    """Return ``frames`` as one ``(N, h, w[, C])`` ndarray after checking it.

    Accepted: a list / tuple of images or an ndarray whose first axis is the
    frame index; at least two frames, each a valid image (see
    :func:`classicsr._validation.check_image`, no alpha channel), all of the
    same shape and dtype.

    Raises
    ------
    TypeError
        Not a sequence of ndarrays, or an unsupported or mixed dtype.
    ValueError
        Fewer than two frames, frames of different sizes, NaN or infinite
        values, empty frames or frames smaller than ``MIN_FRAME_SIZE``.
    """
    if isinstance(frames, np.ndarray):
        if frames.ndim not in (3, 4):
            raise ValueError(
                f"{name} must be a sequence of images or an array of shape (N, h, w) or "
                f"(N, h, w, C), got an array of shape {frames.shape}")
        items = list(frames)
    elif isinstance(frames, (list, tuple)):
        items = list(frames)
    else:
        raise TypeError(
            f"{name} must be a list of images or an (N, h, w[, C]) ndarray, got "
            f"{type(frames).__name__}")
    if len(items) < 2:
        raise ValueError(
            f"{name} must hold at least 2 frames for multi-frame reconstruction, got "
            f"{len(items)}; for one image use classicsr.upscale")
    first = check_image(items[0], f"{name}[0]", allow_alpha=False)
    for k, item in enumerate(items[1:], start=1):
        item = check_image(item, f"{name}[{k}]", allow_alpha=False)
        if item.shape != first.shape:
            raise ValueError(
                f"all {name} must have the same size: {name}[0] has shape {first.shape}, "
                f"{name}[{k}] has shape {item.shape}")
        if item.dtype != first.dtype:
            raise TypeError(
                f"all {name} must have the same dtype: {name}[0] is {first.dtype}, "
                f"{name}[{k}] is {item.dtype}")
    if min(first.shape[:2]) < MIN_FRAME_SIZE:
        raise ValueError(
            f"{name} must be at least {MIN_FRAME_SIZE}x{MIN_FRAME_SIZE} pixels, got frames of "
            f"shape {first.shape}")
    if isinstance(frames, np.ndarray):
        return frames
    return np.stack(items)


def is_colour(stack):
    """Whether a validated ``(N, h, w[, C])`` stack holds RGB frames."""
    return stack.ndim == 4 and stack.shape[3] == 3


def stack_luminance(x):
    """``(N, h, w)`` float64 luminance of a unit-scale ``(N, h, w[, C])`` stack.

    :func:`classicsr._image.luminance` of every frame: Y of MATLAB's
    ``rgb2ycbcr`` for RGB frames, the frames themselves for grey ones.

    Examples
    --------
    >>> import numpy as np
    >>> stack_luminance(np.ones((2, 8, 8, 3))).shape
    (2, 8, 8)
    """
    return np.stack([luminance(frame) for frame in x])
