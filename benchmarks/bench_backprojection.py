"""PSNR of single-image methods with and without iterative back-projection.

Runs the paper protocol (``classicsr.evaluate``) of bicubic, zeyde, anr and
aplus (shipped models) on Set5 and Set14 at x2, x3 and x4, once as published
and once with 20 iterations of back-projection (ScSR's Gaussian filter,
Irani & Peleg 1991 / Yang et al. 2010) of the float output onto the float LR
image, prints the mean PSNR/SSIM of both and the difference, and writes them
as JSON (atomically).

    python benchmarks/bench_backprojection.py [--scales 2 3 4] [--methods ...]
"""

import argparse
import json
import os
import time
from pathlib import Path

import classicsr
from classicsr.datasets import find_data_root
from classicsr.io import atomic_write_bytes

METHODS = ("bicubic", "zeyde", "anr", "aplus")
DATASETS = ("Set5", "Set14")
ITERATIONS = 20
HERE = Path(__file__).resolve().parent


def run(methods, scales, root, iterations):
    """One row per (method, dataset, scale): mean PSNR/SSIM without and with back-projection."""
    rows = []
    for method in methods:
        for scale in scales:
            start = time.perf_counter()
            plain = classicsr.evaluate(method, list(DATASETS), [scale], data_root=root,
                                       progress=False)
            refined = classicsr.evaluate(method, list(DATASETS), [scale], data_root=root,
                                         progress=False, backprojection=True,
                                         backprojection_iterations=iterations)
            elapsed = time.perf_counter() - start
            for before, after in zip(plain.means(), refined.means()):
                row = {
                    "method": method, "dataset": before["dataset"], "scale": scale,
                    "images": before["images"],
                    "psnr": before["psnr"], "psnr_bp": after["psnr"],
                    "delta_psnr": after["psnr"] - before["psnr"],
                    "ssim": before["ssim"], "ssim_bp": after["ssim"],
                    "delta_ssim": after["ssim"] - before["ssim"],
                    "seconds": before["seconds"], "seconds_bp": after["seconds"],
                }
                rows.append(row)
                print(format_row(row), flush=True)
            print(f"  ({method} x{scale}: {elapsed:.1f} s)", flush=True)
    return rows


HEADER = (f"{'method':<8} {'dataset':<6} {'scale':>5} {'PSNR':>8} {'PSNR+BP':>8} "
          f"{'dPSNR':>7} {'SSIM':>7} {'SSIM+BP':>8} {'s/img':>6} {'s/img+BP':>8}")


def format_row(r):
    return (f"{r['method']:<8} {r['dataset']:<6} {'x' + str(r['scale']):>5} {r['psnr']:>8.3f} "
            f"{r['psnr_bp']:>8.3f} {r['delta_psnr']:>+7.3f} {r['ssim']:>7.4f} "
            f"{r['ssim_bp']:>8.4f} {r['seconds']:>6.3f} {r['seconds_bp']:>8.3f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[2, 3, 4])
    parser.add_argument("--methods", nargs="+", default=list(METHODS))
    parser.add_argument("--iterations", type=int, default=ITERATIONS,
                        help=f"back-projection iterations (default {ITERATIONS})")
    parser.add_argument("--json", default=str(HERE / "results" / "backprojection.json"))
    args = parser.parse_args(argv)
    root = find_data_root()
    if root is None or not all((root / d).is_dir() for d in DATASETS):
        print("Set5/Set14 not found (set CLASSICSR_DATA to the data root); skipping")
        return 0
    print(f"back-projection: {args.iterations} iterations, gaussian kernel; data: {root}")
    print(HEADER)
    print("-" * len(HEADER))
    rows = run(args.methods, args.scales, root, args.iterations)
    print()
    print(HEADER)
    print("-" * len(HEADER))
    for row in rows:
        print(format_row(row))
    import numba

    result = {
        "machine": {"cpu_count": os.cpu_count(), "numba_threads": numba.get_num_threads(),
                    "classicsr": classicsr.__version__},
        "backprojection": {"iterations": args.iterations, "kernel": "gaussian"},
        "protocol": "Y channel, MATLAB bicubic LR in float, output rounded, scale px shaved",
        "rows": rows,
    }
    atomic_write_bytes(args.json, json.dumps(result, indent=2).encode(), overwrite=True)
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
