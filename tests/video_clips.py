"""Writing test clips with PyAV (shared by the video tests; not a test module)."""

import av
import numpy as np


def write_video(path, frames, codec, pix_fmt, rate=10):
    """Encode ``frames`` (RGB or grey, uint8 or uint16) with PyAV."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=rate)
        stream.width, stream.height = frames[0].shape[1], frames[0].shape[0]
        stream.pix_fmt = pix_fmt
        for array in frames:
            deep = array.dtype == np.uint16
            source = ("gray16le" if deep else "gray") if array.ndim == 2 else (
                "rgb48le" if deep else "rgb24")
            for packet in stream.encode(av.VideoFrame.from_ndarray(array, format=source)):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def write_avi(path, frames, rate=8):
    """Uncompressed bgr24 AVI (as the shared clips); grey frames stored as RGB."""
    rgb = [np.repeat(f[..., None], 3, axis=2) if f.ndim == 2 else f for f in frames]
    return write_video(path, rgb, "rawvideo", "bgr24", rate=rate)
