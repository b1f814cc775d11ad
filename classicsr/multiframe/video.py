"""Whole-video super-resolution: every frame from its neighbours, in bounded memory.

:func:`upscale_video` slides a window of ``window`` frames along the clip and
reconstructs each frame with :func:`~classicsr.multiframe.reconstruct`, the
frame itself being the window's reference (the centre of the window, or
off-centre within ``window // 2`` frames of the clip's ends, where the
window stops at the first or last frame). This is the sliding-window use of
multi-frame reconstruction of Farsiu, Robinson, Elad & Milanfar ("Fast and
robust multiframe super resolution", IEEE TIP 13(10), 2004) and of Elad &
Feuer ("Super-resolution reconstruction of image sequences", IEEE TPAMI
21(9), 1999), without their recursive (Kalman) update: every window is
solved from scratch, so that every output frame is the reconstruction
:func:`~classicsr.multiframe.reconstruct` gives for its window.

Frames are decoded one at a time (PyAV for video files, as
:func:`~classicsr.multiframe.read_frames`; a folder of images in natural
order) and only the window is kept in memory. A first pass over the clip
counts its frames and applies :func:`~classicsr.multiframe.read_frames`'
grey rule (a clip whose every frame has three equal channels is grey); it
decodes without keeping frames.

Outputs:

* a folder: one PNG per frame, ``frame_000000.png``, ... (index in the
  clip; 16-bit where the frames are 16-bit or float, as the ``multiframe``
  command writes), each written atomically; frames already there are
  skipped, so an interrupted run resumes where it stopped. The settings are
  recorded in ``classicsr-video.json``; a folder made with other settings is
  refused unless ``overwrite``.
* a video file, encoded with PyAV (see :data:`VIDEO_CODECS`): ``.mkv`` and
  ``.avi`` with FFV1 (lossless, 8 or 16 bits), ``.mp4`` and ``.mov`` with
  H.264 at ``qp=0`` in RGB (``libx264rgb``: lossless, 8 bits only; grey
  frames are stored as three equal channels, which
  :func:`~classicsr.multiframe.read_frames` reads back as grey:
  ``libx264``'s grey H.264 comes back from FFmpeg's decoder off by up to
  20 levels, a range conversion). The file is written under a temporary name and
  renamed into place when complete (a video output cannot resume).
"""

import contextlib
import json
import os
import time
import warnings
from collections import deque
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from .._validation import check_bool, check_choice, check_int, check_path, check_real
from ..color import to_dtype
from ..io import atomic_write_bytes, is_image_file, write_image

__all__ = ["DEFAULT_WINDOW", "SETTINGS_FILE", "VIDEO_CODECS", "VideoResult", "frame_name",
           "upscale_video", "window_bounds"]

#: Frames per window when ``window`` is not given.
DEFAULT_WINDOW = 5
#: The settings record of a folder output.
SETTINGS_FILE = "classicsr-video.json"
#: Output video suffix -> (codec for colour, codec for grey, codec options).
VIDEO_CODECS = {
    ".mkv": ("ffv1", "ffv1", {}),
    ".avi": ("ffv1", "ffv1", {}),
    ".mp4": ("libx264rgb", "libx264rgb", {"qp": "0", "preset": "medium"}),
    ".mov": ("libx264rgb", "libx264rgb", {"qp": "0", "preset": "medium"}),
}
#: Codecs that hold 16-bit frames.
_DEEP_CODECS = ("ffv1",)
#: Frame rate of a folder of images (or a video that does not say).
_DEFAULT_RATE = Fraction(25)


def frame_name(index):
    """File name of output frame ``index`` in a folder output."""
    return f"frame_{index:06d}.png"


def window_bounds(index, n_frames, window):
    """``(start, stop)`` of the window of frame ``index`` in a clip of ``n_frames``.

    The window of ``min(window, n_frames)`` frames with ``index`` at
    position ``window // 2`` (the centre for an odd ``window``), shifted to
    stay inside the clip near its ends.

    Examples
    --------
    >>> [window_bounds(i, 6, 3) for i in range(6)]
    [(0, 3), (0, 3), (1, 4), (2, 5), (3, 6), (3, 6)]
    """
    size = min(window, n_frames)
    start = min(max(index - size // 2, 0), n_frames - size)
    return start, start + size


@dataclass
class VideoResult:
    """What :func:`upscale_video` did.

    Attributes
    ----------
    output : Path
        The folder or video file written.
    n_frames : int
        Frames of the clip (all of them are in the output).
    computed : int
        Frames reconstructed by this call.
    skipped : int
        Frames of a folder output already there (resumed).
    seconds : float
        Wall time of this call.
    input_shape, output_shape : tuple
        Shape of one input frame and of one output frame.
    """

    output: Path
    n_frames: int
    computed: int
    skipped: int
    seconds: float
    input_shape: tuple
    output_shape: tuple

    @property
    def fps(self):
        """Frames reconstructed per second of this call (0 when none was)."""
        return self.computed / self.seconds if self.computed and self.seconds > 0 else 0.0


# --- reading, one frame at a time ---------------------------------------------------------


class _Clip:
    """A video file or folder of frames, decoded lazily (first pass: count, grey rule)."""

    def __init__(self, path, max_frames):
        from .io import natural_key, read_frames

        # read_frames on the first two frames: every check of the input and its messages
        # (missing file, single image, not a video, no video stream, one frame, ...)
        read_frames(path, max_frames=2)
        self.path = path
        self.folder = path.is_dir()
        if self.folder:
            self.files = sorted((p for p in path.iterdir() if p.is_file() and is_image_file(p)
                                 and not p.name.startswith(".")),
                                key=lambda p: natural_key(p.name))
            if max_frames is not None:
                self.files = self.files[:max_frames]
            self.rate = _DEFAULT_RATE
        else:
            self.rate = self._video_rate()
        self.limit = max_frames
        self.n_frames, self.grey, self.shape, self.dtype = self._scan()

    def _video_rate(self):
        import av

        from .io import _expected_frames

        with av.open(str(self.path)) as container:
            stream = container.streams.video[0]
            rate = stream.average_rate
            self.expected = _expected_frames(container, stream)
        return Fraction(rate) if rate else _DEFAULT_RATE

    def _raw(self):
        """Frames as stored (RGB kept even when grey), stopping at ``limit``."""
        if self.folder:
            for p in self.files:
                yield _single_image(p)
            return
        import av

        from .io import _array_format

        with av.open(str(self.path)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            fmt = None
            for count, frame in enumerate(container.decode(stream), start=1):
                fmt = fmt or _array_format(frame.format)
                yield np.ascontiguousarray(frame.to_ndarray(format=fmt))
                if self.limit is not None and count >= self.limit:
                    return

    def _scan(self):
        """``(n_frames, grey, shape, dtype)`` from one pass over the clip."""
        import av

        n, grey, shape, dtype = 0, True, None, None
        iterator = self._raw()
        try:
            for array in iterator:
                if shape is None:
                    shape, dtype = array.shape, array.dtype
                elif array.shape != shape or array.dtype != dtype:
                    if self.folder:
                        raise ValueError(
                            f"the images of folder '{self.path}' must all have the same size "
                            f"and type: the first is {shape} {dtype}, frame {n} is "
                            f"{array.shape} {array.dtype}")
                    warnings.warn(
                        f"the frame size of '{self.path}' changes at frame {n} "
                        f"({shape[:2]} -> {array.shape[:2]}); using the {n} frames before the "
                        "change", UserWarning, stacklevel=4)
                    break
                grey = grey and _equal_channels(array)
                n += 1
        except av.error.FFmpegError as exc:
            warnings.warn(
                f"video '{self.path}' is truncated or damaged (decoding failed after frame {n}: "
                f"{getattr(exc, 'strerror', None) or exc}); using the {n} frames decoded "
                "before the damage", UserWarning, stacklevel=4)
        finally:
            iterator.close()
        if not self.folder and (self.limit is None or n < self.limit):
            expected, how = self.expected  # read_frames' rule for a short clip
            if expected is not None and n < (expected if how == "its header announces"
                                             else expected - 1):
                warnings.warn(f"video '{self.path}' is truncated or damaged (decoded {n} "
                              f"frames where {how} {expected}): using the {n} decoded",
                              UserWarning, stacklevel=4)
        if n < 2:
            raise ValueError(f"cannot read '{self.path}': {n} decodable frame(s); "
                             "multi-frame reconstruction needs at least 2")
        if grey:
            shape = shape[:2]
        return n, grey, shape, dtype

    def frames(self):
        """The ``n_frames`` frames, one at a time (grey clips as ``(H, W)``)."""
        iterator = self._raw()
        try:
            for k, array in enumerate(iterator):
                if k >= self.n_frames:
                    return
                yield np.ascontiguousarray(array[..., 0]) if self.grey and array.ndim == 3 \
                    else array
        finally:
            iterator.close()


def _single_image(path):
    """One image of a folder, read as :func:`~classicsr.multiframe.read_frames` reads it."""
    from .._image import full_scale
    from ..io import read_image

    img = read_image(path)
    if img.ndim == 3 and img.shape[2] == 4:
        if img[..., 3].min() < full_scale(img.dtype):
            warnings.warn(f"the alpha channel of '{path}' is ignored: multi-frame "
                          "reconstruction uses the colour channels only", UserWarning,
                          stacklevel=5)
        img = np.ascontiguousarray(img[..., :3])
    elif img.ndim == 3 and img.shape[2] == 1:
        img = img[..., 0]
    return img


def _equal_channels(array):
    return array.ndim == 2 or (array.shape[2] == 3 and np.array_equal(array[..., 0], array[..., 1])
                               and np.array_equal(array[..., 1], array[..., 2]))


# --- writing --------------------------------------------------------------------------------


def _stored(out):
    """The output frame as written: uint8 or uint16 (float frames -> 16 bits)."""
    if out.dtype in (np.uint8, np.uint16):
        return out
    return to_dtype(np.clip(out, 0.0, 1.0) * 65535.0, np.uint16)


class _FolderWriter:
    """PNG frames written atomically into a folder, skipping those already there."""

    def __init__(self, folder, settings, overwrite):
        self.folder = folder
        self.overwrite = overwrite
        if folder.exists() and not folder.is_dir():
            raise FileExistsError(f"output '{folder}' exists and is not a folder; a video output "
                                  f"needs one of the suffixes {', '.join(VIDEO_CODECS)}")
        folder.mkdir(parents=True, exist_ok=True)
        record = folder / SETTINGS_FILE
        if record.exists() and not overwrite:
            try:
                previous = json.loads(record.read_text())
            except (OSError, ValueError):
                previous = None
            if previous != settings:
                raise FileExistsError(
                    f"output folder '{folder}' holds frames made with other settings "
                    f"({record.name}: {previous}); use --overwrite (overwrite=True) to "
                    "replace them, or another folder")
        elif not record.exists() and not overwrite and any(
                p.name.startswith("frame_") for p in folder.iterdir()):
            raise FileExistsError(
                f"output folder '{folder}' holds frame files but no {SETTINGS_FILE}; use "
                "--overwrite (overwrite=True) to replace them, or another folder")
        atomic_write_bytes(record, (json.dumps(settings, indent=1) + "\n").encode(),
                           overwrite=True)

    def done(self, index):
        return not self.overwrite and (self.folder / frame_name(index)).exists()

    def write(self, index, out):
        write_image(self.folder / frame_name(index), _stored(out), overwrite=True)

    def close(self, completed):
        pass


class _VideoWriter:
    """Frames encoded with PyAV into a temporary file renamed into place when complete."""

    def __init__(self, path, rate, grey, deep, overwrite):
        import av

        if path.exists() and not overwrite:
            raise FileExistsError(f"'{path}' exists; use --overwrite (overwrite=True) to "
                                  "replace it")
        colour_codec, grey_codec, options = VIDEO_CODECS[path.suffix.lower()]
        self.codec = grey_codec if grey else colour_codec
        if deep and self.codec not in _DEEP_CODECS:
            raise ValueError(
                f"cannot write 16-bit frames to '{path}': {path.suffix} videos are written "
                f"with {self.codec} (8 bits); use a .mkv or .avi output (FFV1, lossless 16 "
                "bits) or a folder of 16-bit PNG frames")
        if self.codec not in av.codecs_available:
            raise ValueError(f"cannot write '{path}': this PyAV build has no {self.codec} "
                             "encoder; use a .mkv output (FFV1) or a folder")
        self.expand = grey and self.codec != "ffv1"  # grey as three equal channels
        if grey and not self.expand:
            self.pix_fmt = self.source = "gray16le" if deep else "gray"
        else:
            self.source = "rgb48le" if deep else "rgb24"
            self.pix_fmt = {"ffv1": "gbrp16le" if deep else "bgr0"}.get(self.codec, "rgb24")
        self.path = path
        self.temporary = path.with_name(f".{path.stem}.{os.getpid()}.partial{path.suffix}")
        self.rate = rate
        self.options = options
        self.container = None
        self.stream = None

    def done(self, index):
        return False

    def write(self, index, out):
        import av

        out = _stored(out)
        if self.expand:
            out = np.repeat(out[..., None], 3, axis=2)
        if self.container is None:
            self.container = av.open(str(self.temporary), mode="w")
            self.stream = self.container.add_stream(self.codec, rate=self.rate,
                                                    options=dict(self.options))
            self.stream.width, self.stream.height = out.shape[1], out.shape[0]
            self.stream.pix_fmt = self.pix_fmt
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(out), format=self.source)
        for packet in self.stream.encode(frame):
            self.container.mux(packet)

    def close(self, completed):
        if self.container is None:
            return
        try:
            if completed:
                for packet in self.stream.encode():
                    self.container.mux(packet)
            self.container.close()
            if completed:
                os.replace(self.temporary, self.path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                self.temporary.unlink()


# --- the whole video ----------------------------------------------------------------------


def upscale_video(source, output, scale, *, window=DEFAULT_WINDOW, method="l1btv",
                  motion="translation", psf_sigma=1.0, channels="luminance", max_frames=None,
                  overwrite=False, progress=False, n_threads=None, **options):
    """Super-resolve every frame of a video from its neighbours.

    Frame ``t`` is reconstructed by :func:`~classicsr.multiframe.reconstruct`
    from the window of ``window`` frames around it (:func:`window_bounds`),
    with ``t`` as the reference; frames are decoded lazily and only the
    window is held in memory (see the module notes and references).

    Parameters
    ----------
    source : str or Path
        A video file (decoded by PyAV) or a folder of images, as for
        :func:`~classicsr.multiframe.read_frames`.
    output : str or Path
        A video file ``.mkv`` / ``.avi`` (FFV1, lossless) or ``.mp4`` /
        ``.mov`` (H.264, lossless ``qp=0``, 8 bits), or a folder (any
        other path without a suffix) of PNG frames ``frame_000000.png``, ...
    scale : int
        Integer upscaling factor (one of the method's scales).
    window : int
        Frames per window (at least 2; a shorter clip uses all of its
        frames for every output frame). 5 by default.
    method : str
        A multi-frame method (``classicsr.available_methods('multiframe')``).
    motion : {'translation', 'affine', 'homography', 'flow'}
        Motion model, registered in every window (see
        :func:`~classicsr.multiframe.reconstruct`).
    psf_sigma : float or None
        Gaussian PSF standard deviation in output pixels; ``None``:
        estimated in every window (see :func:`~classicsr.multiframe.reconstruct`).
    channels : {'luminance', 'all'}
        As :func:`~classicsr.multiframe.reconstruct` (colour: Y by
        ``method``, Cb / Cr by shift-and-add with the same motion).
    max_frames : int, optional
        Use only the first ``max_frames`` frames of the clip (at least 2).
    overwrite : bool
        Replace an existing video file, or recompute every frame of an
        existing folder (whatever its settings). Without it a folder made
        with the same settings resumes (frames already written are
        skipped) and anything else that exists is refused.
    progress : bool
        Show a tqdm progress bar (one step per frame).
    n_threads : int, optional
        Numba threads of the solves (see :func:`~classicsr.multiframe.reconstruct`).
    **options
        The method's options (``lam``, ``iterations``, ...).

    Returns
    -------
    VideoResult
        The output path, frame counts and the time taken (``result.fps``).

    Warns
    -----
    UserWarning
        A truncated or damaged video (the frames before the damage are
        used), a frame size change, a poorly registered window.

    Raises
    ------
    TypeError, ValueError
        Bad arguments (naming the argument, its value and what is
        accepted), an unreadable input, an output suffix that is neither a
        video suffix nor absent, 16-bit frames to an 8-bit codec.
    FileExistsError
        ``output`` exists and may not be replaced or resumed.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from skimage import data
    >>> from classicsr.io import write_image
    >>> from classicsr.multiframe import simulate, upscale_video
    >>> frames, _ = simulate(data.camera()[100:196, 100:196], 2, n_frames=4, seed=0)
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> for k, frame in enumerate(frames):
    ...     write_image(folder / f"f_{k}.png", frame)
    >>> result = upscale_video(folder, folder / "sr", 2, window=3, method="shift_add")
    >>> result.n_frames, sorted(p.name for p in (folder / "sr").glob("*.png"))[:2]
    (4, ['frame_000000.png', 'frame_000001.png'])
    """
    from tqdm.auto import tqdm

    from .._dispatch import check_options
    from .._validation import check_integer_scale
    from ..registry import CHANNEL_MODES, get_method
    from .algorithms import check_option_values
    from .motion import MOTION_CHOICES
    from .reconstruction import _check_n_threads, reconstruct
    from .registration import RegistrationWarning

    start_time = time.perf_counter()
    source = check_path(source, "source")
    output = check_path(output, "output")
    info = get_method(method, kind="multiframe")
    scale = check_integer_scale(scale, allowed=info.scales)
    window = check_int(window, "window", minimum=2)
    motion = check_choice(motion, "motion", MOTION_CHOICES)
    psf_sigma = check_real(psf_sigma, "psf_sigma", minimum=0, allow_none=True)
    channels = check_choice(channels, "channels", CHANNEL_MODES)
    max_frames = check_int(max_frames, "max_frames", minimum=2, allow_none=True)
    overwrite = check_bool(overwrite, "overwrite")
    progress = check_bool(progress, "progress")
    n_threads = _check_n_threads(n_threads)
    check_option_values(info, check_options(info, dict(options)))
    suffix = output.suffix.lower()
    if suffix and suffix not in VIDEO_CODECS:
        raise ValueError(
            f"output '{output}': unsupported video suffix {output.suffix!r}; accepted: "
            f"{', '.join(VIDEO_CODECS)} (PyAV), or a folder (a path without a suffix) for PNG "
            "frames")
    if source.exists() and output.exists() and source.resolve() == output.resolve():
        raise ValueError(f"output '{output}' is the input; choose another path")

    clip = _Clip(source, max_frames)
    deep = clip.dtype != np.uint8
    if suffix:
        writer = _VideoWriter(output, clip.rate, clip.grey, deep, overwrite)
    else:
        settings = {"source": str(source.resolve()), "scale": scale, "window": window,
                    "method": info.name, "motion": motion, "psf_sigma": psf_sigma,
                    "channels": channels, "max_frames": max_frames,
                    "options": {k: options[k] for k in sorted(options)}}
        writer = _FolderWriter(output, settings, overwrite)

    n = clip.n_frames
    todo = [t for t in range(n) if not writer.done(t)]
    skipped = n - len(todo)
    buffer = deque()  # (index, frame): the current window only
    decoded = clip.frames()
    next_index = 0  # the index of the next frame decoded
    completed = False
    output_shape = None
    unreliable = []  # output frames whose window had frames registration could not align
    try:
        with tqdm(total=n, initial=skipped, desc="video", unit="frame",
                  disable=not progress) as bar:
            for t in todo:
                lo, hi = window_bounds(t, n, window)
                while buffer and buffer[0][0] < lo:
                    buffer.popleft()
                while next_index < hi:  # frames before lo (resuming) are decoded, not kept
                    frame = next(decoded)
                    if next_index >= lo:
                        buffer.append((next_index, frame))
                    next_index += 1
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    out = reconstruct([f for _, f in buffer], scale, method=info.name,
                                      motion=motion, psf_sigma=psf_sigma, reference=t - lo,
                                      channels=channels, n_threads=n_threads, **options)
                for w in caught:  # one summary for the windows' registration warnings
                    if issubclass(w.category, RegistrationWarning):
                        unreliable.append(t)
                    else:
                        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
                output_shape = out.shape
                writer.write(t, out)
                bar.update(1)
            completed = True
    finally:
        decoded.close()
        writer.close(completed)
        if unreliable:
            frames = sorted(set(unreliable))
            listed = ", ".join(map(str, frames[:20])) + (" ..." if len(frames) > 20 else "")
            warnings.warn(
                f"registration was unreliable in the windows of {len(frames)} of {len(todo)} "
                f"output frames ({listed}); those frames may be worse than upscaling one "
                "frame: try another motion model (--motion affine / homography / flow) or a "
                "smaller --window", RegistrationWarning, stacklevel=2)
    if output_shape is None:
        output_shape = (scale * clip.shape[0], scale * clip.shape[1]) + tuple(clip.shape[2:])
    return VideoResult(output, n, len(todo), skipped, time.perf_counter() - start_time,
                       tuple(clip.shape), tuple(output_shape))

