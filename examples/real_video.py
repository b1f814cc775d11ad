"""Multi-frame super-resolution of real video: bicubic of one frame next to the reconstruction.

Four real low-resolution sequences of the multi-frame literature (Milanfar's
MDSP collection: alpaca, Emily, text and disk, in ``../shared/data/video``)
are read with PyAV; a window of frames around the middle frame is registered
(translation) and reconstructed by ``l1btv`` (robust L1 + bilateral TV,
Farsiu et al., IEEE TIP 2004) with the middle frame as reference. The figure
shows the MATLAB bicubic upscale of that frame next to the result, with a
zoomed crop, and writes ``real_video.png`` and one PNG per result into the
output folder (default ``./classicsr-real-video``).

    python examples/real_video.py                 # x3, 9 frames per sequence
    python examples/real_video.py --fast          # x2, 5 frames
    python examples/real_video.py OUT --overwrite

The sequences have no ground truth; ``benchmarks/bench_real_video.py``
scores the reconstructions by how well they predict a frame left out.
Without the sequences (no ``../shared/data/video``) the example says so and
runs the same steps on a simulated sequence of an embedded image (shifted,
blurred, noisy frames of scikit-image's camera), so that it still shows what
it does.
"""

import argparse
import sys
from pathlib import Path

SEQUENCES = (("alpaca.avi", "Alpaca"), ("Emily.avi", "Emily"), ("text.avi", "text"),
             ("disk.avi", "disk"))


#: The stand-in when the real sequences are absent.
SIMULATED = (("simulated.avi", "simulated"),)


def simulated_frames():
    """Twelve 96 x 128 frames of a crop of scikit-image's camera: random sub-pixel
    translations, Gaussian PSF of width 1 (HR pixels), noise 2/255, x2 decimation."""
    from skimage import data

    from classicsr.multiframe import simulate

    frames, _ = simulate(data.camera()[100:292, 150:406], 2, n_frames=12, seed=0)
    return frames


def figure(rows, scale, n_frames):
    """PNG bytes: one row per sequence, bicubic and the result side by side, with crops."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import pyplot as plt

    from classicsr.figures import figure_png

    fig, axes = plt.subplots(len(rows), 4, figsize=(11, 2.9 * len(rows)), squeeze=False)
    for (title, bicubic, result), line in zip(rows, axes, strict=True):
        h, w = bicubic.shape[:2]
        size = max(8, min(h, w) // 3)
        top, left = (h - size) // 2, (w - size) // 2
        panels = [(f"{title}: bicubic of frame", bicubic),
                  (f"{title}: l1btv, {n_frames} frames", result)]
        for k, (label, img) in enumerate(panels):
            cmap = "gray" if img.ndim == 2 else None
            line[2 * k].imshow(img, cmap=cmap, vmin=0, vmax=255, interpolation="nearest")
            line[2 * k].set_title(f"{label} (x{scale})", fontsize=8)
            line[2 * k].add_patch(matplotlib.patches.Rectangle(
                (left - 0.5, top - 0.5), size, size, fill=False, edgecolor="yellow"))
            line[2 * k + 1].imshow(img[top:top + size, left:left + size], cmap=cmap, vmin=0,
                                   vmax=255, interpolation="nearest")
            line[2 * k + 1].set_title("zoom", fontsize=8)
        for ax in line:
            ax.axis("off")
    fig.tight_layout()
    return figure_png(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="classicsr-real-video",
                        help="output folder (default ./classicsr-real-video)")
    parser.add_argument("--fast", action="store_true", help="x2 and 5 frames per sequence")
    parser.add_argument("--overwrite", action="store_true", help="replace earlier outputs")
    args = parser.parse_args(argv)

    import classicsr
    from classicsr.datasets import find_data_root
    from classicsr.io import atomic_write_bytes, write_image
    from classicsr.multiframe import read_frames, reconstruct

    root = find_data_root()
    folder = None if root is None else Path(root) / "video"
    simulated = folder is None or not folder.is_dir()
    if simulated:
        print("real_video.py: the real sequences are not there (they are in "
              "../shared/data/video, beside the repository or the working folder, or "
              "CLASSICSR_DATA pointing at a data root holding video/); showing a "
              "simulated sequence instead", file=sys.stderr)
    scale, n_frames = (2, 5) if args.fast else (3, 9)
    out = Path(args.out)
    target = out / "real_video.png"
    if target.exists() and not args.overwrite:
        print(f"real_video.py: '{target}' exists; use --overwrite to replace it",
              file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for name, title in (SIMULATED if simulated else SEQUENCES):
        frames = simulated_frames() if simulated else read_frames(folder / name)
        middle = len(frames) // 2
        start = max(0, min(middle - n_frames // 2, len(frames) - n_frames))
        window = frames[start:start + n_frames]
        reference = middle - start
        result = reconstruct(window, scale, method="l1btv", reference=reference)
        bicubic = classicsr.upscale(frames[middle], scale, method="bicubic")
        stem = Path(name).stem
        write_image(out / f"{stem}_x{scale}_bicubic.png", bicubic, overwrite=args.overwrite)
        write_image(out / f"{stem}_x{scale}_l1btv.png", result, overwrite=args.overwrite)
        rows.append((title, bicubic, result))
        print(f"{title:<8} frames {start}-{start + len(window) - 1} (reference {middle}) "
              f"{window[0].shape} -> {result.shape}", flush=True)
    atomic_write_bytes(target, figure(rows, scale, n_frames), overwrite=args.overwrite)
    print(f"wrote {target} and one PNG per result")
    return 0


if __name__ == "__main__":
    sys.exit(main())
