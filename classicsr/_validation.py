"""Input checks shared by the public functions.

Every public function validates its arguments here, at the edge of the API,
and raises a ``TypeError`` or ``ValueError`` that names the argument, what it
received and what is accepted. Kernels behind the public functions trust
their input.
"""

from __future__ import annotations

import numbers
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["IMAGE_DTYPES", "INT_FULL_SCALE", "check_bool", "check_callable", "check_choice",
           "check_image", "check_int", "check_integer_scale", "check_path", "check_real",
           "check_real_array", "check_scale"]

#: Full-scale value of each integer image dtype (float images use [0, 1]).
INT_FULL_SCALE = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}

#: dtypes accepted for images, in the order they are listed in messages.
IMAGE_DTYPES = (np.uint8, np.uint16, np.float32, np.float64)
_DTYPE_NAMES = ", ".join(np.dtype(d).name for d in IMAGE_DTYPES)


def check_image(img: Any, name: str = "img", *, allow_alpha: bool = True) -> np.ndarray:
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


def check_scale(scale: Any, name: str = "scale") -> float:
    """Return ``scale`` as a float after checking it is a finite number > 0."""
    if isinstance(scale, (bool, np.bool_)) or not isinstance(scale, numbers.Real):
        raise TypeError(
            f"{name} must be a real number, got {type(scale).__name__} {scale!r}"
        )
    value = float(scale)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {scale!r}")
    return value


def check_integer_scale(scale: Any, name: str = "scale", allowed: Any = None) -> int:
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
        raise TypeError(f"{name} must be a string, got {type(value).__name__} {value!r}")
    if value not in choices:
        raise ValueError(
            f"unknown {name} {value!r}; known: {', '.join(sorted(choices))}"
        )
    return value


def _bounds_text(minimum, maximum):
    parts = []
    if minimum is not None:
        parts.append(f">= {minimum}")
    if maximum is not None:
        parts.append(f"<= {maximum}")
    return " and ".join(parts)


def check_int(value, name, *, minimum=None, maximum=None, allow_none=False):
    """Return ``value`` as an int after checking it is an integer in [minimum, maximum].

    ``None`` is returned as is when ``allow_none``. Booleans are refused.

    Raises
    ------
    TypeError
        Not an integer (a float such as 2.0 is refused too).
    ValueError
        Outside the bounds.

    Examples
    --------
    >>> check_int(3, "iterations", minimum=0)
    3
    >>> check_int(-1, "iterations", minimum=0)
    Traceback (most recent call last):
    ...
    ValueError: iterations must be an integer >= 0, got -1
    """
    if value is None and allow_none:
        return None
    bounds = _bounds_text(minimum, maximum)
    what = f"an integer {bounds}".rstrip() + (" or None" if allow_none else "")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be {what}, got {type(value).__name__} {value!r}")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be {what}, got {value!r}")
    return int(value)


def check_real(value, name, *, minimum=None, maximum=None, strict_minimum=False,
               allow_none=False):
    """Return ``value`` as a finite float in the bounds (``> minimum`` if ``strict_minimum``).

    Examples
    --------
    >>> check_real(0.5, "sigma", minimum=0, strict_minimum=True)
    0.5
    """
    if value is None and allow_none:
        return None
    low = None if minimum is None else (f"> {minimum}" if strict_minimum else f">= {minimum}")
    bounds = " and ".join(p for p in (low, None if maximum is None else f"<= {maximum}") if p)
    what = f"a finite number {bounds}".rstrip() + (" or None" if allow_none else "")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {what}, got {type(value).__name__} {value!r}")
    x = float(value)
    if (not np.isfinite(x) or (minimum is not None and (x < minimum or (strict_minimum
                                                                        and x == minimum)))
            or (maximum is not None and x > maximum)):
        raise ValueError(f"{name} must be {what}, got {value!r}")
    return x


def check_bool(value, name):
    """Return ``value`` as a bool after checking it is one (numpy booleans included)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def check_callable(value, name, *, allow_none=True):
    """Return ``value`` after checking it is callable (or None when ``allow_none``)."""
    if (value is None and allow_none) or callable(value):
        return value
    raise TypeError(f"{name} must be callable{' or None' if allow_none else ''}, got "
                    f"{type(value).__name__}")


def check_path(value, name):
    """Return ``value`` as a :class:`~pathlib.Path` (from str or os.PathLike)."""
    if isinstance(value, (str, Path)) or hasattr(value, "__fspath__"):
        return Path(value)
    raise TypeError(f"{name} must be a path (str or os.PathLike), got "
                    f"{type(value).__name__} {value!r}")


def check_real_array(a: Any, name: str, ndims: Any) -> np.ndarray:
    """Return ``a`` as a finite float64 ndarray with ``a.ndim`` in ``ndims``.

    Raises
    ------
    TypeError
        If ``a`` does not hold real numbers (booleans, complex numbers,
        strings and objects are refused).
    ValueError
        If it has the wrong number of dimensions, is empty, or holds NaN or
        infinite values.
    """
    arr = np.asarray(a)
    if arr.dtype.kind not in "fiu":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if arr.ndim not in ndims:
        dims = " or ".join(f"{d}-D" for d in ndims)
        raise ValueError(f"{name} must be {dims}, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape})")
    arr = arr.astype(np.float64, copy=False)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr
