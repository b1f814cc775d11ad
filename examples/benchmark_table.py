"""The paper-protocol PSNR/SSIM table of the single-image methods, as text, CSV and a bar chart.

On Set5 and Set14 when the standard images are found (``$CLASSICSR_DATA``,
or ``../shared/data``), otherwise on images embedded in scikit-image, so it
runs anywhere. Writes ``benchmark_table.csv`` and ``benchmark_table.png`` in
the current folder.

    python examples/benchmark_table.py            # Set5 + Set14 (or embedded), x2 x3 x4
    python examples/benchmark_table.py --fast     # Set5 (or 3 embedded images), x3 only
"""

import argparse
import csv
import io
import tempfile
from pathlib import Path

import numpy as np

import classicsr
from classicsr.datasets import find_data_root
from classicsr.figures import figure_png
from classicsr.io import atomic_write_bytes, write_image
from classicsr.modelstore import has_shipped_model

#: Fast, representative methods (LLE and ScSR take seconds per image).
METHODS = ("bicubic", "zeyde", "anr", "aplus", "kmeans")
EMBEDDED = ("astronaut", "camera", "coffee", "chelsea", "rocket", "immunohistochemistry")


def embedded_dataset(folder, names):
    """Write some scikit-image images to ``folder`` as a plain HR dataset."""
    from skimage import data

    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        write_image(folder / f"{name}.png", getattr(data, name)())
    return folder


def bar_chart(rows, path, overwrite):
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import pyplot as plt

    groups = sorted({(r["dataset"], r["scale"]) for r in rows})
    methods = list(dict.fromkeys(r["method"] for r in rows))
    fig, ax = plt.subplots(figsize=(max(5.0, 1.6 + 1.4 * len(groups)), 3.6))
    width = 0.8 / len(methods)
    for k, m in enumerate(methods):
        values = [next((r["psnr"] for r in rows if r["method"] == m
                        and (r["dataset"], r["scale"]) == g), np.nan) for g in groups]
        ax.bar(np.arange(len(groups)) + k * width, values, width, label=m)
    ax.set_xticks(np.arange(len(groups)) + 0.4 - width / 2)
    ax.set_xticklabels([f"{d} x{s}" for d, s in groups])
    low = min(r["psnr"] for r in rows)
    ax.set_ylim(low - 1, max(r["psnr"] for r in rows) + 0.5)
    ax.set_ylabel("PSNR (dB), Y channel")
    ax.legend(fontsize=7, ncol=3, loc="upper left")
    ax.set_ylim(top=ax.get_ylim()[1] + 0.6)  # room for the legend
    fig.tight_layout()
    atomic_write_bytes(path, figure_png(fig), overwrite=overwrite)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="one dataset, x3 only")
    parser.add_argument("--methods", nargs="+", default=list(METHODS))
    parser.add_argument("--out", default="benchmark_table", help="output name stem")
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args(argv)
    scales = [3] if args.fast else [2, 3, 4]
    root = find_data_root()
    with tempfile.TemporaryDirectory() as tmp:
        if root is not None and (root / "Set5").is_dir():
            datasets = ["Set5"] if args.fast else ["Set5", "Set14"]
            print(f"standard images from {root}")
        else:
            names = EMBEDDED[:3] if args.fast else EMBEDDED
            datasets = [embedded_dataset(Path(tmp) / "embedded", names)]
            print("Set5/Set14 not found (set CLASSICSR_DATA): embedded scikit-image images "
                  + ", ".join(names))
        rows = []
        for method in args.methods:
            for scale in scales:
                info = classicsr.get_method(method)
                if info.needs_model and not has_shipped_model(info.model, scale):
                    continue
                result = classicsr.evaluate(method, datasets, [scale], data_root=root,
                                            progress=False)
                for mean in result.means():
                    mean["dataset"] = Path(str(mean["dataset"])).name
                    rows.append(mean)
                    print(f"{method:8s} {mean['dataset']:9s} x{scale}  "
                          f"{mean['psnr']:7.3f} dB  SSIM {mean['ssim']:.4f}  "
                          f"{mean['seconds']:.3f} s/img", flush=True)
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=["method", "dataset", "scale", "images", "psnr",
                                              "ssim", "seconds"], extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_bytes(f"{args.out}.csv", text.getvalue().encode(), overwrite=args.overwrite)
    bar_chart(rows, f"{args.out}.png", args.overwrite)
    print(f"wrote {args.out}.csv and {args.out}.png")


if __name__ == "__main__":
    main()
