"""Speed of whole-video super-resolution (``upscale_video``) on a 256 x 256 clip.

Run from the repository root::

    python benchmarks/bench_video.py                  # l1btv, map, shift_add; grey and colour
    python benchmarks/bench_video.py --quick          # l1btv and shift_add, grey only
    python benchmarks/bench_video.py --frames 24      # a longer clip

What is measured
----------------
A clip of ``--frames`` (default 10) frames of 256 x 256 pixels, simulated
from a 512 x 512 image (:func:`classicsr.multiframe.simulate`, x2,
translations, ``psf_sigma=1``, noise 2/255, seed 0): ``skimage.data.camera()``
(grey) and ``skimage.data.astronaut()`` (colour), written as an
uncompressed AVI. :func:`classicsr.multiframe.upscale_video` super-resolves
every frame at x2 (512 x 512 outputs) with a window of 5 frames, motion
registered (translation) in every window, into a folder of PNG frames and
into an FFV1 ``.mkv``. After one warm-up call on a 3-frame clip (Numba JIT),
the wall time of the whole call (decoding, registration, reconstruction,
writing) gives frames per second. Numba threads: ``NUMBA_NUM_THREADS``
(run with ``NUMBA_NUM_THREADS=1`` for the one-thread figure). The load
average before and after is recorded: other processes sharing the cores
inflate every timing; so is, as a yardstick, the time of the README's
multi-frame case measured in the same run (``reconstruct`` of 16 frames of
128 x 128 to x2 with ``l1btv``, registration included: 0.39 s on an idle
machine per the README, 0.31 s + 0.08 s), median of 3 runs after a warm-up.
Results: ``benchmarks/results/video.json``.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
from _common import ROOT, timed, write_json

DEFAULT_JSON = ROOT / "benchmarks" / "results" / "video.json"


def write_clip(path, frames):
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("rawvideo", rate=25)
        stream.width, stream.height = frames[0].shape[1], frames[0].shape[0]
        stream.pix_fmt = "bgr24"
        for array in frames:
            rgb = np.repeat(array[..., None], 3, axis=2) if array.ndim == 2 else array
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def main(argv=None):
    from skimage import data

    from classicsr.multiframe import reconstruct, simulate, upscale_video

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="l1btv and shift_add, grey only")
    parser.add_argument("--frames", type=int, default=10, help="frames of the clip")
    parser.add_argument("--window", type=int, default=5)
    parser.add_argument("--json", default=str(DEFAULT_JSON), help="where to write JSON")
    args = parser.parse_args(argv)
    methods = ("l1btv", "shift_add") if args.quick else ("l1btv", "map", "shift_add")
    scenes = {"grey": data.camera()}
    if not args.quick:
        scenes["colour"] = data.astronaut()
    load_before = os.getloadavg()
    burst, _ = simulate(data.camera()[128:384, 128:384], 2, n_frames=16, seed=0)
    yardstick, _ = timed(lambda: reconstruct(burst, 2, method="l1btv"), 3)
    print(f"yardstick: reconstruct 16 x 128 x 128 -> x2 l1btv {yardstick['median_s']:.2f} s "
          "(0.39 s on an idle machine)")
    rows = []
    print(f"{'clip':<8}{'method':<11}{'output':<8}{'frames':>7}{'seconds':>9}{'fps':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        warm = write_clip(tmp / "warm.avi", list(simulate(data.camera()[200:328, 200:328], 2,
                                                          n_frames=3, seed=1)[0]))
        for method in methods:
            upscale_video(warm, tmp / f"warm-{method}", 2, window=3, method=method)
        for scene, hr in scenes.items():
            frames, _ = simulate(hr, 2, n_frames=args.frames, seed=0)
            clip = write_clip(tmp / f"{scene}.avi", list(frames))
            for method in methods:
                for kind in ("folder", ".mkv"):
                    out = tmp / f"{scene}-{method}{'' if kind == 'folder' else kind}"
                    result = upscale_video(clip, out, 2, window=args.window, method=method)
                    rows.append({"clip": scene, "method": method, "output": kind,
                                 "frames": result.n_frames,
                                 "input_shape": list(result.input_shape),
                                 "output_shape": list(result.output_shape),
                                 "seconds": round(result.seconds, 2),
                                 "fps": round(result.fps, 3)})
                    print(f"{scene:<8}{method:<11}{kind:<8}{result.n_frames:>7}"
                          f"{result.seconds:>9.1f}{result.fps:>8.2f}", flush=True)
    payload = {
        "what": "upscale_video x2, 256x256 input frames, window "
                f"{args.window}, translation registered per window; wall time of the call",
        "threads": {v: os.environ.get(v) for v in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS",
                                                   "OPENBLAS_NUM_THREADS")},
        "cpu_count": os.cpu_count(),
        "load_average_before": load_before, "load_average_after": os.getloadavg(),
        "yardstick_16x128x128_l1btv_s": yardstick,
        "results": rows,
    }
    write_json(args.json, payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
