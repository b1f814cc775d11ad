"""Glasner et al. 2009 (``glasner``): speed against A+ (one run) and, with ``--psnr``, quality
against the SelfExSR authors' per-image table; ``--tune`` runs the T91 selection of the
defaults.

* speed: seconds per Set14 image at x3 (``*_LR.png``, RGB) of ``glasner`` and ``aplus``,
  after a warm-up, in the same run; the ratio;
* ``--psnr``: Set5 / Set14 x2 / x3 / x4 means of ``glasner`` (Y, scale shaved; the grey
  Set14 image scored grey, as the ``glasner2009`` rows are) against the ``glasner2009``
  rows of ``reference/per_image_psnr_selfexsr.csv`` (the SelfExSR authors'
  reimplementation), with the same evaluation code as ``bench_self_examples.py``;
* ``--tune``: gain over bicubic (Y PSNR, scale shaved) on T91 images (HR modcropped,
  LR = ``imresize(HR, 1/s)``) for a grid of ``similarity`` / ``n_sources`` /
  ``iterations``; the defaults of ``classicsr/self_examples/glasner.py`` come from it.

Writes ``benchmarks/results/glasner.json`` and ``.md`` (``--tune``:
``glasner_tune.json``, or ``--tune-json``).

    python benchmarks/bench_glasner.py [--psnr [--scales 2,3,4] [--no-speed]] [--tune]
                                       [--threads N] [--json PATH]
"""

import argparse
import itertools
import json
import os
from pathlib import Path

import numpy as np
from _common import ROOT, data_root, machine, write_json
from bench_self_examples import quality
from bench_self_examples import speed as self_examples_speed

DEFAULT_JSON = ROOT / "benchmarks" / "results" / "glasner.json"
#: T91 images of the tuning: every 9th of the names in sorted order, never Set5/Set14.
TUNE_EVERY = 9
TUNE_GRID = {"similarity": (0.015, 0.03, 0.06), "n_sources": (3,), "iterations": (3, 5)}


def speed(root, scale=3):
    """Seconds per Set14 image of ``glasner`` and A+ in the same run
    (:func:`bench_self_examples.speed`)."""
    return self_examples_speed(root, scale, methods=("aplus", "glasner"))


def tune(root, grid=None, scales=(2, 3, 4)):
    """Mean gain over bicubic on the T91 tuning images for each point of ``grid``."""
    import classicsr
    from classicsr.io import read_image

    paths = sorted((Path(root) / "T91").glob("*.png"))[::TUNE_EVERY]
    images = [read_image(p) for p in paths]
    grid = TUNE_GRID if grid is None else grid
    results = []
    for values in itertools.product(*grid.values()):
        options = dict(zip(grid, values))
        row = {"options": options}
        for scale in scales:
            gains = []
            for img in images:
                hr = classicsr.modcrop(img, scale)
                lr = classicsr.imresize(hr, 1.0 / scale)
                sr = classicsr.upscale(lr, scale, method="glasner", **options)
                bic = classicsr.upscale(lr, scale, method="bicubic")
                gains.append(classicsr.psnr(hr, sr, crop_border=scale)
                             - classicsr.psnr(hr, bic, crop_border=scale))
            row[f"x{scale}"] = float(np.mean(gains))
        results.append(row)
        print("  " + " ".join(f"{k}={v}" for k, v in options.items()) + "  "
              + "  ".join(f"x{s} {row[f'x{s}']:+.3f}" for s in scales), flush=True)
    return {"images": [p.name for p in paths], "grid": grid,
            "results": results}


def main(argv=None):
    import numba

    from classicsr.io import atomic_write_bytes

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--psnr", action="store_true", help="also the Set5/Set14 table")
    parser.add_argument("--tune", action="store_true", help="only the T91 tuning grid")
    parser.add_argument("--no-speed", action="store_true", help="skip the speed table")
    parser.add_argument("--scales", default="2,3,4", help="--psnr: the scales")
    parser.add_argument("--grid", default=None,
                        help="--tune: JSON grid replacing TUNE_GRID, e.g. "
                             "'{\"similarity\": [0.12], \"n_sources\": [3], \"iterations\": [3]}'")
    parser.add_argument("--tune-json", default=str(DEFAULT_JSON.with_name("glasner_tune.json")))
    parser.add_argument("--threads", type=int, default=None, help="Numba threads")
    parser.add_argument("--json", default=str(DEFAULT_JSON))
    args = parser.parse_args(argv)
    if args.threads:
        numba.set_num_threads(args.threads)
    root = data_root(parser)
    record = machine(numba_threads=numba.get_num_threads())
    print(f"load average {record['load_average_before']:.2f}; {os.cpu_count()} CPUs; "
          f"numba threads {numba.get_num_threads()}")
    if args.tune:
        print("T91 tuning (gain over bicubic, dB):")
        grid = None if args.grid is None else json.loads(args.grid)
        payload = {"machine": record, "tune": tune(root, grid)}
        write_json(Path(args.tune_json), payload)
        return
    payload, lines = {"machine": record}, []
    if not args.no_speed:
        print("Set14 x3 seconds per image:")
        sp = speed(root)
        print(f"  mean: aplus {sp['mean_s']['aplus']:.2f} s, glasner {sp['mean_s']['glasner']:.2f}"
              f" s (max {sp['max_s']['glasner']:.2f} s), "
              f"ratio {sp['ratio_to_aplus']['glasner']:.1f}")
        payload["speed"] = sp
        lines.append(f"Set14 x3: aplus {sp['mean_s']['aplus']:.2f} s, glasner "
                     f"{sp['mean_s']['glasner']:.2f} s per image (max {sp['max_s']['glasner']:.2f}"
                     f" s; x{sp['ratio_to_aplus']['glasner']:.0f} A+), "
                     f"{numba.get_num_threads()} Numba threads, load average "
                     f"{record['load_average_before']:.1f}")
    if args.psnr:
        print("PSNR against the glasner2009 rows (per_image_psnr_selfexsr.csv):")
        payload["psnr"] = quality(root, root.parent / "reference", method="glasner",
                                  published_method="glasner2009",
                                  scales=tuple(int(v) for v in args.scales.split(",")))
        lines += ["", "| | ours | SelfExSR authors' glasner2009 | diff |", "|---|---|---|---|"]
        for key, r in payload["psnr"].items():
            lines.append(f"| {key} | {r['ours']:.3f} | {r['authors']:.3f} | "
                         f"{r['ours'] - r['authors']:+.3f} |")
    record["load_average_after"] = os.getloadavg()[0]
    write_json(Path(args.json), payload)
    atomic_write_bytes(Path(args.json).with_suffix(".md"), ("\n".join(lines) + "\n").encode(),
                       overwrite=True)


if __name__ == "__main__":
    main()
