"""Multi-frame super-resolution: simulate a burst, reconstruct it with every method.

A burst of shifted, blurred, noisy low-resolution frames is simulated from an
embedded image (scikit-image's camera), the frames are registered by the
toolkit (the true motion is not used), and every multi-frame method
reconstructs the x2 image. Prints a table, then plots PSNR against the
number of frames; writes ``multiframe_psnr.png`` and ``multiframe_frames.png``.

    python examples/multiframe_burst.py           # 2, 4, 8, 16 frames
    python examples/multiframe_burst.py --fast    # 4 and 8 frames, smaller crop
"""

import argparse
import time

import numpy as np

import classicsr
from classicsr.figures import figure_png
from classicsr.io import atomic_write_bytes
from classicsr.multiframe import simulate


def gain_table(hr, scale, n_frames, methods, seed):
    """PSNR gain over bicubic of the reference frame, per method, for each frame count."""
    rows = []
    for n in n_frames:
        frames, _ = simulate(hr, scale, n_frames=n, psf_sigma=1.0, noise_sigma=2 / 255,
                             seed=seed)
        bicubic = classicsr.imresize(frames[0] / 255.0, scale)
        base = classicsr.psnr(hr / 255.0, np.clip(bicubic, 0, 1), crop_border=4,
                              data_range=1.0)
        for method in methods:
            start = time.perf_counter()
            out = classicsr.upscale_frames(frames, scale, method=method, psf_sigma=1.0)
            seconds = time.perf_counter() - start
            p = classicsr.psnr(hr, out, crop_border=4)
            rows.append({"frames": n, "method": method, "psnr": p, "gain": p - base,
                         "seconds": seconds})
            print(f"{n:3d} frames  {method:10s} {p:7.2f} dB  ({p - base:+5.2f} dB vs bicubic)"
                  f"  {seconds:6.2f} s", flush=True)
    return rows


def plot(rows, path, overwrite):
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    for method in dict.fromkeys(r["method"] for r in rows):
        sel = [r for r in rows if r["method"] == method]
        ax.plot([r["frames"] for r in sel], [r["psnr"] for r in sel], "o-", label=method)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("number of LR frames")
    ax.set_ylabel("PSNR (dB), 4-pixel border shaved")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    atomic_write_bytes(path, figure_png(fig), overwrite=overwrite)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="fewer frame counts, a smaller crop")
    parser.add_argument("--scale", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args(argv)
    from skimage import data

    from classicsr.figures import comparison_figure

    size = 128 if args.fast else 192
    hr = classicsr.modcrop(data.camera()[150:150 + size, 170:170 + size], args.scale)
    methods = list(classicsr.available_methods("multiframe"))
    counts = (4, 8) if args.fast else (2, 4, 8, 16)
    rows = gain_table(hr, args.scale, counts, methods, args.seed)
    plot(rows, "multiframe_psnr.png", args.overwrite)

    frames, _ = simulate(hr, args.scale, n_frames=counts[-1], seed=args.seed)
    panels = [("HR", hr), ("bicubic of frame 0", classicsr.upscale(frames[0], args.scale))]
    panels += [(m, classicsr.upscale_frames(frames, args.scale, method=m)) for m in methods]
    atomic_write_bytes("multiframe_frames.png",
                       comparison_figure(panels, columns=min(4, len(panels))),
                       overwrite=args.overwrite)
    print("wrote multiframe_psnr.png and multiframe_frames.png")


if __name__ == "__main__":
    main()
