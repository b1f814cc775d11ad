"""Reading a sequence of frames from a video file or a folder of images.

Video files are decoded with PyAV (FFmpeg's libraries), not with OpenCV:
OpenCV 5's ``VideoCapture`` aborts the whole interpreter
(``malloc_consolidate(): invalid chunk size``) on uncompressed (rawvideo,
bgr24) AVIs, which no ``try`` can catch. PyAV is a core dependency (``av``
in ``install_requires``): its wheel (about 36 MB) is smaller than OpenCV's,
which we already require for image processing, and reading video is one of
the toolkit's main jobs, so it should work without extras. OpenCV is still
used for the images of a folder (:func:`classicsr.io.read_image`).
"""

import re
import warnings

import numpy as np

from .._image import full_scale
from .._validation import check_int, check_path
from ..io import IMAGE_SUFFIXES, is_image_file, read_image

__all__ = ["natural_key", "read_frames"]


def natural_key(name):
    """Sort key putting ``f_2`` before ``f_10``: digit runs compare as numbers.

    Letters compare case-insensitively; names equal under the key (``f_2``
    and ``f_02``) keep their plain string order.

    Examples
    --------
    >>> sorted(["f_10.png", "f_2.png", "F_1.png"], key=natural_key)
    ['F_1.png', 'f_2.png', 'f_10.png']
    """
    parts = re.split(r"([0-9]+)", name)
    return (tuple(int(p) if i % 2 else p.casefold() for i, p in enumerate(parts)), name)


def read_frames(path, max_frames=None):
    """Read the frames of a video file (PyAV) or of a folder of images.

    Parameters
    ----------
    path : str or Path
        A folder: its PNG / JPEG / TIFF / BMP files in natural order
        (``f_2.png`` before ``f_10.png``); other files, sub-folders and
        hidden files (names starting with ``.``) are ignored. A file: a
        video FFmpeg can decode (AVI uncompressed or MJPEG, MP4 / MOV with
        H.264, MKV, ...).
    max_frames : int, optional
        Keep only the first ``max_frames`` frames (at least 2: multi-frame
        reconstruction needs two). A clip with fewer frames gives all of
        them (``len(result) < max_frames``), without a warning.

    Returns
    -------
    list of ndarray
        At least two frames of one shape and dtype. Video: RGB ``(H, W, 3)``
        uint8, or uint16 when the stream stores more than 8 bits per
        sample (10-bit H.264 / HEVC, 16-bit PNG or FFV1, ...); grey streams
        give ``(H, W)`` frames. Frames stored as three equal channels
        (grey sequences saved as RGB, as in many uncompressed AVIs) are
        returned as ``(H, W)`` grey frames when every channel of every frame
        is equal (exactly: lossy codecs such as MJPEG leave the channels of a
        grey scene a level or two apart, and those stay RGB). Images of a
        folder keep their dtype (uint8, uint16 or float), with the same grey
        rule; an alpha channel is dropped (with a warning when it is not
        fully opaque). The display rotation of phone videos is not applied.

    Warns
    -----
    UserWarning
        A truncated or damaged video of which at least two frames could be
        decoded: those frames are returned and the warning says how many; a
        video whose frame size changes (the frames before the change are
        returned); a dropped alpha channel that was not fully opaque.

    Raises
    ------
    TypeError
        ``path`` is not a path, ``max_frames`` not an integer.
    FileNotFoundError
        ``path`` does not exist.
    ValueError
        Naming the file: a folder without image files, unreadable images or
        images of different sizes or types in a folder, a single image file,
        a file that is not a video, a video without a video stream or whose
        codec cannot be decoded, a truncated or damaged video with fewer than
        two decodable frames, a video of a single frame.
    OSError
        The file cannot be read (permissions).
    """
    path = check_path(path, "path")
    max_frames = check_int(max_frames, "max_frames", minimum=2, allow_none=True)
    if not path.exists():
        raise FileNotFoundError(f"no such video file or folder: '{path}'")
    if path.is_dir():
        frames = _read_folder(path, max_frames)
    elif is_image_file(path):
        raise ValueError(
            f"'{path}' is a single image; multi-frame reconstruction needs a video file or a "
            "folder of images (for one image use 'classicsr upscale')")
    else:
        frames = _read_video(path, max_frames)
    return _grey_if_equal_channels(frames)


def _grey_if_equal_channels(frames):
    """``(H, W)`` frames when every frame is RGB with three equal channels."""
    if all(f.ndim == 3 and f.shape[2] == 3 and np.array_equal(f[..., 0], f[..., 1])
           and np.array_equal(f[..., 1], f[..., 2]) for f in frames):
        return [np.ascontiguousarray(f[..., 0]) for f in frames]
    return frames


def _read_folder(path, max_frames):
    files = sorted((p for p in path.iterdir()
                    if p.is_file() and is_image_file(p) and not p.name.startswith(".")),
                   key=lambda p: natural_key(p.name))
    if not files:
        raise ValueError(
            f"folder '{path}' holds no image files (accepted suffixes: "
            f"{', '.join(IMAGE_SUFFIXES)})")
    files = files[:max_frames]
    frames, failed, translucent = [], [], []
    for p in files:
        try:
            img = read_image(p)
        except (ValueError, OSError) as exc:
            failed.append(f"{p.name} ({exc})")
            continue
        if img.ndim == 3 and img.shape[2] == 4:
            if img[..., 3].min() < full_scale(img.dtype):
                translucent.append(p.name)
            img = np.ascontiguousarray(img[..., :3])
        elif img.ndim == 3 and img.shape[2] == 1:
            img = img[..., 0]
        frames.append((p, img))
    if failed:
        listed = "; ".join(failed[:5]) + (f"; and {len(failed) - 5} more" if len(failed) > 5
                                          else "")
        raise ValueError(
            f"cannot read {len(failed)} of the {len(files)} images taken from folder "
            f"'{path}': {listed}")
    first_path, first = frames[0]
    for p, img in frames[1:]:
        if img.shape != first.shape or img.dtype != first.dtype:
            raise ValueError(
                f"the images of folder '{path}' must all have the same size and type: "
                f"{first_path.name} is {first.shape} {first.dtype}, {p.name} is {img.shape} "
                f"{img.dtype}")
    if len(frames) < 2:
        raise ValueError(
            f"folder '{path}' holds one image ({first_path.name}); multi-frame "
            "reconstruction needs at least 2 (for one image use 'classicsr upscale')")
    if translucent:
        warnings.warn(
            f"the alpha channel of {len(translucent)} image(s) of folder '{path}' "
            f"({', '.join(translucent[:3])}{', ...' if len(translucent) > 3 else ''}) is "
            "ignored: multi-frame reconstruction uses the colour channels only",
            UserWarning, stacklevel=3)
    return [img for _, img in frames]


def _array_format(video_format):
    """The PyAV ``to_ndarray`` format for frames of ``video_format``."""
    if video_format is None:
        return "rgb24"
    components = video_format.components
    deep = max((c.bits for c in components), default=8) > 8
    grey = (not video_format.has_palette and bool(components)
            and all(c.is_luma or c.is_alpha for c in components))
    if grey:
        return "gray16le" if deep else "gray"
    return "rgb48le" if deep else "rgb24"


def _expected_frames(container, stream):
    """Frames the file announces (header count, else its duration), or None."""
    if stream.frames:
        return int(stream.frames), "its header announces"
    rate = stream.average_rate
    seconds = None
    if stream.duration is not None and stream.time_base is not None:
        seconds = float(stream.duration * stream.time_base)
    elif container.duration and len(container.streams) == 1:
        seconds = container.duration / 1e6  # AV_TIME_BASE
    if seconds and rate:
        return int(round(seconds * float(rate))), "its duration implies about"
    return None, None


def _count(n):
    return f"{n} frame" if n == 1 else f"{n} frames"


def _read_video(path, max_frames):
    import av

    with open(path, "rb"):  # a plain OSError (permissions, ...) before FFmpeg's own
        pass
    try:
        container = av.open(str(path), mode="r")
    except av.error.FFmpegError as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ValueError(
            f"cannot open video '{path}': not a video file FFmpeg can read ({reason}); is it "
            "truncated, corrupt or not a video?") from None
    with container:
        if not container.streams.video:
            kinds = sorted({s.type for s in container.streams}) or ["none"]
            raise ValueError(
                f"cannot open video '{path}': the file ({container.format.name}) holds no video "
                f"stream (streams: {', '.join(kinds)})")
        stream = container.streams.video[0]
        if stream.codec_context is None:
            raise ValueError(
                f"cannot decode video '{path}': its video stream uses a codec FFmpeg does not "
                "know (unreadable stream)")
        stream.thread_type = "AUTO"
        frames, damage, fmt, resized = [], None, None, False
        try:
            for frame in container.decode(stream):
                if fmt is None:
                    fmt = _array_format(frame.format)
                try:
                    array = frame.to_ndarray(format=fmt)
                except (ValueError, av.error.FFmpegError) as exc:
                    raise ValueError(
                        f"cannot decode video '{path}': frames of pixel format "
                        f"{getattr(frame.format, 'name', '?')} cannot be converted to "
                        f"{fmt} ({exc})") from None
                if frames and array.shape != frames[0].shape:
                    warnings.warn(
                        f"the frame size of video '{path}' changes at frame {len(frames)} "
                        f"({frames[0].shape[:2]} -> {array.shape[:2]}); using the "
                        f"{_count(len(frames))} before the change", UserWarning, stacklevel=3)
                    resized = True
                    break
                frames.append(np.ascontiguousarray(array))
                if max_frames is not None and len(frames) >= max_frames:
                    break
        except av.error.FFmpegError as exc:
            damage = getattr(exc, "strerror", None) or str(exc)
        expected, how = _expected_frames(container, stream)
    complete = resized or (max_frames is not None and len(frames) >= max_frames)
    short = (not complete and expected is not None
             and len(frames) < (expected if how == "its header announces" else expected - 1))
    if damage is not None or short:
        what = (f"decoding failed after frame {len(frames)} ({damage})" if damage is not None
                else f"decoded {_count(len(frames))} where {how} {expected}")
        if len(frames) < 2:
            raise ValueError(
                f"cannot read video '{path}': truncated or damaged file, {what}; multi-frame "
                "reconstruction needs at least 2 frames")
        warnings.warn(
            f"video '{path}' is truncated or damaged ({what}): using the {_count(len(frames))} "
            "decoded before the damage", UserWarning, stacklevel=3)
    if not frames:
        raise ValueError(f"cannot decode video '{path}': no frame of its video stream could "
                         "be decoded (empty, truncated or damaged file?)")
    if len(frames) < 2:
        raise ValueError(
            f"video '{path}' holds a single frame; multi-frame reconstruction needs at least 2 "
            "(for one image use 'classicsr upscale')")
    return frames
