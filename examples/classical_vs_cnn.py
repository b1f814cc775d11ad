"""Classical vs CNN: A+ (and friends) against SRCNN and FSRCNN run by ONNX Runtime.

Quality (PSNR/SSIM, paper protocol) and time per image of the classical
methods and of the project's CNN baselines, on Set5 when the standard images
are found (``$CLASSICSR_DATA`` or ``../shared/data``), otherwise on images
embedded in scikit-image. The CNNs need ONNX Runtime
(``pip install "classicsr[onnx]"``); without it the example says so and
compares the classical methods only. ONNX Runtime uses the CUDA provider when
one is available, the CPU otherwise.

Writes the table (``--out``, CSV) and a figure of PSNR against seconds per
image (``--figure``).

    python examples/classical_vs_cnn.py            # x3
    python examples/classical_vs_cnn.py --fast     # two images
"""

import argparse
import tempfile
import time
from pathlib import Path

import classicsr
from classicsr.datasets import find_data_root, hr_images
from classicsr.io import atomic_write_bytes, read_image, write_image
from classicsr.modelstore import has_shipped_model
from classicsr.registry import missing_requirements

CLASSICAL = ("bicubic", "anr", "aplus", "kmeans")
CNN = ("srcnn", "fsrcnn")


def test_images(fast, tmp):
    root = find_data_root()
    if root is not None and (root / "Set5").is_dir():
        files = hr_images(root / "Set5", 3)
        print(f"Set5 from {root}")
    else:
        from skimage import data

        names = ("astronaut", "camera", "coffee", "chelsea")
        files = []
        for name in names:
            path = Path(tmp) / f"{name}.png"
            write_image(path, getattr(data, name)())
            files.append(path)
        print("Set5 not found: embedded scikit-image images " + ", ".join(names))
    return files[:2] if fast else files


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=3, choices=(2, 3, 4))
    parser.add_argument("--fast", action="store_true", help="two images")
    parser.add_argument("--out", default="classical_vs_cnn.csv", help="table to write")
    parser.add_argument("--figure", default="classical_vs_cnn.png", help="figure to write")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace --out and --figure if they exist")
    args = parser.parse_args(argv)
    methods = []
    for name in CLASSICAL + CNN:
        if name not in classicsr.available_methods():
            print(f"{name}: not available in this version")
            continue
        info = classicsr.get_method(name)
        if missing_requirements(info):
            extra = ",".join(missing_requirements(info))
            print(f"{name}: skipped -- needs ONNX Runtime: pip install \"classicsr[{extra}]\"")
            continue
        if info.needs_model and not has_shipped_model(info.model, args.scale):
            print(f"{name}: no shipped model for x{args.scale}")
            continue
        methods.append(name)
    if any(m in CNN for m in methods):
        import onnxruntime

        providers = onnxruntime.get_available_providers()
        print("ONNX Runtime providers: " + ", ".join(providers)
              + (" (CUDA used)" if "CUDAExecutionProvider" in providers else " (CPU)"))
    table = ["method,psnr,ssim,seconds_per_image"]
    points = []
    with tempfile.TemporaryDirectory() as tmp:
        files = test_images(args.fast, tmp)
        print(f"\n{'method':10s} {'PSNR':>8s} {'SSIM':>7s} {'s/img':>8s}   (x{args.scale}, Y)")
        for method in methods:
            psnrs, ssims, seconds = [], [], []
            for path in files:
                hr = classicsr.modcrop(read_image(path), args.scale)
                lr = classicsr.degrade(hr, args.scale)
                classicsr.upscale(lr[:24, :24], args.scale, method)  # load + warm-up
                start = time.perf_counter()
                sr = classicsr.upscale(lr, args.scale, method)
                seconds.append(time.perf_counter() - start)
                psnrs.append(classicsr.psnr(hr, sr, crop_border=args.scale))
                ssims.append(classicsr.ssim(hr, sr, crop_border=args.scale))
            n = len(files)
            print(f"{method:10s} {sum(psnrs) / n:8.3f} {sum(ssims) / n:7.4f} "
                  f"{sum(seconds) / n:8.3f}", flush=True)
            table.append(f"{method},{sum(psnrs) / n:.4f},{sum(ssims) / n:.5f},"
                         f"{sum(seconds) / n:.4f}")
            points.append((method, sum(seconds) / n, sum(psnrs) / n))
    atomic_write_bytes(args.out, ("\n".join(table) + "\n").encode(), overwrite=args.overwrite)
    atomic_write_bytes(args.figure, speed_quality_figure(points, args.scale),
                       overwrite=args.overwrite)
    print(f"wrote {args.out} and {args.figure}")


def speed_quality_figure(points, scale):
    """PNG of mean PSNR against seconds per image (log scale), CNNs in another colour."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import pyplot as plt

    from classicsr.figures import figure_png

    fig, ax = plt.subplots(figsize=(6, 4))
    for method, seconds, psnr in points:
        colour = "tab:red" if method in CNN else "tab:blue"
        ax.scatter(max(seconds, 1e-4), psnr, color=colour)
        ax.annotate(method, (max(seconds, 1e-4), psnr), textcoords="offset points",
                    xytext=(5, 3), fontsize=9)
    ax.set_xscale("log")
    ax.set_xlabel("seconds per image (log)")
    ax.set_ylabel(f"PSNR (dB, Y, x{scale})")
    ax.set_title("classical (blue) and CNN (red) methods")
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return figure_png(fig)


if __name__ == "__main__":
    main()
