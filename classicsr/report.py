"""``classicsr compare``: a comparison report of methods on images, as offline HTML.

For each image (taken as the ground truth), the LR input is made by the
papers' degradation (:func:`classicsr.degradation`: modcrop and MATLAB bicubic),
every method upscales it, and the report records PSNR/SSIM (Y channel,
``scale`` pixels shaved, as :func:`classicsr.psnr`) and the time of each.
Written into the output folder:

* ``<image>/<method>.png`` -- each method's output, ``<image>/lr.png`` and
  ``<image>/hr.png``;
* ``<image>/crop_<method>.png`` -- the zoomed crop (the most textured
  square of the image) of each output, enlarged with nearest neighbours;
* ``<image>/comparison.png`` -- all outputs side by side with the crops;
* ``results.csv`` and ``results.json`` -- the table;
* ``index.html`` -- the table and the crops; it references only these
  files by relative paths, so the folder can be moved and opened offline.

``<image>`` is the image's short name (:func:`classicsr.datasets.image_name`:
the stem, ``img_001_SRF_2_HR.png`` -> ``img_001``), or its whole file name
where short names clash, ignoring case (``a.png`` and ``a.jpg`` -> ``a.png/``
and ``a.jpg/``), as :func:`classicsr.batch.unique_names` decides.

Any image the package reads is compared: greyscale, RGB, RGBA, 8-bit,
16-bit and float. RGBA images are upscaled with their alpha (written in the
outputs), but the metrics ignore alpha, as :func:`classicsr.evaluate` does
(Y of the RGB channels). Float images are taken to be on the [0, 1] scale:
their PSNR/SSIM use a peak (``data_range``) of 1.0. An image that cannot be
read or processed is listed in the report (and in ``failed`` of the result)
and the others are still compared.
"""

import csv
import html
import io
import json
import time
from pathlib import Path
from urllib.parse import quote

import numpy as np

from .datasets import image_name, list_images
from .degradation import degrade, modcrop
from .figures import as_uint8, comparison_figure
from .io import atomic_write_bytes, read_image, write_image
from .metrics import psnr, ssim
from ._dispatch import check_upscale_call, upscale, usable_methods

__all__ = ["compare", "CompareRows", "CROP_FRACTION", "RESERVED_NAMES", "textured_crop"]

#: Side of the zoomed crop, as a fraction of the shorter image side.
CROP_FRACTION = 0.25

#: Files of the report folder no image folder may be named as.
RESERVED_NAMES = ("index.html", "results.csv", "results.json")


class CompareRows(list):
    """The rows of :func:`compare` (one dict per image and method), and
    :attr:`failed`: ``(image file, message)`` of every image not compared."""

    def __init__(self, rows=(), failed=()):
        super().__init__(rows)
        self.failed = list(failed)


def textured_crop(img, fraction=CROP_FRACTION):
    """``(top, left, size, size)`` of the square with the most gradient energy.

    Searched on a coarse grid (steps of a quarter crop), so it is cheap and
    deterministic.
    """
    grey = img.astype(np.float64)
    if grey.ndim == 3:
        grey = grey[..., :3].mean(axis=2)
    h, w = grey.shape
    size = max(8, int(min(h, w) * fraction))
    gy, gx = np.gradient(grey)
    energy = np.pad((gx * gx + gy * gy).cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    best, where = -1.0, (0, 0)
    step = max(1, size // 4)
    for top in range(0, h - size + 1, step):
        for left in range(0, w - size + 1, step):
            e = (energy[top + size, left + size] - energy[top, left + size]
                 - energy[top + size, left] + energy[top, left])
            if e > best:
                best, where = e, (top, left)
    return where[0], where[1], size, size


def _zoom(img, crop, factor):
    top, left, h, w = crop
    part = as_uint8(img[top:top + h, left:left + w])
    return np.repeat(np.repeat(part, factor, axis=0), factor, axis=1)


def _inputs(source):
    source = Path(source)
    if source.is_dir():
        files = list_images(source)
        if not files:
            raise FileNotFoundError(f"no images (PNG, JPEG, TIFF, BMP) in '{source}'")
        return files
    if not source.is_file():
        raise FileNotFoundError(f"input '{source}' does not exist")
    return [source]


def compare(source, scale, methods=None, out_dir="classicsr-compare", *, overwrite=False,
            progress=True):
    """Compare methods on an image or a folder of images and write the HTML report.

    Parameters
    ----------
    source : str or Path
        An image file or a folder of images (the ground truth): greyscale,
        RGB or RGBA (alpha upscaled, ignored by the metrics), 8-bit, 16-bit
        or float (on the [0, 1] scale: PSNR/SSIM peak 1.0).
    scale : int
        Upscaling factor.
    methods : list of str, optional
        Method names (default: every single-image method usable at ``scale``).
    out_dir : str or Path
        Report folder; one that exists and is not empty is only written into
        with ``overwrite``.
    overwrite : bool
        Write into a non-empty ``out_dir``, replacing the report's files.
    progress : bool
        tqdm progress bar.

    Returns
    -------
    CompareRows
        A list with one row per image and method: ``image, method, psnr,
        ssim, seconds``; its ``failed`` lists ``(file, message)`` for every
        image that could not be read or processed (also shown in the report).

    Raises
    ------
    ImportError
        A method in ``methods`` needs an extra that is not installed (the
        message names the ``pip install``).
    """
    from tqdm.auto import tqdm

    from .batch import unique_names
    from .registry import missing_requirements

    files = _inputs(source)
    methods = list(usable_methods(scale) if methods is None else methods)
    if not methods:
        raise ValueError("methods must name at least one method")
    for name in methods:
        info, _ = check_upscale_call(name, scale, {})
        missing = missing_requirements(info)
        if missing:
            raise ImportError(f"method {name!r} needs an extra that is not installed: "
                              f"pip install \"classicsr[{','.join(missing)}]\"")
    out_dir = Path(out_dir)
    index = out_dir / "index.html"
    if out_dir.exists() and any(out_dir.iterdir()) and not overwrite:
        raise FileExistsError(f"'{out_dir}' exists and is not empty; use --overwrite to "
                              "write the report into it")
    names = unique_names(files, short=image_name, reserved=RESERVED_NAMES)
    result, sections = CompareRows(), []
    bar = tqdm(total=len(files) * len(methods), desc="compare", disable=not progress)
    for path, name in zip(files, names):
        try:
            image_rows, section = _compare_image(path, name, scale, methods, out_dir, bar)
        except Exception as exc:  # noqa: BLE001 - one bad image does not abort the report
            result.failed.append((str(path), f"{type(exc).__name__}: {exc}"))
            continue
        result.extend(image_rows)
        sections.append(section)
    bar.close()
    _write_tables(out_dir, list(result))
    page = _page_html(source, scale, methods, list(result), sections, result.failed)
    atomic_write_bytes(index, page.encode("utf-8"), overwrite=True)
    return result


def _scores(hr, sr, scale):
    """PSNR and SSIM of ``sr`` against ``hr``: alpha ignored, float on the [0, 1] scale."""
    if hr.ndim == 3 and hr.shape[2] == 4:
        hr, sr = hr[..., :3], sr[..., :3]
    data_range = 1.0 if hr.dtype.kind == "f" else None
    return (psnr(hr, sr, crop_border=scale, data_range=data_range),
            ssim(hr, sr, crop_border=scale, data_range=data_range))


def _compare_image(path, name, scale, methods, out_dir, bar):
    """Every method on one image: its rows and its HTML section (files written)."""
    hr = modcrop(read_image(path), scale)
    lr = degrade(hr, scale)
    folder = out_dir / name
    write_image(folder / "hr.png", as_uint8(hr), overwrite=True)
    write_image(folder / "lr.png", as_uint8(lr), overwrite=True)
    crop = textured_crop(hr)
    zoom = max(1, 256 // crop[2])
    write_image(folder / "crop_hr.png", _zoom(hr, crop, zoom), overwrite=True)
    panels, image_rows = [("HR (ground truth)", as_uint8(hr))], []
    for method in methods:
        upscale(lr[:32, :32], scale, method)  # JIT and model load, not timed
        start = time.perf_counter()
        sr = upscale(lr, scale, method)
        seconds = time.perf_counter() - start
        score_psnr, score_ssim = _scores(hr, sr, scale)
        row = {"image": name, "method": method, "psnr": score_psnr, "ssim": score_ssim,
               "seconds": seconds}
        image_rows.append(row)
        write_image(folder / f"{method}.png", as_uint8(sr), overwrite=True)
        write_image(folder / f"crop_{method}.png", _zoom(sr, crop, zoom), overwrite=True)
        panels.append((f"{method}\n{row['psnr']:.2f} dB / {row['ssim']:.4f}", as_uint8(sr)))
        bar.update(1)
    atomic_write_bytes(folder / "comparison.png",
                       comparison_figure(panels, crop=crop, columns=min(5, len(panels))),
                       overwrite=True)
    return image_rows, _section_html(name, image_rows, crop)


def _write_tables(out_dir, rows):
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=["image", "method", "psnr", "ssim", "seconds"])
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_bytes(out_dir / "results.csv", text.getvalue().encode(), overwrite=True)
    atomic_write_bytes(out_dir / "results.json", json.dumps(rows, indent=2).encode(),
                       overwrite=True)


def _means(rows, methods):
    out = []
    for m in methods:
        sel = [r for r in rows if r["method"] == m]
        if not sel:
            continue
        out.append((m, np.mean([r["psnr"] for r in sel]), np.mean([r["ssim"] for r in sel]),
                    np.mean([r["seconds"] for r in sel])))
    return out


def _href(name, file):
    """A relative URL ``name/file`` (percent-encoded), HTML-escaped."""
    return html.escape(f"{quote(name, safe='')}/{quote(file, safe='')}")


def _bold(text, best):
    return f"<b>{text}</b>" if best else text


def _section_html(name, rows, crop):
    e = html.escape
    best = max(r["psnr"] for r in rows)
    lines = [f'<section><h2>{e(name)}</h2>',
             f'<p>Crop: rows {crop[0]}-{crop[0] + crop[2]}, columns {crop[1]}-'
             f'{crop[1] + crop[3]} (the most textured square), enlarged.</p>',
             '<div class="crops">',
             f'<figure><img src="{_href(name, "crop_hr.png")}" alt="HR crop">'
             '<figcaption>HR (ground truth)</figcaption></figure>']
    for r in rows:
        mark = " best" if r["psnr"] == best else ""
        method = r["method"]
        lines.append(
            f'<figure><a href="{_href(name, method + ".png")}">'
            f'<img src="{_href(name, "crop_" + method + ".png")}" alt="{e(method)} crop"></a>'
            f'<figcaption class="{mark.strip()}">{e(method)}<br>{r["psnr"]:.2f} dB / '
            f'{r["ssim"]:.4f} / {r["seconds"]:.3f} s</figcaption></figure>')
    lines.append('</div>')
    lines.append(f'<p><a href="{_href(name, "comparison.png")}">side-by-side figure</a> · '
                 f'<a href="{_href(name, "lr.png")}">LR input</a></p></section>')
    return "\n".join(lines)


def _score_cell(row, best_psnr, best_ssim):
    psnr_text = _bold(f"{row['psnr']:.2f}", row["psnr"] == best_psnr)
    ssim_text = _bold(f"{row['ssim']:.4f}", row["ssim"] == best_ssim)
    return f"<td>{psnr_text} / {ssim_text}</td>"


def _page_html(source, scale, methods, rows, sections, failed=()):
    """The page; in the table, the best value of each column is bold (highest
    PSNR, highest SSIM, lowest time; ties all bold)."""
    e = html.escape
    images = sorted({r["image"] for r in rows})
    head = "".join(f"<th>{e(i)}</th>" for i in images)
    cell = {(r["image"], r["method"]): r for r in rows}
    means = _means(rows, methods)
    best_psnr = {i: max(cell[i, m]["psnr"] for m, *_ in means) for i in images}
    best_ssim = {i: max(cell[i, m]["ssim"] for m, *_ in means) for i in images}
    top_psnr = max((m[1] for m in means), default=None)
    top_ssim = max((m[2] for m in means), default=None)
    fastest = min((m[3] for m in means), default=None)
    body = []
    for m, mean_psnr, mean_ssim, mean_s in means:
        cells = "".join(_score_cell(cell[i, m], best_psnr[i], best_ssim[i]) for i in images)
        body.append(f"<tr><td>{e(m)}</td>{cells}"
                    f"<td>{_bold(f'{mean_psnr:.2f}', mean_psnr == top_psnr)} / "
                    f"{_bold(f'{mean_ssim:.4f}', mean_ssim == top_ssim)}</td>"
                    f"<td>{_bold(f'{mean_s:.3f}', mean_s == fastest)}</td></tr>")
    failures = ""
    if failed:
        items = "".join(f"<li>{e(Path(f).name)}: {e(why)}</li>" for f, why in failed)
        failures = f'<h2>Not compared</h2>\n<ul class="failed">{items}</ul>'
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>classicsr comparison x{scale}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; }}
td, th {{ border: 1px solid #aaa; padding: 0.3em 0.6em; text-align: right; }}
td:first-child {{ text-align: left; }}
.crops {{ display: flex; flex-wrap: wrap; gap: 0.8em; }}
figure {{ margin: 0; }} figcaption {{ font-size: 0.85em; }}
figcaption.best {{ font-weight: bold; }}
img {{ image-rendering: pixelated; max-width: 256px; }}
</style></head><body>
<h1>classicsr comparison, x{scale}</h1>
<p>Source: {e(str(source))}. LR input: modcrop + MATLAB bicubic downscale by {scale}.
PSNR (dB) / SSIM on the Y channel (grey images: the image; alpha ignored; float
images: peak 1.0), {scale} pixels shaved; time: seconds per image on this machine
(model loading and JIT excluded). Bold: the best of each column.</p>
<table><tr><th>method</th>{head}<th>mean</th><th>s/img</th></tr>
{chr(10).join(body)}
</table>
<p>Tables: <a href="results.csv">results.csv</a>, <a href="results.json">results.json</a>.</p>
{failures}
{chr(10).join(sections)}
</body></html>
"""
