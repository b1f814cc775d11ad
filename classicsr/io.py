"""Reading and writing images (PNG, JPEG, TIFF, BMP) with safe, atomic writes.

Pixels are decoded and encoded by OpenCV; Pillow reads the metadata (EXIF
orientation, ICC profile, DPI, page count), decodes the 8-bit TIFFs with
alpha that OpenCV gets wrong, and encodes the 8-bit PNG, JPEG and TIFF files
that keep a photo's ICC profile or DPI.
OpenCV's own log lines are silenced while it decodes or encodes: every
failure is reported by an exception that names the file.
"""

import collections
import contextlib
import io
import os
import struct
import tempfile
import warnings
from pathlib import Path

import numpy as np

from ._image import from_unit, to_unit
from ._validation import check_image

__all__ = ["IMAGE_SUFFIXES", "PrecisionLossWarning", "atomic_write_bytes", "check_output",
           "is_image_file", "read_image", "read_metadata", "write_image"]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")

#: Formats (by suffix) that hold 16-bit samples, float32 samples, and alpha.
_HOLDS_16_BIT = (".png", ".tif", ".tiff")
_HOLDS_FLOAT = (".tif", ".tiff")
_NO_ALPHA = (".jpg", ".jpeg")
#: Formats whose 8-bit files Pillow writes when there is an ICC profile or DPI to keep.
_HOLDS_METADATA = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
_FORMAT_NAMES = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".tif": "TIFF",
                 ".tiff": "TIFF", ".bmp": "BMP"}
_JPEG_QUALITY = 95
_PILLOW_OPTIONS = {"JPEG": {"quality": _JPEG_QUALITY}, "TIFF": {"compression": "tiff_lzw"}}
_EXIF_ORIENTATION = 0x0112
#: Where a PNG keeps EXIF (or an XMP orientation), as Pillow reads it.
_PNG_EXIF_MARKERS = (b"eXIf", b"Raw profile type exif", b"XML:com.adobe.xmp")
#: Float files are taken to be on the unit scale when their values lie in
#: this range (SR outputs are not clipped, so they overshoot [0, 1] a little).
_UNIT_SCALE_BOUNDS = (-0.5, 1.5)


class PrecisionLossWarning(UserWarning):
    """:func:`write_image` stored less than the image holds (fewer bits, no alpha)."""


def is_image_file(path):
    """Whether ``path`` has one of the readable image suffixes."""
    return Path(path).suffix.lower() in IMAGE_SUFFIXES


@contextlib.contextmanager
def _quiet_opencv():
    """Silence OpenCV's log lines (``[ WARN:0@...]``) for the calls inside."""
    import cv2

    logging = cv2.utils.logging
    level = logging.getLogLevel()
    logging.setLogLevel(logging.LOG_LEVEL_SILENT)
    try:
        yield cv2
    finally:
        logging.setLogLevel(level)


def _decode(data):
    """OpenCV's ``imdecode(IMREAD_UNCHANGED)`` of encoded bytes (first page), or None."""
    with _quiet_opencv() as cv2:
        try:
            return cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
        except cv2.error:
            return None


def _swap_red_blue(img):
    """RGB(A) <-> OpenCV's BGR(A) order (its own inverse); grey images as they are."""
    if img.ndim == 3 and img.shape[2] == 3:
        return img[:, :, ::-1]
    if img.ndim == 3 and img.shape[2] == 4:
        return img[:, :, [2, 1, 0, 3]]
    return img


def _transpose(img, orientation):
    """``img`` turned upright as Pillow's ``ImageOps.exif_transpose`` does for ``orientation``."""
    if orientation in (5, 6, 7, 8):
        img = np.swapaxes(img, 0, 1)
    flip_rows = orientation in (3, 4, 7, 8)
    flip_columns = orientation in (2, 3, 6, 7)
    return img[::-1 if flip_rows else 1, ::-1 if flip_columns else 1]


_TiffLayout = collections.namedtuple("_TiffLayout", "pages tags order")


def _tiff_layout(data):
    """Pages and first-page tags of TIFF or BigTIFF bytes, or None for other formats.

    ``tags`` maps 274 (orientation) and 277 (samples per pixel), when
    present, to ``(value, offset of the value in data)``. A damaged chain of
    pages ends the count.
    """
    order = {b"II": "<", b"MM": ">"}.get(bytes(data[:2]))
    if order is None:
        return None

    def unpack(fmt, at):
        size = struct.calcsize(order + fmt)
        if at + size > len(data):
            raise struct.error("past the end of the file")
        return struct.unpack(order + fmt, bytes(data[at:at + size]))[0]

    pages, tags, seen = 0, {}, set()
    try:
        big = unpack("H", 2) == 43
        count, pointer, entry, value_at = ("Q", "Q", 20, 12) if big else ("H", "I", 12, 8)
        offset = unpack(pointer, 8 if big else 4)
        while offset and offset not in seen:
            seen.add(offset)
            n = unpack(count, offset)
            first = offset + struct.calcsize(order + count)
            for at in range(first, first + n * entry, entry) if not pages else ():
                if unpack("H", at) in (274, 277) and unpack("H", at + 2) == 3:  # SHORT
                    tags[unpack("H", at)] = (unpack("H", at + value_at), at + value_at)
            pages += 1
            offset = unpack(pointer, first + n * entry)
    except struct.error:
        pass
    return _TiffLayout(max(pages, 1), tags, order)


def _stored_orientation(data, tiff):
    """TIFF bytes whose first page says orientation 1, so that decoders return the
    pixels as stored (OpenCV 5 and Pillow turn TIFFs upright themselves, each in
    its own way); other bytes as they are."""
    if tiff is None or tiff.tags.get(274, (1,))[0] == 1:
        return data
    data = data.copy()
    at = tiff.tags[274][1]
    data[at:at + 2] = np.frombuffer(struct.pack(tiff.order + "H", 1), np.uint8)
    return data


_Header = collections.namedtuple("_Header", "format mode orientation pages icc_profile dpi")


def _header(data):
    """What Pillow reads of a file besides its pixels (all None when it cannot open it)."""
    from PIL import Image

    # Corrupt EXIF, size checks: the metadata is optional, the pixels come from OpenCV.
    raw = data.tobytes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with Image.open(io.BytesIO(raw)) as pil:
                # Pillow decodes a whole PNG to look for EXIF after the pixels: only
                # when there is some.
                exif = pil.format != "PNG" or any(m in raw for m in _PNG_EXIF_MARKERS)
                orientation = pil.getexif().get(_EXIF_ORIENTATION, 1) if exif else 1
                return _Header({"MPO": "JPEG"}.get(pil.format, pil.format), pil.mode,
                               orientation, getattr(pil, "n_frames", 1),
                               pil.info.get("icc_profile"), pil.info.get("dpi"))
        except Exception:  # noqa: BLE001 - any Pillow failure: no metadata
            return _Header(None, None, 1, 1, None, None)


def _pixels(data, header, tiff, path):
    """The first page as stored (not turned upright), in RGB(A) order, or None."""
    if header.format == "TIFF" and header.mode in ("LA", "RGBA"):
        # OpenCV premultiplies 8-bit unassociated alpha and drops a grey image's alpha.
        from PIL import Image

        with Image.open(io.BytesIO(data)) as pil:
            extra = np.atleast_1d(pil.tag_v2.get(338, 0))  # 2: unassociated alpha
            if (set(pil.tag_v2.get(258, ())) == {8}  # Pillow reads 16-bit RGBA as 8-bit
                    and (header.mode == "LA" or 2 in extra)):
                try:
                    return np.asarray(pil)
                except (OSError, ValueError):  # truncated or corrupt
                    return None
    if tiff is not None and tiff.tags.get(277, (1,))[0] == 2:
        raise ValueError(f"'{path}' is a grey + alpha TIFF with 16-bit or float samples, "
                         "which cannot be read; save it as RGBA, or as 8-bit grey + alpha")
    img = _decode(data)
    return None if img is None else _swap_red_blue(img)


def _range_problem(img):
    """Why a float image read from a file is not on the unit scale, or None."""
    low, high = float(img.min()), float(img.max())
    if _UNIT_SCALE_BOUNDS[0] <= low and high <= _UNIT_SCALE_BOUNDS[1]:
        return None
    white = next((w for w in (255, 65535) if high <= w), None)
    hint = f"divide it by {white}" if white else "rescale it to [0, 1]"
    return (f"holds float values in [{low:g}, {high:g}], but float images are read on the "
            f"[0, 1] scale; {hint} or save it as 8/16-bit integers")


def read_image(path):
    """Read an image file as an RGB(A) or greyscale ndarray, upright.

    Parameters
    ----------
    path : str or Path
        A PNG, JPEG, TIFF or BMP file.

    Returns
    -------
    ndarray
        ``(H, W)`` for greyscale, ``(H, W, 3)`` RGB or ``(H, W, 4)`` RGBA, in
        the file's dtype: uint8, uint16, or float32/float64 for float TIFFs
        (float16 is read as float32).

    Notes
    -----
    * The EXIF orientation (JPEG, PNG, TIFF; XMP ``tiff:Orientation`` too)
      is applied exactly as Pillow's ``ImageOps.exif_transpose``: a phone
      photo comes out as it is shown.
    * Palette images become RGB (RGBA with transparency), grey + alpha
      becomes RGBA (grey repeated), CMYK JPEGs become RGB; 1-bit images are
      0 / 255 uint8. Alpha is returned as stored (an 8-bit TIFF's
      unassociated alpha is not premultiplied into the colours).
    * A multi-page TIFF gives its first page, with a ``UserWarning`` naming
      the page count.
    * Float files must be on the unit scale: values in [-0.5, 1.5] are read
      as they are (SR outputs overshoot [0, 1] a little); a file beyond that
      (e.g. a float TIFF on the 0-255 scale) is refused, as are NaN and
      infinite values.
    * The ICC profile and DPI are not applied; :func:`read_metadata` returns
      them for :func:`write_image`.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not an image that can be decoded, or holds samples
        classicsr does not take (signed or 32-bit integers, more than 4
        channels, float values off the unit scale, NaN).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such image file: '{path}'")
    if not is_image_file(path):
        raise ValueError(
            f"'{path}' is not a supported image file; accepted suffixes: "
            + ", ".join(IMAGE_SUFFIXES)
        )
    data = np.fromfile(path, dtype=np.uint8)
    header, tiff = _header(data), _tiff_layout(data)
    # OpenCV's IMREAD_UNCHANGED ignores the EXIF orientation of JPEG and PNG files;
    # a TIFF's is set to 1 for decoding. The orientation is applied here, once.
    img = _pixels(_stored_orientation(data, tiff), header, tiff, path)
    if img is None:
        raise ValueError(f"cannot decode image file '{path}' (corrupt or truncated?)")
    pages = header.pages if tiff is None else tiff.pages
    if pages > 1:
        warnings.warn(f"'{path}' has {pages} pages; only the first is read", UserWarning,
                      stacklevel=2)
    orientation = (header.orientation if header.format or tiff is None
                   else tiff.tags.get(274, (1,))[0])
    if orientation in range(2, 9):
        img = _transpose(img, orientation)
    if img.dtype == np.float16:
        img = img.astype(np.float32)
    if img.dtype not in (np.uint8, np.uint16, np.float32, np.float64):
        raise ValueError(f"'{path}' holds {img.dtype} samples; classicsr reads uint8, uint16 "
                         "and float32/float64 images")
    channels = 1 if img.ndim == 2 else img.shape[2]
    if channels == 2:  # grey + alpha
        img = img[:, :, [0, 0, 0, 1]]
    elif channels not in (1, 3, 4):
        raise ValueError(f"'{path}' has {channels} channels; classicsr reads 1 (grey), "
                         "2 (grey + alpha), 3 (RGB) and 4 (RGBA)")
    if img.dtype.kind == "f":
        if not np.isfinite(img).all():
            raise ValueError(f"'{path}' holds NaN or infinite values")
        problem = _range_problem(img)
        if problem:
            raise ValueError(f"'{path}' {problem}")
    return np.ascontiguousarray(img.reshape(img.shape[:2]) if channels == 1 else img)


def read_metadata(path):
    """The ICC profile and DPI of an image file, for :func:`write_image`.

    Returns
    -------
    dict
        ``icc_profile`` (bytes) and ``dpi`` (a pair of floats), each present
        only when the file has it.
    """
    header = _header(np.fromfile(Path(path), dtype=np.uint8))
    found = {"icc_profile": header.icc_profile, "dpi": header.dpi}
    return {key: value for key, value in found.items() if value}


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


def _stored(suffix, dtype, channels):
    """``(dtype, channels, note)``: what a ``suffix`` file holds of such an image.

    ``note`` says what is lost, or is None when the image is stored as it is
    (float64 as float32 TIFF counts as stored as it is).
    """
    dtype = np.dtype(dtype)
    name = _FORMAT_NAMES[suffix]
    target, notes = dtype, []
    if dtype.kind == "f":
        target = np.dtype(np.float32 if suffix in _HOLDS_FLOAT else
                          np.uint16 if suffix in _HOLDS_16_BIT else np.uint8)
    elif dtype == np.uint16 and suffix not in _HOLDS_16_BIT:
        target = np.dtype(np.uint8)
    if target != dtype and target.kind != "f":
        how = ("clipped to [0, 1], scaled and rounded" if dtype.kind == "f"
               else "divided by 257 and rounded")
        notes.append(f"{name} holds {target.itemsize * 8}-bit samples: the {dtype} image is "
                     f"{how} to {target}")
    if channels == 4 and suffix in _NO_ALPHA:
        channels = 3
        notes.append(f"{name} holds no alpha channel: alpha is dropped")
    return target, channels, "; ".join(notes) or None


def check_output(path, dtype, channels=1, *, overwrite=False):
    """Check, before computing, that an image can be written to ``path``.

    Parameters
    ----------
    path : str or Path
        The output file; its suffix picks the format.
    dtype : dtype
        The dtype of the image to be written.
    channels : int
        1, 3 or 4.
    overwrite : bool
        Whether an existing file may be replaced.

    Returns
    -------
    str or None
        What :func:`write_image` will lose storing such an image there (it
        warns with the same text), or None.

    Raises
    ------
    ValueError
        Unknown suffix.
    FileExistsError
        ``path`` exists and not ``overwrite``.
    OSError
        ``path`` is a folder, or its folder cannot be created or written.
    """
    path = Path(path)
    if not is_image_file(path):
        raise ValueError(f"cannot write '{path}': unknown image suffix; accepted: "
                         + ", ".join(IMAGE_SUFFIXES))
    if path.is_dir():
        raise IsADirectoryError(f"cannot write '{path}': it is a folder")
    if path.exists() and not overwrite:
        raise FileExistsError(f"'{path}' exists; use --overwrite (overwrite=True) to replace it")
    folder = path.parent.absolute()
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        raise NotADirectoryError(f"cannot write '{path}': '{folder}' is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(f"cannot write '{path}': no permission to write in '{folder}'")
    return _stored(path.suffix.lower(), dtype, channels)[2]


def _keep_metadata(metadata, channels):
    """The Pillow save options of ``metadata`` that fit an 8-bit image of ``channels``.

    An ICC profile is kept only when its colour space is the image's (RGB
    for 3 or 4 channels, grey for 1): a CMYK photo's profile does not
    describe the RGB pixels it was read as.
    """
    options = {}
    icc = (metadata or {}).get("icc_profile")
    if icc and icc[16:20] == (b"GRAY" if channels == 1 else b"RGB "):
        options["icc_profile"] = icc
    if (metadata or {}).get("dpi"):
        options["dpi"] = tuple(float(d) for d in metadata["dpi"])
    return options


def write_image(path, img, *, overwrite=False, metadata=None):
    """Encode ``img`` by the suffix of ``path`` and write it atomically.

    Parameters
    ----------
    path : str or Path
        ``.png``, ``.jpg``/``.jpeg``, ``.tif``/``.tiff`` or ``.bmp``.
    img : ndarray
        ``(H, W)``, ``(H, W, 1)``, ``(H, W, 3)`` RGB or ``(H, W, 4)`` RGBA;
        uint8, uint16, float32 or float64 (float on the [0, 1] scale).
    overwrite : bool
        Replace ``path`` if it exists (otherwise ``FileExistsError``).
    metadata : dict, optional
        ``icc_profile`` and ``dpi`` (from :func:`read_metadata`): written
        into 8-bit PNG, JPEG and TIFF files (the ICC profile only when its
        colour space is the image's); 16-bit, float and BMP files are
        written without them. The DPI is copied as it is (an upscaled image
        prints larger).

    Notes
    -----
    What each format stores (:func:`check_output` says it before computing):

    * uint8: as it is, everywhere (JPEG at quality 95).
    * uint16: as it is in PNG and TIFF; JPEG and BMP hold 8 bits, so the
      image is divided by 257 and rounded half away from zero, with a
      :class:`PrecisionLossWarning`.
    * float32 / float64: a float32 TIFF (values as they are, not clipped);
      PNG gets 16 bits and JPEG and BMP 8 bits (clipped to [0, 1], scaled
      and rounded half away from zero), with a :class:`PrecisionLossWarning`.
    * RGBA to JPEG: alpha is dropped, with a :class:`PrecisionLossWarning`.

    The file appears complete or not at all (a temporary file renamed into
    place).
    """
    path = Path(path)
    if not is_image_file(path):
        raise ValueError(
            f"cannot write '{path}': unknown image suffix; accepted: "
            + ", ".join(IMAGE_SUFFIXES)
        )
    img = check_image(img, "img")
    suffix = path.suffix.lower()
    channels = 1 if img.ndim == 2 else img.shape[2]
    dtype, channels, note = _stored(suffix, img.dtype, channels)
    if note:
        warnings.warn(f"writing '{path}': {note}", PrecisionLossWarning, stacklevel=2)
    img = img.reshape(img.shape[:2]) if channels == 1 else img[:, :, :channels]
    if dtype != img.dtype:
        img = img.astype(dtype) if dtype.kind == "f" else from_unit(to_unit(img), dtype)
    kept = _keep_metadata(metadata, channels) if suffix in _HOLDS_METADATA else {}
    if dtype == np.uint8 and kept:
        from PIL import Image

        fmt = _FORMAT_NAMES[suffix]
        options = {**_PILLOW_OPTIONS.get(fmt, {}), **kept}
        buffer = io.BytesIO()
        Image.fromarray(np.ascontiguousarray(img)).save(buffer, format=fmt, **options)
        encoded = buffer.getvalue()
    else:
        img = _swap_red_blue(img)
        with _quiet_opencv() as cv2:
            jpeg = _FORMAT_NAMES[suffix] == "JPEG"
            quality = [cv2.IMWRITE_JPEG_QUALITY, _JPEG_QUALITY] if jpeg else []
            ok, buffer = cv2.imencode(suffix, np.ascontiguousarray(img), quality)
        if not ok:
            raise ValueError(f"cannot encode a {img.dtype} image as '{path.suffix}'")
        encoded = memoryview(buffer)  # no copy of the encoded bytes (large outputs)
    atomic_write_bytes(path, encoded, overwrite=overwrite)
