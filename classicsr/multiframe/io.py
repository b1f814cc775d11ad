"""Reading a sequence of frames from a video file or a folder of images."""

import numpy as np

from .._validation import check_int, check_path
from ..io import IMAGE_SUFFIXES, is_image_file, read_image

__all__ = ["read_frames"]


def read_frames(path, max_frames=None):
    """Read the frames of a video file (OpenCV) or of a folder of images.

    Parameters
    ----------
    path : str or Path
        A folder: its PNG / JPEG / TIFF / BMP files in name order (other files
        are ignored). A file: a video OpenCV can decode (AVI, MP4, ...).
    max_frames : int, optional
        Keep only the first ``max_frames`` frames (at least 2: multi-frame
        reconstruction needs two).

    Returns
    -------
    list of ndarray
        The frames: RGB or greyscale, uint8 (or the image files' dtype).

    Raises
    ------
    TypeError
        ``path`` is not a path, ``max_frames`` not an integer.
    FileNotFoundError
        ``path`` does not exist.
    ValueError
        A folder without image files, a single image file, a video OpenCV
        cannot open or decode, or frames that cannot be decoded.
    """
    path = check_path(path, "path")
    max_frames = check_int(max_frames, "max_frames", minimum=2, allow_none=True)
    if not path.exists():
        raise FileNotFoundError(f"no such video file or folder: '{path}'")
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and is_image_file(p))
        if not files:
            raise ValueError(
                f"folder '{path}' holds no image files (accepted suffixes: "
                f"{', '.join(IMAGE_SUFFIXES)})")
        return [read_image(p) for p in files[:max_frames]]
    if is_image_file(path):
        raise ValueError(
            f"'{path}' is a single image; multi-frame reconstruction needs a video file or a "
            "folder of images (for one image use 'classicsr upscale')")
    return _read_video(path, max_frames)


def _read_video(path, max_frames):
    import cv2

    capture = cv2.VideoCapture(str(path))
    try:
        if not capture.isOpened():
            raise ValueError(
                f"cannot open video '{path}': not a video OpenCV can read (corrupt, "
                "truncated or an unsupported format?)")
        frames = []
        while max_frames is None or len(frames) < max_frames:
            ok, frame = capture.read()
            if not ok or frame is None:
                break
            if frame.ndim == 3 and frame.shape[2] == 3:
                frame = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
            frames.append(np.ascontiguousarray(frame))
    finally:
        capture.release()
    if not frames:
        raise ValueError(f"no frame of video '{path}' could be decoded")
    return frames
