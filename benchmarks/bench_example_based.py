"""PSNR table and speed of the example-based methods with the shipped models.

Runs the paper protocol (``classicsr.evaluate``) of bicubic, zeyde, gr, anr,
lle, aplus, kmeans and scsr on Set5 and Set14 at x2, x3 and x4, prints the table next to
the published means (``../shared/reference/paper_tables.csv``), the mean
seconds per image (Y channel, after a JIT warm-up that is timed apart), and
writes JSON and a Markdown table for the README. Rows of methods and scales
not re-run are kept from the previous JSON, so ``--methods scsr`` updates one
line of the table.

    python benchmarks/bench_example_based.py [--scales 2 3 4] [--json PATH]
"""

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from _common import published

import classicsr
from classicsr.datasets import find_data_root
from classicsr.io import atomic_write_bytes

METHODS = ("bicubic", "zeyde", "gr", "anr", "lle", "aplus", "kmeans", "scsr")
HERE = Path(__file__).resolve().parent


def per_image_seconds(method, scale, root, repeats):
    """Per dataset: mean and max over the images of the median of ``repeats`` timed calls (Y)."""
    from classicsr.datasets import hr_images
    from classicsr.io import read_image
    from classicsr.protocol import hr_luminance

    out = {}
    for dataset in ("Set5", "Set14"):
        times = []
        for path in hr_images(root / dataset, scale):
            y = classicsr.modcrop(hr_luminance(read_image(path)), scale) / 255.0
            lr = classicsr.imresize(y, 1.0 / scale)
            runs = []
            for _ in range(repeats):
                start = time.perf_counter()
                classicsr.upscale(lr, scale, method)
                runs.append(time.perf_counter() - start)
            times.append(float(np.median(runs)))
        out[dataset] = (float(np.mean(times)), float(np.max(times)))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[2, 3, 4])
    parser.add_argument("--methods", nargs="+", default=list(METHODS))
    parser.add_argument("--repeats", type=int, default=3,
                        help="timed calls per image; the median is kept (default 3)")
    parser.add_argument("--json", default=str(HERE / "results" / "example_based.json"))
    parser.add_argument("--markdown", default=str(HERE / "results" / "example_based.md"))
    args = parser.parse_args(argv)
    root = find_data_root()
    if root is None:
        parser.error("Set5/Set14 not found: set CLASSICSR_DATA")
    paper = published(root.parent / "reference")
    warm = np.zeros((24, 24))
    rows = []
    for method in args.methods:
        for scale in args.scales:
            start = time.perf_counter()
            classicsr.upscale(warm, scale, method)  # JIT and model load, timed apart
            warmup = time.perf_counter() - start
            result = classicsr.evaluate(method, ["Set5", "Set14"], [scale], data_root=root,
                                        progress=False)
            speed = per_image_seconds(method, scale, root, args.repeats)
            for mean in result.means():
                mean["seconds"], mean["max_seconds"] = speed[mean["dataset"]]
                ref = paper.get((method, mean["dataset"], scale))
                rows.append({**mean, "published": ref, "warmup_seconds": warmup,
                             "delta": None if ref is None else mean["psnr"] - ref})
                print(f"{method:8s} x{scale} {mean['dataset']:6s} {mean['psnr']:7.3f} "
                      f"(paper {ref if ref is not None else '  -  '}) "
                      f"{mean['seconds']:.3f} s/img (max {mean['max_seconds']:.3f})",
                      flush=True)
    info = {"cpu_count": os.cpu_count(), "classicsr": classicsr.__version__,
            "load_average_1min": os.getloadavg()[0]}
    # Keep the rows of the (method, scale) pairs not re-run from an earlier run.
    rerun = {(r["method"], r["scale"]) for r in rows}
    if Path(args.json).is_file():
        previous = json.loads(Path(args.json).read_text())["rows"]
        rows = [r for r in previous if (r["method"], r["scale"]) not in rerun] + rows
    methods = [m for m in METHODS if any(r["method"] == m for r in rows)]
    methods += sorted({r["method"] for r in rows} - set(methods))
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(args.json, json.dumps({"machine": info, "rows": rows}, indent=2).encode(),
                       overwrite=True)
    lines = ["| method | Set5 x2 | Set5 x3 | Set5 x4 | Set14 x2 | Set14 x3 | Set14 x4 "
             "| s/img Set14 x3 |", "|---" * 8 + "|"]
    for method in methods:
        cells = []
        for dataset in ("Set5", "Set14"):
            for scale in (2, 3, 4):
                r = [x for x in rows if x["method"] == method and x["dataset"] == dataset
                     and x["scale"] == scale]
                if not r:
                    cells.append("-")
                    continue
                ref = r[0]["published"]
                cells.append(f"{r[0]['psnr']:.2f}" + (f" ({ref:.2f})" if ref else ""))
        speed = [x["seconds"] for x in rows if x["method"] == method
                 and x["dataset"] == "Set14" and x["scale"] == 3]
        cells.append(f"{speed[0]:.3f}" if speed else "-")
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    atomic_write_bytes(args.markdown, ("\n".join(lines) + "\n").encode(), overwrite=True)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
