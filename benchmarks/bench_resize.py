"""Benchmark ``classicsr.imresize`` against OpenCV, Pillow and scikit-image.

Run from the repository root::

    python benchmarks/bench_resize.py              # full run
    python benchmarks/bench_resize.py --quick      # smoke run (3 repeats, half-size images)
    python benchmarks/bench_resize.py --repeats 30 --json /tmp/resize.json

What is measured
----------------
* Steady-state time per call: every function is called once as a warm-up,
  then ``--repeats`` times in this process with :func:`time.perf_counter`;
  the median (and the minimum) is reported. By default each function's runs
  are back to back; ``--interleave`` times the functions of a case
  round-robin instead (see :func:`time_functions` for the trade-off). Slow
  peers stop once ``--budget`` seconds are spent on them, after at least 3
  timed runs; the number of runs actually done is reported. The 1-minute
  load average is recorded per case: on a shared machine, rerun when it is
  high (Numba's and OpenCV's thread pools suffer most from competing load).
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
* Profile: each kernel call ``imresize`` makes is replayed and timed with
  the arguments ``classicsr.resize._imresize._resize`` gave it: the two
  separable 1-D passes (``resize_axis0``, ``resize_axis1[_runs]``) when they
  run apart, or the one fused kernel of an upscale (``resize_fused``, or
  ``resize_fused_fixed``, the exact int32 path for uint8/uint16 images whose
  weights are dyadic, e.g. bicubic x2 and x4).
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

import numpy as np

from _common import ROOT, write_json  # noqa: E402

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

def time_functions(fns, repeats, budget, interleave=False):
    """Time several functions; ``fns`` maps key -> callable.

    Each function is called once as a warm-up (untimed), then up to
    ``repeats`` times. By default the calls of one function run back to back
    (block mode). With ``interleave`` every round calls each function once
    (the starting point rotates), so slowly varying background load hits all
    functions alike; but then each call also pays for the previous library's
    worker threads still spinning (Numba's OpenMP pool, OpenCV's pool), which
    slows the threaded libraries by a few ms on a 2-CPU machine. A function
    stops once it has ``MIN_RUNS`` timings and has used ``budget`` seconds.
    Returns key -> {median_s, min_s, runs, times_s}.
    """
    keys = list(fns)
    times = {key: [] for key in keys}
    spent = dict.fromkeys(keys, 0.0)

    def one(key):
        t0 = time.perf_counter()
        fns[key]()
        dt = time.perf_counter() - t0
        times[key].append(dt)
        spent[key] += dt

    def done(key):
        return len(times[key]) >= MIN_RUNS and spent[key] > budget

    if interleave:
        for key in keys:
            fns[key]()
        gc.collect()
        for rnd in range(repeats):
            for key in keys[rnd % len(keys):] + keys[:rnd % len(keys)]:
                if not done(key):
                    one(key)
    else:
        for key in keys:
            fns[key]()
            gc.collect()
            for _ in range(repeats):
                if done(key):
                    break
                one(key)
    return {
        key: {
            "median_s": float(np.median(ts)),
            "min_s": float(min(ts)),
            "runs": len(ts),
            "times_s": ts,
        }
        for key, ts in times.items()
    }


def profile_passes(img, scale, repeats, budget, interleave=False, method="bicubic",
                   antialias=True):
    """Time the 1-D passes of ``imresize`` separately, and whole ``imresize``
    calls alongside.

    The kernels are called exactly as ``classicsr.resize._imresize._resize``
    calls them: one ``imresize`` call is made with
    ``classicsr.resize._kernels.resize_axis0/resize_axis1`` (and
    ``imresize.axis_weights``) temporarily wrapped to record their
    arguments, and each recorded kernel call is then replayed and timed. This
    follows ``_resize`` even if the kernels' signatures change.
    """
    import importlib

    import classicsr

    _kernels = importlib.import_module("classicsr.resize._kernels")
    # (``classicsr.resize._imresize`` the attribute is the function, not the module)
    imresize_mod = importlib.import_module("classicsr.resize._imresize")

    _fixed = importlib.import_module("classicsr.resize._fixed_kernels")
    calls, weights = [], []
    modules = {"resize_axis0": _kernels, "resize_axis1": _kernels,
               "resize_axis1_runs": _kernels, "resize_fused": _kernels,
               "resize_fused_fixed": _fixed}
    real = {name: getattr(mod, name) for name, mod in modules.items()}
    real_aw = imresize_mod.axis_weights

    def recorder(name):
        def wrapped(*args, **kwargs):
            calls.append((name, real[name], args, kwargs))
            return real[name](*args, **kwargs)
        return wrapped

    def aw_recorder(*args):
        res = real_aw(*args)
        weights.append((args, res))
        return res

    try:
        for name in real:
            setattr(modules[name], name, recorder(name))
        imresize_mod.axis_weights = aw_recorder
        classicsr.imresize(img, scale, method=method, antialias=antialias)
    finally:
        for name, fn in real.items():
            setattr(modules[name], name, fn)
        imresize_mod.axis_weights = real_aw

    fns = {"imresize": lambda: classicsr.imresize(img, scale, method=method,
                                                  antialias=antialias)}
    passes = []
    for step, (name, fn, args, kwargs) in enumerate(calls):
        fns[f"step{step}"] = lambda fn=fn, args=args, kwargs=kwargs: fn(*args, **kwargs)
        src, out = args[0], (kwargs["out"] if "out" in kwargs else args[-1])
        info = {
            "step": step,
            "kernel": name,
            "in_shape": list(src.shape),
            "out_shape": list(out.shape),
            "in_dtype": str(src.dtype),
            "out_dtype": str(out.dtype),
            "weights_dtype": str(args[1].dtype) if isinstance(args[1], np.ndarray) else None,
            "output_values": int(out.size),
        }
        one_axis = name in ("resize_axis0", "resize_axis1", "resize_axis1_runs")
        if one_axis and step < len(weights):
            aw_args, aw = weights[step]
            taps = np.asarray(aw.hi) - np.asarray(aw.lo)
            t0 = time.perf_counter()
            getattr(real_aw, "__wrapped__", real_aw)(*aw_args)
            info.update({
                "axis_weights_args": list(aw_args),
                "taps_mean": float(taps.mean()),
                "taps_max": int(taps.max()),
                "weights_uncached_s": time.perf_counter() - t0,
            })
        passes.append(info)
    timings = time_functions(fns, repeats, budget, interleave)
    for p in passes:
        t = timings[f"step{p['step']}"]
        p.update({k: v for k, v in t.items() if k != "times_s"})
        p["ns_per_output_value"] = p["median_s"] * 1e9 / p["output_values"]
        if "taps_mean" in p:
            p["ns_per_tap"] = p["ns_per_output_value"] / p["taps_mean"]
    full = timings["imresize"]
    return passes, {k: v for k, v in full.items() if k != "times_s"}


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

def source_fingerprint():
    """sha256 (first 12 hex digits) of the resize sources and the git HEAD, so
    results can be tied to a code version (the kernels are being tuned)."""
    import hashlib

    files = {}
    for path in sorted((ROOT / "classicsr" / "resize").glob("*.py")):
        files[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=False).stdout.strip() or None
    except OSError:
        head = None
    return {"git_head": head, "classicsr/resize": files}


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



def _fmt(x, spec, none="-"):
    return none if x is None else format(x, spec)


def print_case(case):
    print(f"\n== {case['name']}: {case['input']} -> {case['output_shape'][0]}x"
          f"{case['output_shape'][1]} (scale {case['scale_label']}) ==  [1-min load "
          + " -> ".join(f"{x:.2f}" for x in case["loadavg_1min_before_after"]) + "]")
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
    ap.add_argument("--threads", type=int, default=None,
                    help="limit both Numba (numba.set_num_threads) and OpenCV "
                         "(cv2.setNumThreads) to N threads; default: their own defaults. "
                         "Pillow and scikit-image are single-threaded either way")
    ap.add_argument("--interleave", action="store_true",
                    help="time the functions of a case round-robin instead of back to back "
                         "(evens out varying background load, but each call then pays for "
                         "the previous library's spinning worker threads)")
    ap.add_argument("--no-jit", action="store_true",
                    help="skip the JIT compile-time subprocesses")
    args = ap.parse_args(argv)
    repeats = args.repeats if args.repeats is not None else (3 if args.quick else 15)
    if repeats < 1:
        ap.error("--repeats must be >= 1")
    budget = args.budget if args.budget is not None else (5.0 if args.quick else 20.0)

    import classicsr

    if args.threads is not None:
        import cv2
        import numba

        if args.threads < 1:
            ap.error("--threads must be >= 1")
        numba.set_num_threads(min(args.threads, numba.config.NUMBA_NUM_THREADS))
        cv2.setNumThreads(args.threads)

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
    fingerprint_start = source_fingerprint()  # the kernels are imported by now
    info = machine_info()

    print("classicsr.imresize benchmark" + (" (QUICK)" if args.quick else ""))
    print(f"CPU: {info['cpu_model']} | cpu_count={info['cpu_count']} "
          f"affinity={info['cpu_affinity']} | numba {info['versions']['numba']} "
          f"layer={info['numba_threading_layer']} threads={info['numba_get_num_threads']} "
          f"(env NUMBA_NUM_THREADS={info['env_NUMBA_NUM_THREADS']}) | "
          f"cv2 {info['versions']['opencv']} threads={info['cv2_num_threads']} | "
          f"Pillow {info['versions']['pillow']} | skimage {info['versions']['scikit-image']}")
    mode = "interleaved rounds" if args.interleave else "back-to-back runs"
    print(f"median of up to {repeats} {mode} after 1 warm-up call each, "
          f"per-function budget {budget:g}s; ratio = peer time / classicsr time "
          f"(>1: classicsr faster)")
    load = os.getloadavg()[0]
    if load > 0.25 * (os.cpu_count() or 1):
        print(f"WARNING: 1-min load average is {load:.2f} on {os.cpu_count()} CPUs before "
              f"starting: other processes compete for the CPUs, timings will be noisy")

    cases = []
    for name, key, scale, scale_label in case_specs:
        img = images[key]
        out_hw = tuple(math.ceil(scale * n) for n in img.shape[:2])
        peers = make_peers(img, scale, out_hw)
        ref = as_output("classicsr", peers[0][2](), img.dtype)
        assert ref.shape[:2] == out_hw, (ref.shape, out_hw)
        data_range = 255.0 if img.dtype == np.uint8 else 1.0
        agreements = {pkey: agreement(ref, as_output(pkey, fn(), img.dtype), data_range)
                      for pkey, _, fn, _ in peers[1:]}
        load_before = os.getloadavg()[0]
        timings = time_functions({pkey: fn for pkey, _, fn, _ in peers}, repeats, budget,
                                 args.interleave)
        base = timings["classicsr"]["median_s"]
        results = []
        for pkey, label, _fn, note in peers:
            timing = timings[pkey]
            agree = agreements.get(pkey)
            results.append({
                "key": pkey, "label": label, "note": note,
                **timing,
                "ratio_vs_classicsr": timing["median_s"] / base,
                "agreement": agree,
            })
        case = {
            "name": name, "input": describe(img), "input_shape": list(img.shape),
            "dtype": str(img.dtype), "scale": scale, "scale_label": scale_label,
            "output_shape": list(out_hw),
            "loadavg_1min_before_after": [load_before, os.getloadavg()[0]],
            "results": results,
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
        passes, full_timing = profile_passes(images[key], scale, repeats, budget,
                                             args.interleave)
        full = full_timing["median_s"]
        total = sum(p["median_s"] for p in passes)
        profile[name] = {"passes": passes, "imresize": full_timing, "imresize_median_s": full,
                         "sum_of_passes_s": total, "overhead_s": full - total}
        print(f"{name}: imresize {full * 1e3:.2f} ms = "
              + " + ".join(f"{p['kernel']} {p['median_s'] * 1e3:.2f} ms "
                           f"({100 * p['median_s'] / full:.0f}%)" for p in passes)
              + f" + rest {(full - total) * 1e3:.2f} ms "
              "(imresize - passes; noise can make it < 0)")
        for p in passes:
            line = (f"    step {p['step']} {p['kernel']}: {tuple(p['in_shape'])} "
                    f"{p['in_dtype']} -> {tuple(p['out_shape'])} {p['out_dtype']} "
                    f"(weights {p['weights_dtype']}), median {p['median_s'] * 1e3:.2f} ms "
                    f"min {p['min_s'] * 1e3:.2f} ms; "
                    f"{p['ns_per_output_value']:.2f} ns/output value")
            if "taps_mean" in p:
                line += (f", taps mean {p['taps_mean']:.2f} max {p['taps_max']} "
                         f"({p['ns_per_tap']:.2f} ns/tap); weights uncached "
                         f"{p['weights_uncached_s'] * 1e3:.2f} ms")
            print(line)

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
            print(f"{name:<13} empty cache: 1st {c['first_s']:.3f} s, "
                  f"2nd {c['second_s'] * 1e3:.1f} ms -> compile "
                  f"~{c['first_minus_second_s']:.3f} s | warm disk cache: "
                  f"1st {w['first_s'] * 1e3:.1f} ms, 2nd {w['second_s'] * 1e3:.1f} ms "
                  f"(load overhead {w['first_minus_second_s'] * 1e3:.1f} ms)")
        print("  (uint8 runs first in each process, so its numbers include Numba's "
              "one-time initialisation, e.g. starting the threading layer)")

    fingerprint_end = source_fingerprint()
    if fingerprint_end != fingerprint_start:
        print("\nWARNING: classicsr/resize sources changed while this benchmark ran; the "
              "in-process timings use the version imported at the start, the JIT "
              "subprocesses a later one. Rerun for consistent numbers.")

    payload = {
        "benchmark": "classicsr.imresize vs cv2 / Pillow / skimage",
        "timestamp_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "quick": args.quick,
        "threads_arg": args.threads,
        "repeats": repeats,
        "budget_s": budget,
        "statistic": "median of timed runs after one warm-up call (time.perf_counter); "
                     + ("functions of a case timed round-robin (interleaved rounds)"
                        if args.interleave else "each function's runs back to back"),
        "interleave": args.interleave,
        "loadavg_end": list(os.getloadavg()),
        "ratio_definition": "peer median time / classicsr median time (>1: classicsr faster)",
        "agreement_note": "informational only: peers are not MATLAB-exact; interior "
                          f"excludes a {BORDER}-pixel output border; psnr None = identical",
        "images": "skimage.data astronaut (RGB) / camera (grey, /255 float64), "
                  "mirror-tiled to size",
        "machine": info,
        "source_fingerprint": fingerprint_start,
        "source_changed_during_run": fingerprint_end != fingerprint_start,
        "cases": cases,
        "targets": targets,
        "profile": profile,
        "jit": jit,
    }
    write_json(args.json, payload)
    print(f"\nJSON written to {Path(args.json).resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
