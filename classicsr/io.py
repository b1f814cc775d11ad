"""Reading and writing images (PNG, JPEG, TIFF, BMP) with safe, atomic writes."""

import os
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["atomic_write_bytes", "IMAGE_SUFFIXES", "is_image_file", "read_image",
           "write_image"]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")


def is_image_file(path):
    """Whether ``path`` has one of the readable image suffixes."""
    return Path(path).suffix.lower() in IMAGE_SUFFIXES


def read_image(path):
    """Read an image file as an RGB(A) or greyscale ndarray.

    Parameters
    ----------
    path : str or Path
        A PNG, JPEG, TIFF or BMP file.

    Returns
    -------
    ndarray
        ``(H, W)`` for greyscale, ``(H, W, 3)`` RGB or ``(H, W, 4)`` RGBA, in
        the file's dtype (uint8 or uint16; float for float TIFFs).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not an image that can be decoded.
    """
    import cv2

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such image file: '{path}'")
    if not is_image_file(path):
        raise ValueError(
            f"'{path}' is not a supported image file; accepted suffixes: "
            + ", ".join(IMAGE_SUFFIXES)
        )
    data = np.fromfile(path, dtype=np.uint8)
    img = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
    if img is None:
        raise ValueError(f"cannot decode image file '{path}' (corrupt or truncated?)")
    if img.ndim == 3 and img.shape[2] == 3:
        img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    elif img.ndim == 3 and img.shape[2] == 4:
        img = cv2.cvtColor(img, cv2.COLOR_BGRA2RGBA)
    return np.ascontiguousarray(img)


def atomic_write_bytes(path, data, *, overwrite=False):
    """Write ``data`` to ``path`` through a temporary file and a rename.

    Raises ``FileExistsError`` if ``path`` exists and ``overwrite`` is false,
    so that nothing a user has is replaced by accident.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"'{path}' exists; pass overwrite=True (--overwrite) to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        # mkstemp creates the file 0600; give it the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_image(path, img, *, overwrite=False):
    """Encode ``img`` by the suffix of ``path`` and write it atomically.

    ``img`` is ``(H, W)``, ``(H, W, 3)`` RGB or ``(H, W, 4)`` RGBA, uint8 or
    uint16 (uint16 for PNG and TIFF only).
    """
    import cv2

    path = Path(path)
    if not is_image_file(path):
        raise ValueError(
            f"cannot write '{path}': unknown image suffix; accepted: "
            + ", ".join(IMAGE_SUFFIXES)
        )
    if not isinstance(img, np.ndarray) or img.dtype not in (np.uint8, np.uint16):
        raise TypeError("img must be a uint8 or uint16 ndarray to be written as an image")
    if img.ndim == 3 and img.shape[2] == 3:
        img = cv2.cvtColor(img, cv2.COLOR_RGB2BGR)
    elif img.ndim == 3 and img.shape[2] == 4:
        img = cv2.cvtColor(img, cv2.COLOR_RGBA2BGRA)
    ok, buffer = cv2.imencode(path.suffix.lower(), img)
    if not ok:
        raise ValueError(f"cannot encode a {img.dtype} image as '{path.suffix}'")
    atomic_write_bytes(path, buffer.tobytes(), overwrite=overwrite)
