"""Quick start: every single-image method on an embedded image, side by side.

Run with no arguments (``python examples/quickstart.py``); writes
``quickstart.png`` in the current folder (``--out`` to change,
``--overwrite`` to replace it; ``--fast`` leaves out the slow self-example
methods).
"""

import argparse
import time

import classicsr
from classicsr.datasets import default_image
from classicsr.figures import comparison_figure
from classicsr.io import atomic_write_bytes
from classicsr.modelstore import has_shipped_model
from classicsr.registry import missing_requirements


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=3)
    parser.add_argument("--out", default="quickstart.png")
    parser.add_argument("--overwrite", action="store_true")
    parser.add_argument("--fast", action="store_true",
                        help="leave out the slow methods (self-example searches)")
    args = parser.parse_args(argv)

    hr = classicsr.modcrop(default_image(), args.scale)
    lr = classicsr.degrade(hr, args.scale)          # MATLAB bicubic downscale
    panels = [("HR", hr)]
    for name, info in classicsr.available_methods().items():
        if info.needs_model and not has_shipped_model(info.model, args.scale):
            continue
        if args.fast and info.slow:
            print(f"{name:10s} skipped (--fast): seconds per image")
            continue
        if missing_requirements(info):
            extras = ",".join(missing_requirements(info))
            print(f"{name:10s} skipped: needs pip install \"classicsr[{extras}]\"")
            continue
        start = time.perf_counter()
        classicsr.upscale(lr[:32, :32], args.scale, method=name)  # model load, JIT
        first = time.perf_counter() - start
        start = time.perf_counter()
        sr = classicsr.upscale(lr, args.scale, method=name)
        seconds = time.perf_counter() - start
        p = classicsr.psnr(hr, sr, crop_border=args.scale)
        s = classicsr.ssim(hr, sr, crop_border=args.scale)
        print(f"{name:10s} {p:7.3f} dB  SSIM {s:.4f}  {seconds:6.3f} s "
              f"(set-up on first use: {first:.2f} s: model load, JIT)")
        panels.append((f"{name}\n{p:.2f} dB / {s:.4f}", sr))
    figure = comparison_figure(panels, crop=(40, 160, 128, 128), columns=6)
    atomic_write_bytes(args.out, figure, overwrite=args.overwrite)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
