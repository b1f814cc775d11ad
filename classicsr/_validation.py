"""Input checks shared by the public functions.

Every public function validates its arguments here, at the edge of the API,
and raises a ``TypeError`` or ``ValueError`` that names the argument, what it
received and what is accepted. Kernels behind the public functions trust
their input.
"""

import numbers

import numpy as np

#: Full-scale value of each integer image dtype (float images use [0, 1]).
INT_FULL_SCALE = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}

#: dtypes accepted for images, in the order they are listed in messages.
IMAGE_DTYPES = (np.uint8, np.uint16, np.float32, np.float64)
_DTYPE_NAMES = ", ".join(np.dtype(d).name for d in IMAGE_DTYPES)


def check_image(img, name="img", *, allow_alpha=True):
    """Return ``img`` as an ndarray after checking it is a valid image.

    Accepted: a 2-D ``(H, W)`` greyscale array or a channels-last
    ``(H, W, C)`` array with C in {1, 3, 4} (C = 4 only when
    ``allow_alpha``), of dtype uint8, uint16, float32 or float64, non-empty,
    with finite values.

    Raises
    ------
    TypeError
        If ``img`` is not an ndarray or has an unsupported dtype.
    ValueError
        If its shape is not that of an image, it is empty, or it holds NaN or
        infinite values.
    """
    if not isinstance(img, np.ndarray):
        raise TypeError(
            f"{name} must be a numpy.ndarray, got {type(img).__name__}"
        )
    if img.dtype not in IMAGE_DTYPES:
        raise TypeError(
            f"{name} has dtype {img.dtype}; accepted dtypes are {_DTYPE_NAMES}"
        )
    channels = (1, 3, 4) if allow_alpha else (1, 3)
    if img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[2] not in channels):
        accepted = ", ".join(map(str, channels))
        raise ValueError(
            f"{name} must have shape (H, W) or (H, W, C) with C in "
            f"{{{accepted}}}, got shape {img.shape}"
        )
    if img.size == 0 or img.shape[0] == 0 or img.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {img.shape})")
    if img.dtype.kind == "f" and not np.isfinite(img).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return img


def check_scale(scale, name="scale"):
    """Return ``scale`` as a float after checking it is a finite number > 0."""
    if isinstance(scale, (bool, np.bool_)) or not isinstance(scale, numbers.Real):
        raise TypeError(
            f"{name} must be a real number, got {type(scale).__name__} {scale!r}"
        )
    value = float(scale)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {scale!r}")
    return value


def check_integer_scale(scale, name="scale", allowed=None):
    """Return ``scale`` as an int: an integer-valued number > 0, in ``allowed``."""
    value = check_scale(scale, name)
    if value != int(value):
        raise ValueError(f"{name} must be an integer factor, got {scale!r}")
    value = int(value)
    if allowed is not None and value not in allowed:
        accepted = ", ".join(map(str, sorted(allowed)))
        raise ValueError(f"{name}={value} is not supported; accepted: {accepted}")
    return value


def check_choice(value, name, choices):
    """Check that ``value`` is one of ``choices`` (strings); return it."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {type(value).__name__}")
    if value not in choices:
        raise ValueError(
            f"unknown {name} {value!r}; known: {', '.join(sorted(choices))}"
        )
    return value
