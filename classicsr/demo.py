"""``classicsr demo``: every registered method on the embedded default image."""

import time
from pathlib import Path

from .datasets import default_image
from .degradation import degrade, modcrop
from .figures import comparison_figure
from .io import atomic_write_bytes, write_image
from .metrics import psnr, ssim
from ._dispatch import upscale, usable_methods

__all__ = ["format_rows", "run_demo"]

#: Zoomed region of the astronaut image (HR pixels): her face.
_CROP = (40, 160, 128, 128)


def run_demo(out_dir="classicsr-demo", scale=3, *, overwrite=False, methods=None,
             progress=True, fast=False):
    """Degrade the default image, super-resolve it with every method, compare.

    Writes ``comparison.png`` (side by side, with zoomed crops) and one PNG per
    method into ``out_dir``; refuses to replace existing files unless
    ``overwrite``. ``methods`` (names) limits the run to those methods, which
    must be usable at ``scale``; ``fast`` leaves out the methods registered as
    slow (the self-example searches, seconds per image).

    Returns
    -------
    list of dict
        One row per method: ``method, psnr, ssim, seconds``.
    """
    from tqdm.auto import tqdm

    out_dir = Path(out_dir)
    hr = modcrop(default_image(), scale)
    lr = degrade(hr, scale)
    if methods is not None:
        unusable = sorted(set(methods) - set(usable_methods(scale)))
        if unusable:
            raise ValueError(f"methods: {', '.join(unusable)} cannot run at scale {scale} "
                             f"(no model or not registered); usable: "
                             f"{', '.join(usable_methods(scale))}")
    names = [name for name in usable_methods(scale, fast=fast)
             if methods is None or name in methods]
    targets = [out_dir / "comparison.png"] + [out_dir / f"{n}_x{scale}.png" for n in names]
    existing = [str(p) for p in targets if p.exists()]
    if existing and not overwrite:
        raise FileExistsError(
            f"{existing[0]} exists; use --overwrite to replace the demo outputs"
        )
    rows, panels = [], [("HR (ground truth)", hr)]
    for name in tqdm(names, desc="demo", disable=not progress, unit="method"):
        upscale(lr[:64, :64], scale, method=name)  # JIT warm-up and model load, not timed
        start = time.perf_counter()
        sr = upscale(lr, scale, method=name)
        seconds = time.perf_counter() - start
        row = {
            "method": name,
            "psnr": psnr(hr, sr, crop_border=scale),
            "ssim": ssim(hr, sr, crop_border=scale),
            "seconds": seconds,
        }
        rows.append(row)
        panels.append((f"{name}\n{row['psnr']:.2f} dB / {row['ssim']:.4f}", sr))
        write_image(out_dir / f"{name}_x{scale}.png", sr, overwrite=overwrite)
    figure = comparison_figure(panels, crop=_CROP, columns=min(6, len(panels)))
    atomic_write_bytes(out_dir / "comparison.png", figure, overwrite=overwrite)
    return rows


def format_rows(rows, scale):
    """The demo table as text."""
    head = f"{'method':<12} {'PSNR (dB)':>10} {'SSIM':>8} {'seconds':>9}"
    lines = [f"astronaut (skimage.data), x{scale}, Y channel, {scale}-pixel border shaved",
             head, "-" * len(head)]
    lines += [f"{r['method']:<12} {r['psnr']:>10.3f} {r['ssim']:>8.4f} {r['seconds']:>9.4f}"
              for r in rows]
    return "\n".join(lines)
