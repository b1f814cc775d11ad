"""Check and time the CNN baselines on CUDA against CPU on one large image.

Loads srcnn and fsrcnn (x3) with ``CUDAExecutionProvider`` and checks ONNX
Runtime really runs them there (it falls back to CPU silently otherwise),
compares the CUDA output with the CPU output, and times a large LR image
(``--size``, the astronaut's luminance resized to it) on both, with the
default tiles and in one piece. With ``--algo-search`` (needs Set14, see
``CLASSICSR_DATA``) it also compares cuDNN's algorithm choices
(``cudnn_conv_algo_search``) over Set14: three passes over the 14 images,
whose sizes all differ (ONNX Runtime sets up the convolutions again at each
new input shape), the median of 5 calls per image, and the 1024^2 image.
Prints a table and writes JSON (``benchmarks/results/cnn_cuda_large.json``).
Needs onnxruntime-gpu and a GPU.

    python benchmarks/check_cnn_cuda.py [--size 1024] [--repeats 5] [--algo-search]
"""

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np

from _common import timed as timed_runs
from _common import write_json
from bench_cnn import gpu_name, set14_inputs

import classicsr

from classicsr.modelstore import clear_cache
from classicsr.cnn.baselines import load_cnn
from classicsr.datasets import default_image, find_data_root
from classicsr.protocol import hr_luminance

HERE = Path(__file__).resolve().parent
CPU, CUDA = "CPUExecutionProvider", "CUDAExecutionProvider"


def timed(fn, repeats):
    """Median seconds of ``repeats`` calls after one untimed call (session warm-up,
    cuDNN's set-up for this size)."""
    return timed_runs(fn, repeats)[0]["median_s"]


def compare_algo_search(large, repeats):
    """Seconds per image for each ``cudnn_conv_algo_search`` (see the module docstring)."""
    root = find_data_root()
    if root is None:
        raise SystemExit("--algo-search needs Set14: set CLASSICSR_DATA")
    rows = []
    try:
        for algo in ("HEURISTIC", "EXHAUSTIVE", "DEFAULT"):
            provider_options = {CUDA: {"cudnn_conv_algo_search": algo}}
            clear_cache()
            for scale in (2, 3):
                inputs = set14_inputs(root, scale)
                for method in ("srcnn", "fsrcnn"):
                    def run(image):
                        return classicsr.upscale(image, scale, method, providers=[CUDA],
                                                 provider_options=provider_options)
                    run(inputs[0][:20, :20])  # session
                    passes = []
                    for _ in range(3):
                        start = time.perf_counter()
                        for lr in inputs:
                            run(lr)
                        passes.append((time.perf_counter() - start) / len(inputs))
                    medians = [timed(lambda: run(lr), repeats) for lr in inputs]
                    row = {"algo_search": algo, "method": method, "scale": scale,
                           "set14_passes_seconds_per_image": passes,
                           "set14_median_seconds_per_image": float(np.mean(medians)),
                           "large_seconds": timed(lambda: run(large), repeats)}
                    rows.append(row)
                    print(f"{algo:10s} {method:6s} x{scale}: Set14 passes "
                          + " ".join(f"{p:.4f}" for p in passes)
                          + f" s/img, median {row['set14_median_seconds_per_image']:.4f} s/img,"
                          f" {large.shape[0]}^2 {row['large_seconds']:.4f} s", flush=True)
    finally:
        clear_cache()
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--scale", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--algo-search", action="store_true",
                        help="also compare cudnn_conv_algo_search settings over Set14")
    parser.add_argument("--json", default=str(HERE / "results" / "cnn_cuda_large.json"))
    args = parser.parse_args(argv)
    import onnxruntime

    if CUDA not in onnxruntime.get_available_providers():
        parser.error(f"onnxruntime {onnxruntime.__version__} offers no {CUDA}: "
                     "install onnxruntime-gpu on a machine with a GPU")
    y = hr_luminance(default_image()) / 255.0
    small = classicsr.imresize(y, 1.0 / args.scale)
    large = classicsr.imresize(y, output_shape=(args.size, args.size))
    rows = []
    for method in ("srcnn", "fsrcnn"):
        used = load_cnn(method, args.scale, providers=[CUDA]).providers
        if used[0] != CUDA:
            raise SystemExit(f"{method}: ONNX Runtime runs on {used}, not {CUDA}")
        a = classicsr.upscale(small, args.scale, method, providers=[CPU])
        b = classicsr.upscale(small, args.scale, method, providers=[CUDA])
        row = {"method": method, "scale": args.scale, "providers_used": list(used),
               "max_abs_diff_cuda_vs_cpu": float(np.max(np.abs(a - b))),
               "lr_size": args.size, "seconds": {}}
        for name, providers, tile in (("cpu", [CPU], None), ("cuda", [CUDA], None),
                                      ("cuda_one_piece", [CUDA], args.size)):
            row["seconds"][name] = timed(
                lambda: classicsr.upscale(large, args.scale, method, providers=providers,
                                          tile_size=tile), args.repeats)
        row["cpu_over_cuda"] = row["seconds"]["cpu"] / row["seconds"]["cuda"]
        rows.append(row)
        print(f"{method} x{args.scale}: CUDA vs CPU max |diff| "
              f"{row['max_abs_diff_cuda_vs_cpu']:.2e}; {args.size}^2 LR: "
              + ", ".join(f"{k} {v:.4f} s" for k, v in row["seconds"].items())
              + f"; CPU / CUDA {row['cpu_over_cuda']:.1f}x", flush=True)
    machine = {"cpu_count": os.cpu_count(), "platform": platform.platform(),
               "onnxruntime": onnxruntime.__version__, "classicsr": classicsr.__version__}
    machine["gpu"] = gpu_name("name,driver_version")
    result = {"machine": machine, "rows": rows}
    if args.algo_search:
        result["algo_search"] = compare_algo_search(large, args.repeats)
    write_json(args.json, result)
    print(f"machine: {machine}")


if __name__ == "__main__":
    main()
