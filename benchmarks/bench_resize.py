#!/usr/bin/env python
"""Benchmark ``classicsr.imresize`` against OpenCV, Pillow and scikit-image.

Run from the repository root::

    python benchmarks/bench_resize.py              # full run
    python benchmarks/bench_resize.py --quick      # smoke run (3 repeats, half-size images)
    python benchmarks/bench_resize.py --repeats 30 --json /tmp/resize.json

What is measured
----------------
* Steady-state time per call: every function is called once as a warm-up,
  then ``--repeats`` times in this process with :func:`time.perf_counter`;
  the median (and the minimum) is reported. Slow peers stop early once
  ``--budget`` seconds are spent on them, after at least 3 timed runs; the
  number of runs actually done is reported.
* All timings are numpy-in / numpy-out. For Pillow that includes
  ``Image.fromarray`` and ``np.asarray`` (a "resize only" row on a
  pre-converted image is shown too). Pillow handles floats only in mode
  ``'F'`` (one channel, float32), so float64 inputs are converted to float32
  (inside the timing) and the result back to float64.
* ``ratio`` = peer time / classicsr time: above 1 means classicsr is faster.
* Numerical agreement with classicsr (max abs difference, PSNR on the whole
  image and on the interior without a border of 16 output pixels) is
  informational: none of the peers is MATLAB-exact (OpenCV's cubic uses
  a = -0.75 and replicated borders, Pillow's BICUBIC is a = -0.5 but rounds
  its fixed-point weights, scikit-image's order=3 is a cubic B-spline and
  antialiases with a Gaussian prefilter).
* JIT: classicsr's Numba kernels are compiled on first use and cached on
  disk. Compile time is measured in a fresh subprocess with
  ``NUMBA_CACHE_DIR`` pointed at an empty temporary directory (first call
  minus second call), then in another fresh subprocess on that now-populated
  cache (first call with a warm on-disk cache).
* Profile: the two separable 1-D passes of ``imresize`` are timed apart,
  calling ``classicsr.resize._kernels.resize_axis0/resize_axis1`` with the
  weights of ``classicsr.resize.weights.axis_weights`` exactly as
  ``classicsr.resize.imresize._resize`` does.
"""

import argparse
import gc
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

DEFAULT_JSON = ROOT / "benchmarks" / "results" / "resize.json"
BORDER = 16  # output pixels excluded by the "interior" PSNR
MIN_RUNS = 3


# --------------------------------------------------------------------------
# images
# --------------------------------------------------------------------------

def mirror_tile(img, reps):
    """Tile ``img`` ``reps x reps`` times, flipping every other tile so the
    result has no seams (a larger image with natural-image statistics)."""
    rows = []
    for i in range(reps):
        tile_row = img[::-1] if i % 2 else img
        rows.append(np.concatenate(
            [tile_row[:, ::-1] if j % 2 else tile_row for j in range(reps)], axis=1))
    return np.ascontiguousarray(np.concatenate(rows, axis=0))


def make_images(quick):
    """Realistic test images built from scikit-image's bundled samples."""
    from skimage import data

    astronaut = data.astronaut()          # 512x512x3 uint8
    camera = data.camera()                # 512x512 uint8
    if quick:
        astronaut = astronaut[::2, ::2]   # 256x256
        camera = camera[::2, ::2]
    grey = camera.astype(np.float64) / 255.0
    return {
        "rgb_small": mirror_tile(astronaut, 2),   # 1024^2 (quick: 512^2)
        "rgb_large": mirror_tile(astronaut, 4),   # 2048^2 (quick: 1024^2)
        "grey_small": mirror_tile(grey, 2),       # 1024^2 float64
        "grey_mid": mirror_tile(grey, 3),         # 1536^2 float64 (divisible by 3)
    }


def describe(img):
    ch = "RGB" if img.ndim == 3 else "grey"
    return f"{img.shape[0]}x{img.shape[1]} {ch} {img.dtype}"


# --------------------------------------------------------------------------
# peers
# --------------------------------------------------------------------------

def make_peers(img, scale, out_hw):
    """Return ``[(key, label, fn, note)]`` for one case; the first is classicsr."""
    import cv2
    from PIL import Image
    from skimage.transform import resize as sk_resize

    import classicsr

    h, w = out_hw
    down = scale < 1
    is_float = img.dtype.kind == "f"
    peers = [("classicsr", "classicsr.imresize bicubic",
              lambda: classicsr.imresize(img, scale, method="bicubic"), "")]

    if down:
        peers.append(("cv2_area", "cv2.resize INTER_AREA",
                      lambda: cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA), ""))
    peers.append(("cv2_cubic", "cv2.resize INTER_CUBIC",
                  lambda: cv2.resize(img, (w, h), interpolation=cv2.INTER_CUBIC),
                  "no antialiasing (reference only)" if down else ""))

    bicubic = Image.Resampling.BICUBIC
    if is_float:
        def pil_full():
            # mode 'F' is single-channel float32 only: convert there and back
            im = Image.fromarray(img.astype(np.float32))
            out = im.resize((w, h), bicubic, reducing_gap=None)
            return np.asarray(out).astype(np.float64)
        pil_img = Image.fromarray(img.astype(np.float32))
        pil_note = "float64 -> float32 mode 'F' -> float64"
    else:
        def pil_full():
            return np.asarray(Image.fromarray(img).resize((w, h), bicubic, reducing_gap=None))
        pil_img = Image.fromarray(img)
        pil_note = ""

    def pil_core():
        return pil_img.resize((w, h), bicubic, reducing_gap=None)

    peers.append(("pillow_bicubic", "Pillow BICUBIC", pil_full, pil_note))
    peers.append(("pillow_bicubic_core", "Pillow BICUBIC (resize only)", pil_core,
                  "pre-converted PIL image, no numpy conversion"
                  + ("; float32 mode 'F'" if is_float else "")))

    def sk():
        return sk_resize(img, (h, w), order=3, mode="symmetric", anti_aliasing=down,
                         preserve_range=True)

    peers.append(("skimage_order3", "skimage resize order=3" + (" +AA" if down else ""),
                  sk, "returns float64 (cast back to the input dtype outside the timing)"))
    return peers


def as_output(key, out, dtype):
    """Bring a peer's output to a numpy array of the input dtype for comparison."""
    if key == "pillow_bicubic_core":
        out = np.asarray(out)
    out = np.asarray(out)
    if dtype.kind == "u" and out.dtype != dtype:
        info = np.iinfo(dtype)
        out = np.clip(np.rint(out), info.min, info.max).astype(dtype)
    return out


def agreement(ref, other, data_range):
    """Max abs difference and PSNR (dB, ``None`` when identical) of two outputs."""
    ref = np.asarray(ref, dtype=np.float64)
    other = np.asarray(other, dtype=np.float64)
    if other.shape != ref.shape:
        return {"shape_mismatch": list(other.shape)}

    def psnr(a, b):
        mse = float(np.mean((a - b) ** 2))
        return None if mse == 0 else 10.0 * math.log10(data_range ** 2 / mse)

    diff = np.abs(ref - other)
    inner = (slice(BORDER, -BORDER), slice(BORDER, -BORDER))
    return {
        "max_abs_diff": float(diff.max()),
        "max_abs_diff_interior": float(diff[inner].max()),
        "psnr_db": psnr(ref, other),
        "psnr_interior_db": psnr(ref[inner], other[inner]),
        "data_range": data_range,
    }


# --------------------------------------------------------------------------
# timing
# --------------------------------------------------------------------------

def time_calls(fn, repeats, budget):
    """Warm up once, then time up to ``repeats`` calls (perf_counter)."""
    fn()
    gc.collect()
    times = []
    start = time.perf_counter()
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        if len(times) >= MIN_RUNS and time.perf_counter() - start > budget:
            break
    return {
        "median_s": float(np.median(times)),
        "min_s": float(min(times)),
        "runs": len(times),
        "times_s": times,
    }


def profile_passes(img, scale, repeats, budget, method="bicubic", antialias=True):
    """Time the two 1-D passes of ``imresize`` separately (as ``_resize``)."""
    from classicsr.resize._kernels import resize_axis0, resize_axis1
    from classicsr.resize.imresize import _INT_MAX
    from classicsr.resize.weights import axis_weights

    dtype = img.dtype
    maxval = _INT_MAX.get(dtype, 0.0)
    work_dtype = dtype if maxval else np.float64
    out_shape = tuple(math.ceil(scale * n) for n in img.shape[:2])
    scales = (scale, scale)
    cur = np.ascontiguousarray(img if img.ndim == 3 else img[:, :, None])
    order = sorted((0, 1), key=lambda d: scales[d])
    passes = []
    for step, dim in enumerate(order):
        t0 = time.perf_counter()
        axis_weights.__wrapped__(cur.shape[dim], out_shape[dim], scales[dim], method, antialias)
        weights_s = time.perf_counter() - t0
        aw = axis_weights(cur.shape[dim], out_shape[dim], scales[dim], method, antialias)
        out_dtype = dtype if step == len(order) - 1 else work_dtype
        shape = list(cur.shape)
        shape[dim] = out_shape[dim]
        out = np.empty(shape, dtype=out_dtype)
        src = cur
        if dim == 0:
            h, w, c = src.shape

            def run(src=src, out=out, aw=aw, h=h, w=w, c=c, n=shape[0]):
                resize_axis0(src.reshape(h, w * c), aw.weights, aw.lo, aw.hi, aw.indices,
                             maxval, out.reshape(n, w * c))
            kernel = "resize_axis0"
        else:
            def run(src=src, out=out, aw=aw):
                resize_axis1(src, aw.weights, aw.lo, aw.hi, aw.indices, maxval, out)
            kernel = "resize_axis1"
        timing = time_calls(run, repeats, budget)
        taps = aw.hi - aw.lo
        n_values = int(np.prod(out.shape))
        passes.append({
            "step": step,
            "axis": dim,
            "kernel": kernel,
            "in_shape": list(src.shape),
            "out_shape": list(out.shape),
            "out_dtype": str(out.dtype),
            "taps_mean": float(taps.mean()),
            "taps_max": int(taps.max()),
            "weights_uncached_s": weights_s,
            **{k: v for k, v in timing.items() if k != "times_s"},
            "output_values": n_values,
            "ns_per_output_value": timing["median_s"] * 1e9 / n_values,
            "ns_per_tap": timing["median_s"] * 1e9 / (n_values * float(taps.mean())),
        })
        cur = out
    return passes


# --------------------------------------------------------------------------
# JIT compile time (fresh subprocesses)
# --------------------------------------------------------------------------

_JIT_SNIPPET = textwrap.dedent("""
    import json, sys, time
    t0 = time.perf_counter()
    import numba
    import numpy as np
    import classicsr
    from classicsr.resize import _kernels  # defining @njit functions compiles nothing
    import_s = time.perf_counter() - t0
    rng = np.random.default_rng(0)
    images = {
        "uint8_rgb": rng.integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8),
        "float64_grey": rng.random((SIZE, SIZE)),
    }
    res = {"import_s": import_s, "calls": {}}
    for name, img in images.items():
        ts = []
        for _ in range(3):
            t = time.perf_counter()
            classicsr.imresize(img, 2)
            ts.append(time.perf_counter() - t)
        res["calls"][name] = {
            "first_s": ts[0], "second_s": ts[1], "third_s": ts[2],
            "first_minus_second_s": ts[0] - ts[1],
        }
    res["threading_layer"] = numba.threading_layer()
    print("JSON:" + json.dumps(res))
""")


def _run_jit_subprocess(cache_dir, size):
    env = dict(os.environ)
    env["NUMBA_CACHE_DIR"] = str(cache_dir)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    code = _JIT_SNIPPET.replace("SIZE", str(size))
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"JIT subprocess failed:\n{proc.stderr}")
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("JSON:")][-1]
    res = json.loads(line[5:])
    res["process_wall_s"] = wall
    return res


def measure_jit(size):
    """Cold (empty NUMBA_CACHE_DIR) then warm (same dir, now populated) runs."""
    with tempfile.TemporaryDirectory(prefix="bench_resize_numba_") as cache_dir:
        cold = _run_jit_subprocess(cache_dir, size)
        cached_files = sorted(p.name for p in Path(cache_dir).rglob("*") if p.is_file())
        warm = _run_jit_subprocess(cache_dir, size)
    return {
        "image_size": size,
        "method": "fresh python subprocess per measurement; NUMBA_CACHE_DIR=<new empty "
                  "temp dir>; imresize(img, 2) called 3x per dtype, uint8 RGB first then "
                  "float64 grey; compile = first call - second call",
        "cold_cache": cold,
        "warm_disk_cache": warm,
        "cache_files_written": len(cached_files),
    }


# --------------------------------------------------------------------------
# machine info
# --------------------------------------------------------------------------

def machine_info():
    import cv2
    import numba
    import PIL
    import scipy
    import skimage

    import classicsr

    cpu_model = None
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu_model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = None
    try:
        threading_layer = numba.threading_layer()
    except ValueError:
        threading_layer = None
    try:
        cv2_features = cv2.getCPUFeaturesLine()
    except AttributeError:
        cv2_features = None
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_model": cpu_model,
        "cpu_count": os.cpu_count(),
        "cpu_affinity": affinity,
        "loadavg": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "python": sys.version.split()[0],
        "numba_threading_layer": threading_layer,
        "numba_num_threads_config": numba.config.NUMBA_NUM_THREADS,
        "numba_get_num_threads": numba.get_num_threads(),
        "env_NUMBA_NUM_THREADS": os.environ.get("NUMBA_NUM_THREADS"),
        "env_OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
        "cv2_num_threads": cv2.getNumThreads(),
        "cv2_cpu_features": cv2_features,
        "versions": {
            "classicsr": classicsr.__version__,
            "numpy": np.__version__,
            "numba": numba.__version__,
            "llvmlite": __import__("llvmlite").__version__,
            "opencv": cv2.__version__,
            "pillow": PIL.__version__,
            "scikit-image": skimage.__version__,
            "scipy": scipy.__version__,
        },
    }


# --------------------------------------------------------------------------
# output
# --------------------------------------------------------------------------

def write_json_atomic(path, payload):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(payload, fh, indent=2, allow_nan=False)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _fmt(x, spec, none="-"):
    return none if x is None else format(x, spec)


def print_case(case):
    print(f"\n== {case['name']}: {case['input']} -> {case['output_shape'][0]}x"
          f"{case['output_shape'][1]} (scale {case['scale_label']}) ==")
    hdr = (f"{'library / method':<36} {'median ms':>10} {'min ms':>9} {'runs':>5} "
           f"{'ratio':>7} {'max|d|':>9} {'PSNR dB':>8} {'PSNR int':>8}")
    print(hdr)
    print("-" * len(hdr))
    for r in case["results"]:
        a = r.get("agreement") or {}
        ratio = r["ratio_vs_classicsr"]
        maxd = a.get("max_abs_diff")
        print(f"{r['label']:<36} {r['median_s'] * 1e3:>10.2f} {r['min_s'] * 1e3:>9.2f} "
              f"{r['runs']:>5} {ratio:>6.2f}x "
              f"{_fmt(maxd, '.4g') if r['key'] != 'classicsr' else 'ref':>9} "
              f"{_fmt(a.get('psnr_db'), '.2f', 'inf' if a else '-'):>8} "
              f"{_fmt(a.get('psnr_interior_db'), '.2f', 'inf' if a else '-'):>8}")
    notes = [f"  * {r['label']}: {r['note']}" for r in case["results"] if r["note"]]
    if notes:
        print("\n".join(notes))


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=None,
                    help="timed calls per function after one warm-up (default 15, quick 3)")
    ap.add_argument("--quick", action="store_true",
                    help="smaller run: half-size images, 3 repeats, shorter budget")
    ap.add_argument("--budget", type=float, default=None,
                    help="seconds per function after which timing stops early "
                         "(at least 3 runs; default 20, quick 5)")
    ap.add_argument("--json", default=str(DEFAULT_JSON),
                    help=f"where to write the results (default {DEFAULT_JSON.relative_to(ROOT)})")
    ap.add_argument("--no-jit", action="store_true",
                    help="skip the JIT compile-time subprocesses")
    args = ap.parse_args(argv)
    repeats = args.repeats if args.repeats is not None else (3 if args.quick else 15)
    if repeats < 1:
        ap.error("--repeats must be >= 1")
    budget = args.budget if args.budget is not None else (5.0 if args.quick else 20.0)

    import classicsr

    images = make_images(args.quick)
    case_specs = [
        ("x2_up_rgb_uint8", "rgb_small", 2, "x2"),
        ("div4_down_rgb_uint8", "rgb_large", 0.25, "/4"),
        ("x2_up_grey_float64", "grey_small", 2, "x2"),
        ("div3_down_grey_float64", "grey_mid", 1 / 3, "/3"),
    ]

    # Warm the kernels of this process (on-disk cache or compile) before
    # anything is timed, and initialise Numba's threading layer.
    for _, key, scale, _ in case_specs:
        classicsr.imresize(images[key], scale)
    info = machine_info()

    print("classicsr.imresize benchmark" + (" (QUICK)" if args.quick else ""))
    print(f"CPU: {info['cpu_model']} | cpu_count={info['cpu_count']} "
          f"affinity={info['cpu_affinity']} | numba {info['versions']['numba']} "
          f"layer={info['numba_threading_layer']} threads={info['numba_get_num_threads']} "
          f"(env NUMBA_NUM_THREADS={info['env_NUMBA_NUM_THREADS']}) | "
          f"cv2 {info['versions']['opencv']} threads={info['cv2_num_threads']} | "
          f"Pillow {info['versions']['pillow']} | skimage {info['versions']['scikit-image']}")
    print(f"median of up to {repeats} runs after 1 warm-up, per-function budget {budget:g}s; "
          f"ratio = peer time / classicsr time (>1: classicsr faster)")

    cases = []
    for name, key, scale, scale_label in case_specs:
        img = images[key]
        out_hw = tuple(math.ceil(scale * n) for n in img.shape[:2])
        ref = None
        results = []
        for pkey, label, fn, note in make_peers(img, scale, out_hw):
            out = as_output(pkey, fn(), img.dtype)
            timing = time_calls(fn, repeats, budget)
            if pkey == "classicsr":
                assert out.shape[:2] == out_hw, (out.shape, out_hw)
                ref = out
                base = timing["median_s"]
                agree = None
            else:
                data_range = 255.0 if img.dtype == np.uint8 else 1.0
                agree = agreement(ref, out, data_range)
            results.append({
                "key": pkey, "label": label, "note": note,
                **timing,
                "ratio_vs_classicsr": timing["median_s"] / base,
                "agreement": agree,
            })
        case = {
            "name": name, "input": describe(img), "input_shape": list(img.shape),
            "dtype": str(img.dtype), "scale": scale, "scale_label": scale_label,
            "output_shape": list(out_hw), "results": results,
        }
        cases.append(case)
        print_case(case)

    # --- targets ---------------------------------------------------------
    def ratio(case_name, peer):
        case = next(c for c in cases if c["name"] == case_name)
        return next(r for r in case["results"] if r["key"] == peer)["ratio_vs_classicsr"]

    up_cv2 = ratio("x2_up_rgb_uint8", "cv2_cubic")
    up_pil = ratio("x2_up_rgb_uint8", "pillow_bicubic")
    down_pil = ratio("div4_down_rgb_uint8", "pillow_bicubic")
    targets = [
        {"target": "x2 upscale: classicsr within 3x of cv2 INTER_CUBIC (aim 2x)",
         "classicsr_over_cv2": 1 / up_cv2, "pass": 1 / up_cv2 <= 3.0,
         "aim_2x_met": 1 / up_cv2 <= 2.0},
        {"target": "x2 upscale: classicsr >= 5x faster than Pillow BICUBIC",
         "pillow_over_classicsr": up_pil, "pass": up_pil >= 5.0},
        {"target": "/4 downscale: classicsr >= 5x faster than Pillow BICUBIC",
         "pillow_over_classicsr": down_pil, "pass": down_pil >= 5.0},
    ]
    print("\n== targets (case 1 / case 2, uint8 RGB) ==")
    print(f"x2 upscale  : classicsr time = {1 / up_cv2:.2f}x cv2 INTER_CUBIC time "
          f"(target <= 3x, aim <= 2x) -> {'PASS' if targets[0]['pass'] else 'FAIL'}"
          f"{' (aim met)' if targets[0]['aim_2x_met'] else ''}")
    print(f"x2 upscale  : Pillow / classicsr = {up_pil:.2f}x (target >= 5x) -> "
          f"{'PASS' if targets[1]['pass'] else 'FAIL'}")
    print(f"/4 downscale: Pillow / classicsr = {down_pil:.2f}x (target >= 5x) -> "
          f"{'PASS' if targets[2]['pass'] else 'FAIL'}")

    # --- per-pass profile -------------------------------------------------
    profile = {}
    print("\n== per-pass profile (classicsr kernels called as imresize._resize does) ==")
    for name, key, scale, _ in case_specs:
        passes = profile_passes(images[key], scale, repeats, budget)
        full = next(c for c in cases if c["name"] == name)["results"][0]["median_s"]
        total = sum(p["median_s"] for p in passes)
        profile[name] = {"passes": passes, "imresize_median_s": full,
                         "sum_of_passes_s": total, "overhead_s": full - total}
        print(f"{name}: imresize {full * 1e3:.2f} ms = "
              + " + ".join(f"{p['kernel']} {p['median_s'] * 1e3:.2f} ms "
                           f"({100 * p['median_s'] / full:.0f}%)" for p in passes)
              + f" + rest {(full - total) * 1e3:.2f} ms (imresize - passes; noise can make it < 0)")
        for p in passes:
            print(f"    step {p['step']} {p['kernel']}: {tuple(p['in_shape'])} -> "
                  f"{tuple(p['out_shape'])} {p['out_dtype']}, taps mean {p['taps_mean']:.2f} "
                  f"max {p['taps_max']}; {p['ns_per_output_value']:.2f} ns/output value, "
                  f"{p['ns_per_tap']:.2f} ns/tap; weights (uncached) "
                  f"{p['weights_uncached_s'] * 1e3:.2f} ms")

    # --- JIT ---------------------------------------------------------------
    jit = None
    if not args.no_jit:
        size = images["rgb_small"].shape[0]
        print(f"\n== JIT (fresh subprocesses, imresize(img, 2) on {size}x{size}) ==")
        jit = measure_jit(size)
        print(f"numba+classicsr import: cold {jit['cold_cache']['import_s']:.2f} s, "
              f"warm {jit['warm_disk_cache']['import_s']:.2f} s; "
              f"cache files written to the empty dir: {jit['cache_files_written']}")
        for name in ("uint8_rgb", "float64_grey"):
            c = jit["cold_cache"]["calls"][name]
            w = jit["warm_disk_cache"]["calls"][name]
            print(f"{name:<13} empty cache: 1st {c['first_s']:.3f} s, 2nd {c['second_s'] * 1e3:.1f} ms"
                  f" -> compile ~{c['first_minus_second_s']:.3f} s | warm disk cache: "
                  f"1st {w['first_s'] * 1e3:.1f} ms, 2nd {w['second_s'] * 1e3:.1f} ms "
                  f"(load overhead {w['first_minus_second_s'] * 1e3:.1f} ms)")
        print("  (uint8 runs first in each process, so its numbers include Numba's "
              "one-time initialisation, e.g. starting the threading layer)")

    payload = {
        "benchmark": "classicsr.imresize vs cv2 / Pillow / skimage",
        "timestamp_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "quick": args.quick,
        "repeats": repeats,
        "budget_s": budget,
        "statistic": "median of timed runs after one warm-up call (time.perf_counter)",
        "ratio_definition": "peer median time / classicsr median time (>1: classicsr faster)",
        "agreement_note": "informational only: peers are not MATLAB-exact; interior "
                          f"excludes a {BORDER}-pixel output border; psnr None = identical",
        "images": "skimage.data astronaut (RGB) / camera (grey, /255 float64), "
                  "mirror-tiled to size",
        "machine": info,
        "cases": cases,
        "targets": targets,
        "profile": profile,
        "jit": jit,
    }
    write_json_atomic(args.json, payload)
    print(f"\nJSON written to {Path(args.json).resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
