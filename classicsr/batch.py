"""Upscale a folder of images in parallel: local processes or a Dask cluster.

Resumable and safe: outputs are written atomically (a temporary file renamed
into place), so an output that exists is complete; existing outputs are
skipped unless ``overwrite`` is set; an input that cannot be read or
processed is reported in the summary and never stops the batch.
"""

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from ._validation import check_int
from .datasets import list_images

__all__ = ["BatchReport", "OUTPUT_FORMATS", "output_is_complete", "plan", "run_batch"]

#: Suffixes accepted for the output format.
OUTPUT_FORMATS = ("png", "tif", "tiff", "bmp", "jpg", "jpeg")


@dataclass
class BatchReport:
    """What a batch did.

    Attributes
    ----------
    done, skipped : list of str
        Inputs processed now / skipped because their output existed.
    failed : list of (str, str)
        Inputs that failed, with the error message.
    seconds : float
        Wall time of the batch.
    """

    done: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    failed: list = field(default_factory=list)
    seconds: float = 0.0

    def summary(self):
        """A few lines for the terminal: counts, throughput and every failure."""
        n = len(self.done)
        rate = n / self.seconds if self.seconds > 0 else float("nan")
        lines = [f"{n} upscaled, {len(self.skipped)} skipped (output exists), "
                 f"{len(self.failed)} failed in {self.seconds:.1f} s ({rate:.2f} images/s)"]
        lines += [f"  FAILED {name}: {message}" for name, message in self.failed]
        return "\n".join(lines)


def _process_one(src, dst, scale, method, options, overwrite):
    """Worker: read, upscale, write atomically. Returns ``(src, error or None)``."""
    from .io import read_image, write_image
    from ._dispatch import upscale

    try:
        img = read_image(src)
        write_image(dst, upscale(img, scale, method, **options), overwrite=overwrite)
        return src, None
    except Exception as exc:  # noqa: BLE001 - every failure is reported, none stops the batch
        return src, f"{type(exc).__name__}: {exc}"


def plan(in_dir, out_dir, *, fmt="png", overwrite=False):
    """Pair every image of ``in_dir`` with its output path; split off existing outputs.

    Returns
    -------
    todo : list of (Path, Path)
    skipped : list of Path
        Inputs whose output exists and is a readable image (and ``overwrite``
        is False).
    blocked : list of (Path, str)
        Inputs whose output exists but is not a readable image: left alone
        (never overwritten without ``overwrite``) and reported.
    """
    in_dir, out_dir = Path(in_dir), Path(out_dir)
    if not in_dir.is_dir():
        raise FileNotFoundError(f"input folder '{in_dir}' does not exist")
    fmt = str(fmt).lower().lstrip(".")
    if fmt not in OUTPUT_FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(OUTPUT_FORMATS)}, got {fmt!r}")
    files = list_images(in_dir)
    if not files:
        raise FileNotFoundError(f"no images (PNG, JPEG, TIFF, BMP) in '{in_dir}'")
    todo, skipped, blocked = [], [], []
    for src in files:
        dst = out_dir / f"{src.stem}.{fmt}"
        if not dst.exists() or overwrite:
            todo.append((src, dst))
        elif output_is_complete(dst):
            skipped.append(src)
        else:
            blocked.append((src, f"output '{dst}' exists but is not a readable image; "
                                 "use overwrite (--overwrite) to replace it"))
    return todo, skipped, blocked


def run_batch(in_dir, out_dir, scale, method="bicubic", *, workers=None, scheduler=None,
              fmt="png", overwrite=False, progress=True, **options):
    """Upscale every image of ``in_dir`` into ``out_dir``.

    Parameters
    ----------
    in_dir, out_dir : str or Path
        Input folder (PNG, JPEG, TIFF, BMP; not recursive) and output folder
        (created). Output names are the input stems with suffix ``fmt``.
    scale : float or int
        Upscaling factor.
    method : str
        A single-image method.
    workers : int, optional
        Local worker processes (default: the number of CPUs). 1 runs in this
        process. Ignored with ``scheduler``.
    scheduler : str, optional
        Address of a ``dask.distributed`` scheduler (e.g.
        ``tcp://host:8786``); the images are then processed by its workers,
        which must see the same paths.
    fmt : str
        Output format suffix.
    overwrite : bool
        Re-process images whose output exists (default: skip them).
    progress : bool
        tqdm progress bar.
    **options
        Passed to :func:`classicsr.upscale` (``model=``, ``backprojection=``...).

    Returns
    -------
    BatchReport
    """
    from tqdm.auto import tqdm

    from ._dispatch import check_upscale_call

    check_upscale_call(method, scale, options)
    workers = check_int(workers, "workers", minimum=1, allow_none=True)
    start = time.perf_counter()
    todo, skipped, blocked = plan(in_dir, out_dir, fmt=fmt, overwrite=overwrite)
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    report = BatchReport(skipped=[str(p) for p in skipped],
                         failed=[(str(p), why) for p, why in blocked])
    bar = tqdm(total=len(todo), desc=f"{method} x{scale}", unit="img", disable=not progress)

    def collect(result):
        src, error = result
        if error is None:
            report.done.append(str(src))
        else:
            report.failed.append((str(src), error))
        bar.update(1)

    args = [(str(s), str(d), scale, method, options, overwrite) for s, d in todo]
    if scheduler is not None:
        from distributed import Client, as_completed

        with Client(scheduler) as client:
            futures = [client.submit(_process_one, *a, pure=False) for a in args]
            for future in as_completed(futures):
                collect(future.result())
    else:
        workers = workers or os.cpu_count() or 1
        if workers == 1 or len(args) <= 1:
            for a in args:
                collect(_process_one(*a))
        else:
            from concurrent.futures import ProcessPoolExecutor, as_completed
            import multiprocessing

            context = multiprocessing.get_context("spawn")  # no fork of Numba threads
            with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                     initializer=_limit_threads) as pool:
                futures = [pool.submit(_process_one, *a) for a in args]
                for future in as_completed(futures):
                    collect(future.result())
    bar.close()
    report.seconds = time.perf_counter() - start
    return report


def _limit_threads():
    """One compute thread per worker process: the processes are the parallelism.

    Runs first in each (spawned) worker, before NumPy's BLAS or Numba start
    their thread pools.
    """
    for name in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                 "MKL_NUM_THREADS"):
        os.environ[name] = "1"
    import cv2

    cv2.setNumThreads(1)


def output_is_complete(path):
    """Whether ``path`` holds a readable image (a finished output of an earlier run)."""
    import cv2

    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        return False
    return cv2.imread(str(path), cv2.IMREAD_UNCHANGED) is not None
