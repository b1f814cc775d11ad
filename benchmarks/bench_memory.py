"""Peak memory of ``classicsr upscale`` on large photos, tiled and untiled.

1. Photos: ``classicsr upscale`` (the command line, in a subprocess whose
   peak resident memory is read with ``getrusage(RUSAGE_CHILDREN)`` by a
   wrapper process of its own) with ``aplus`` x2 on a 4000x6000 RGB
   photo-like PNG (scikit-image's astronaut mirrored and resized to that
   size, plus Gaussian noise), which ``classicsr.upscale`` tiles by itself,
   beside a 2000x3000 one run tiled (the command line) and untiled (the same
   read-upscale-write with ``tile=False``); the tiled and untiled outputs are
   compared pixel for pixel. Then an 8000x8000 RGB photo with ``bicubic``
   and ``aplus`` x2. Peak RSS (MB), wall time, the output size (raw) and
   the PNG written; a 64x64 run gives the start-up footprint (interpreter,
   libraries, Numba's cached kernels, the model). Beyond ``classicsr.upscale``
   itself (output + one tile), the command line's peak includes writing the
   PNG (the RGB-to-BGR copy of the output and the encoded bytes).
2. ``--per-method``: each single-image method's working memory per output
   pixel, the figure recorded as ``memory=`` in its registry entry: the
   tracemalloc peak of the method's function on a float64 luminance image at
   two sizes (per-pixel slope and fixed part), and the growth of the peak RSS
   (``ru_maxrss``) of a fresh process over its warm-up (which also counts
   Numba's and ONNX Runtime's own buffers, invisible to tracemalloc).

Heavy: run it alone on the machine.

    python benchmarks/bench_memory.py [--per-method] [--skip-8k] [--json PATH]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import ROOT, write_json  # noqa: E402

DEFAULT_JSON = ROOT / "benchmarks" / "results" / "memory.json"
#: The 24-megapixel photo must upscale x2 with aplus within this peak RSS.
PHOTO_LIMIT_MB = 2000

#: Runs its arguments as one child process and prints that child's peak RSS.
_WRAPPER = r"""
import json, resource, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True)
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": proc.returncode, "seconds": seconds,
                  "peak_rss_mb": usage.ru_maxrss / 1024 if sys.platform != "darwin"
                  else usage.ru_maxrss / 2**20,
                  "stderr": proc.stderr[-2000:], "stdout": proc.stdout[-500:]}))
"""

#: What ``classicsr upscale`` does, with classicsr.upscale's options in argv[5] (JSON).
_DRIVER = r"""
import json, sys
import classicsr
from classicsr.io import read_image, write_image
src, dst, scale, method, options = sys.argv[1:6]
img = read_image(src)
write_image(dst, classicsr.upscale(img, int(scale), method, **json.loads(options)),
            overwrite=True)
"""

#: Working memory of one method's function: tracemalloc and RSS growth.
_PER_METHOD = r"""
import gc, json, resource, sys, tracemalloc
import numpy as np
from skimage import data, transform
from classicsr.registry import get_method
name, scale, mode = sys.argv[1], int(sys.argv[2]), sys.argv[4]
sides = [int(s) for s in sys.argv[3].split(",")]
info = get_method(name)
big = max(sides)
y = transform.resize(data.astronaut()[..., 1] / 255.0, (big, big), order=3)
y = np.clip(y + np.random.default_rng(0).normal(0, 0.02, y.shape), 0, 1)
info.function(np.ascontiguousarray(y[:24, :24]), scale)  # model, JIT, caches
gc.collect()
rows = []
for side in sides:
    lr = np.ascontiguousarray(y[:side, :side])
    if mode == "rss":
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        out = info.function(lr, scale)
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        rows.append({"side": side, "pixels": out.shape[0] * out.shape[1], "bytes": after - before})
    else:
        tracemalloc.start()
        out = info.function(lr, scale)
        rows.append({"side": side, "pixels": out.shape[0] * out.shape[1],
                     "bytes": tracemalloc.get_traced_memory()[1]})
        tracemalloc.stop()
    del out
    gc.collect()
print(json.dumps(rows))
"""


def _env():
    return dict(os.environ, PYTHONPATH=os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))


def synthetic_photo(height, width, seed=0):
    """A photo-like RGB uint8 image: the astronaut mirrored to the aspect ratio,
    resized to ``height x width`` (bicubic) and given Gaussian noise (sigma 4)."""
    import cv2
    from skimage import data

    base = data.astronaut()
    reps = (-(-height * base.shape[1] // (width * base.shape[0])), 1)
    tiled = np.concatenate([base if k % 2 == 0 else base[::-1] for k in range(reps[0])], 0)
    photo = cv2.resize(tiled, (width, height), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    rng = np.random.default_rng(seed)
    for row in range(0, height, 1024):  # in bands: keep this process small
        band = photo[row:row + 1024]
        band += rng.normal(0.0, 4.0, band.shape).astype(np.float32)
    return np.clip(np.round(photo), 0, 255).astype(np.uint8)


def measured(command):
    """Run ``command`` under the wrapper: ``{rc, seconds, peak_rss_mb}``."""
    proc = subprocess.run([sys.executable, "-c", _WRAPPER, *command], env=_env(),
                          capture_output=True, text=True, check=True)
    result = json.loads(proc.stdout)
    if result["rc"] != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result['stderr']}")
    return {k: result[k] for k in ("seconds", "peak_rss_mb")}


def cli(src, dst, method, scale=2):
    return measured([sys.executable, "-m", "classicsr", "upscale", str(src), str(dst),
                     "--scale", str(scale), "--method", method, "--overwrite"])


def untiled(src, dst, method, scale=2):
    options = json.dumps({"tile": False, "max_memory": "64GB"})
    return measured([sys.executable, "-c", _DRIVER, str(src), str(dst), str(scale), method,
                     options])


def bench_photos(folder, skip_8k):
    from classicsr.io import read_image, write_image

    rows = []

    def row(label, size, method, run, written):
        print(f"  {label} {size} {method} ...", flush=True)
        result = run()
        h, w = size
        result.update({"run": label, "input": f"{h}x{w}x3 uint8", "method": method,
                       "scale": 2, "output_mb": 3 * 4 * h * w / 1e6,
                       "png_written_mb": written.stat().st_size / 1e6})
        rows.append(result)
        return result

    tiny = folder / "photo_64x64.png"
    small, photo = folder / "photo_2000x3000.png", folder / "photo_4000x6000.png"
    write_image(tiny, synthetic_photo(64, 64))
    write_image(small, synthetic_photo(2000, 3000))
    write_image(photo, synthetic_photo(4000, 6000))
    # warm the Numba cache and the models once, outside the measurements
    cli(small, folder / "warm.png", "aplus")
    # start-up: interpreter, libraries, Numba's cached kernels, the model
    row("start-up (tiny image)", (64, 64), "aplus",
        lambda: cli(tiny, folder / "tiny_out.png", "aplus"), folder / "tiny_out.png")
    row("classicsr upscale (tiled)", (2000, 3000), "aplus",
        lambda: cli(small, folder / "small_tiled.png", "aplus"), folder / "small_tiled.png")
    row("untiled (tile=False)", (2000, 3000), "aplus",
        lambda: untiled(small, folder / "small_untiled.png", "aplus"),
        folder / "small_untiled.png")
    identical = bool(np.array_equal(read_image(folder / "small_tiled.png"),
                                    read_image(folder / "small_untiled.png")))
    big = row("classicsr upscale (tiled)", (4000, 6000), "aplus",
              lambda: cli(photo, folder / "photo_out.png", "aplus"), folder / "photo_out.png")
    big["under_limit"] = big["peak_rss_mb"] < PHOTO_LIMIT_MB
    for p in (tiny, small, photo, folder / "small_tiled.png", folder / "small_untiled.png",
              folder / "photo_out.png", folder / "warm.png", folder / "tiny_out.png"):
        p.unlink(missing_ok=True)
    if not skip_8k:
        huge = folder / "photo_8000x8000.png"
        write_image(huge, synthetic_photo(8000, 8000))
        for method in ("bicubic", "aplus"):
            row("classicsr upscale", (8000, 8000), method,
                lambda: cli(huge, folder / "huge_out.png", method), folder / "huge_out.png")
            (folder / "huge_out.png").unlink(missing_ok=True)
    return rows, identical


def per_method(scale=2, methods=None):
    import classicsr
    from classicsr.modelstore import has_shipped_model
    from classicsr.registry import missing_requirements

    table = {}
    for name, info in classicsr.available_methods().items():
        if (info.model is not None and not has_shipped_model(info.model, scale)) \
                or missing_requirements(info) or (methods and name not in methods):
            continue
        sides = "128,256" if name == "scsr" else "256,512"
        rss_side = "512" if name == "scsr" else "1000"  # one size per process: ru_maxrss
        result = {}                                      # only grows
        for mode, which in (("tracemalloc", sides), ("rss", rss_side)):
            proc = subprocess.run([sys.executable, "-c", _PER_METHOD, name, str(scale), which,
                                   mode], env=_env(), capture_output=True, text=True,
                                  check=True)
            result[mode] = json.loads(proc.stdout)
        (a, b) = result["tracemalloc"][:2]
        slope = (b["bytes"] - a["bytes"]) / (b["pixels"] - a["pixels"])
        fixed = max(0.0, a["bytes"] - slope * a["pixels"])
        rss = result["rss"][-1]
        rss_per_pixel = (rss["bytes"] - fixed) / rss["pixels"]
        table[name] = {"tracemalloc_bytes_per_px": slope, "tracemalloc_fixed_mb": fixed / 1e6,
                       "rss_bytes_per_px": rss_per_pixel, "registered": info.memory,
                       "registered_fixed_mb": info.memory_fixed / 1e6, "raw": result}
        print(f"{name:10s} tracemalloc {slope:7.1f} B/px + {fixed / 1e6:6.1f} MB   "
              f"RSS {rss_per_pixel:7.1f} B/px   registered {info.memory}", flush=True)
    return table


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-method", action="store_true",
                        help="measure each method's bytes per output pixel instead")
    parser.add_argument("--methods", nargs="+", help="with --per-method: only these")
    parser.add_argument("--skip-8k", action="store_true", help="skip the 8000x8000 runs")
    parser.add_argument("--json", default=str(DEFAULT_JSON))
    args = parser.parse_args(argv)
    import platform

    path = Path(args.json)
    payload = json.loads(path.read_text()) if path.is_file() else {}
    payload["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count(),
                          "numba_threads": os.environ.get("NUMBA_NUM_THREADS", "all"),
                          "load_1min": os.getloadavg()[0], "date": time.strftime("%Y-%m-%d")}
    if args.per_method:
        table = per_method(methods=args.methods)
        payload["per_method_x2"] = {**payload.get("per_method_x2", {}), **table}
    else:
        with tempfile.TemporaryDirectory(dir=ROOT.parent if os.access(ROOT.parent, os.W_OK)
                                         else None) as tmp:
            rows, identical = bench_photos(Path(tmp), args.skip_8k)
        payload["photos"] = rows
        payload["tiled_equals_untiled_2000x3000"] = identical
        payload["photo_limit_mb"] = PHOTO_LIMIT_MB
        print(f"\n{'run':28s} {'input':18s} {'method':8s} {'peak RSS MB':>11s} "
              f"{'seconds':>8s} {'output MB':>9s} {'PNG MB':>7s}")
        for r in rows:
            print(f"{r['run']:28s} {r['input']:18s} {r['method']:8s} {r['peak_rss_mb']:11.0f} "
                  f"{r['seconds']:8.1f} {r['output_mb']:9.1f} {r['png_written_mb']:7.1f}")
        print(f"tiled == untiled (2000x3000, aplus x2): {identical}")
    write_json(path, payload)
    print(f"written {path}")


if __name__ == "__main__":
    main()
