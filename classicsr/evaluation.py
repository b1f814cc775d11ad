"""``classicsr.evaluate``: the paper protocol over image folders, as a table."""

from __future__ import annotations

import csv
import io
import json
import os
import platform
from collections.abc import Sequence
from typing import Any
from dataclasses import dataclass, field

import numpy as np

from ._validation import check_integer_scale
from .datasets import hr_images, image_name, resolve_dataset
from .io import atomic_write_bytes, read_image
from ._dispatch import resolve
from .backprojection import check_backprojection_options
from .protocol import evaluate_image

__all__ = ["EvaluationResult", "evaluate"]

_COLUMNS = ("method", "dataset", "scale", "image", "psnr", "ssim", "seconds")


@dataclass
class EvaluationResult:
    """Per-image scores of one method and their means per dataset and scale.

    Attributes
    ----------
    method : str
    rows : list of dict
        One dict per image with the keys ``method, dataset, scale, image,
        psnr, ssim, seconds``.
    """

    method: str
    rows: list = field(default_factory=list)

    def means(self):
        """Mean PSNR, SSIM and seconds per (dataset, scale), in order of appearance."""
        groups = {}
        for row in self.rows:
            groups.setdefault((row["dataset"], row["scale"]), []).append(row)
        return [
            {
                "method": self.method,
                "dataset": dataset,
                "scale": scale,
                "images": len(rows),
                "psnr": float(np.mean([r["psnr"] for r in rows])),
                "ssim": float(np.mean([r["ssim"] for r in rows])),
                "seconds": float(np.mean([r["seconds"] for r in rows])),
            }
            for (dataset, scale), rows in groups.items()
        ]

    def mean(self, dataset, scale, metric="psnr"):
        """Mean of ``metric`` for one dataset and scale."""
        for row in self.means():
            if row["dataset"] == dataset and row["scale"] == scale:
                return row[metric]
        raise KeyError(f"no results for dataset {dataset!r} at scale {scale}")

    def table(self, per_image=False):
        """The results as a fixed-width text table (means, or every image)."""
        rows = self.rows if per_image else self.means()
        head = f"{'dataset':<10} {'scale':>5} {'image' if per_image else 'images':>12} " \
               f"{'PSNR (dB)':>10} {'SSIM':>8} {'seconds':>9}"
        lines = [f"method: {self.method}", head, "-" * len(head)]
        for r in rows:
            label = r["image"] if per_image else str(r["images"])
            lines.append(
                f"{r['dataset']:<10} {r['scale']:>5} {label:>12} "
                f"{r['psnr']:>10.3f} {r['ssim']:>8.4f} {r['seconds']:>9.4f}"
            )
        return "\n".join(lines)

    def __str__(self):
        return self.table()

    def to_csv(self, path, *, overwrite=False):
        """Write the per-image rows as CSV (atomically)."""
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=_COLUMNS)
        writer.writeheader()
        writer.writerows(self.rows)
        atomic_write_bytes(path, buffer.getvalue().encode(), overwrite=overwrite)

    def to_dict(self):
        """Rows, means and the environment, as plain JSON-ready data."""
        import classicsr

        return {
            "method": self.method,
            "classicsr": classicsr.__version__,
            "python": platform.python_version(),
            "means": self.means(),
            "images": self.rows,
        }

    def to_json(self, path, *, overwrite=False):
        """Write :meth:`to_dict` as JSON (atomically)."""
        text = json.dumps(self.to_dict(), indent=2)
        atomic_write_bytes(path, text.encode(), overwrite=overwrite)


def evaluate(method: str, datasets: str | os.PathLike | Sequence[str | os.PathLike],
             scales: int | Sequence[int] = (2, 3, 4), *,
             data_root: str | os.PathLike | None = None, progress: bool = True,
             backprojection: bool = False, backprojection_iterations: int = 20,
             ensemble: bool = False, **options: Any) -> EvaluationResult:
    """Run the paper protocol of ``method`` on image folders.

    Parameters
    ----------
    method : str
        A registered method.
    datasets : str, Path or list of them
        Folders of 8- or 16-bit images (the protocol rounds to the images'
        integer scale; a float image is refused, naming the file).
        Dataset folders (SelfExSR ``image_SRF_{s}`` layout or plain folders of
        HR images) or names under the data root (``$CLASSICSR_DATA``, else
        ``../shared/data``), e.g. ``["Set5", "Set14"]``.
    scales : int or sequence of int
        Integer scale factors.
    data_root : str or Path, optional
        Where dataset names are looked up.
    progress : bool
        Show a tqdm progress bar over images.
    backprojection : bool
        Back-project each float SR output onto its float LR image before the
        protocol's rounding (:func:`classicsr.backprojection.backproject`).
    backprojection_iterations : int
        Back-projection steps (default 20).
    ensemble : bool
        Enhanced prediction (8 rotations and flips averaged; see
        :func:`classicsr.upscale`), as the "seven ways" tables report.
    **options
        Passed to the method.

    Returns
    -------
    EvaluationResult
        Per-image PSNR/SSIM/seconds with ``means()``, ``table()``,
        ``to_csv()`` and ``to_json()``.

    See Also
    --------
    classicsr.protocol : the exact protocol.
    """
    from tqdm.auto import tqdm

    check_backprojection_options(backprojection, backprojection_iterations)
    if isinstance(datasets, (str, bytes)) or not hasattr(datasets, "__iter__"):
        datasets = [datasets]
    if isinstance(scales, (int, np.integer)):
        scales = [scales]
    scales = [check_integer_scale(s, "scales") for s in scales]
    if not scales:
        raise ValueError("scales must name at least one scale factor")
    for scale in scales:  # method, scales and options checked before any image is read
        resolve(method, scale, options)
    jobs: list = []
    for dataset in datasets:
        folder = resolve_dataset(dataset, data_root)
        for scale in scales:
            jobs.extend((folder.name, scale, f) for f in hr_images(folder, scale))
    result = EvaluationResult(method)
    for name, scale, path in tqdm(jobs, desc=f"evaluate {method}", disable=not progress,
                                  unit="img"):
        try:
            scores = evaluate_image(read_image(path), scale, method,
                                    backprojection=backprojection,
                                    backprojection_iterations=backprojection_iterations,
                                    ensemble=ensemble, **options)
        except (TypeError, ValueError) as exc:  # the image, not the call: name the file
            raise type(exc)(f"'{path}': {exc}") from None
        result.rows.append(
            {"method": method, "dataset": name, "scale": scale,
             "image": image_name(path), **scores}
        )
    return result
