"""Upscale a folder of images in parallel: local processes or a Dask cluster.

Resumable and safe:

* outputs are written atomically (a temporary file renamed into place), so
  an output that exists is complete; existing outputs are skipped unless
  ``overwrite`` is set; an input that cannot be read or processed (or whose
  worker process dies) is reported in the summary and never stops the batch;
* output names are predictable and distinct: the input's stem with the
  output suffix (``photo.jpg`` -> ``photo.png``), or the input's whole name
  when two inputs share a stem, ignoring case (``a.png`` and ``a.jpg`` ->
  ``a.png.png`` and ``a.jpg.png``), see :func:`output_names`;
* the settings of a run (method, scale, every method option, output format,
  classicsr version) are recorded in ``classicsr-batch.json`` in the output
  folder before any image is processed; a later run into the same folder
  with other settings is refused (``FileExistsError``) unless ``overwrite``,
  so results of two settings are never mixed silently;
* an interrupt (Ctrl-C, SIGINT) stops the batch at once: work not started is
  cancelled, running worker processes are terminated (they ignore SIGINT
  themselves: the parent decides), finished outputs are kept, the partial
  outputs of the terminated workers are removed, and :class:`BatchInterrupted`
  (a ``KeyboardInterrupt``) carries the report; further interrupts while it
  stops are ignored (stopping takes well under a second).
"""

import json
import os
import signal
import sys
import threading
import time
from collections import Counter, deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ._validation import check_int, check_real
from .datasets import list_images

__all__ = ["BatchInterrupted", "BatchReport", "OUTPUT_FORMATS", "SETTINGS_FILE",
           "output_is_complete", "output_names", "plan", "run_batch", "unique_names"]

#: Suffixes accepted for the output format.
OUTPUT_FORMATS = ("png", "tif", "tiff", "bmp", "jpg", "jpeg")

#: The settings record written into the output folder.
SETTINGS_FILE = "classicsr-batch.json"

_DASK_EXTRA = 'pip install "classicsr[dask]"'

#: Options of :func:`classicsr.upscale` that change how an output is computed, not
#: what it is (tiling is bit-identical), so a resume may change them.
_NOT_RECORDED = ("max_memory", "tile")


@dataclass
class BatchReport:
    """What a batch did.

    Attributes
    ----------
    done, skipped : list of str
        Inputs processed now / skipped because their output existed.
    failed : list of (str, str)
        Inputs that failed, with the error message.
    warnings : list of (str, str)
        Inputs processed (or failed) with a warning, e.g. precision the
        output format cannot hold, with its message.
    pending : list of str
        Inputs left unprocessed because the batch was interrupted.
    interrupted : bool
        Whether the batch was interrupted (Ctrl-C).
    note : str
        A remark for the summary (e.g. that the folder holds no image).
    seconds : float
        Wall time of the batch.
    """

    done: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    failed: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    pending: list = field(default_factory=list)
    interrupted: bool = False
    note: str = ""
    seconds: float = 0.0

    def summary(self):
        """A few lines for the terminal: counts, throughput and every failure."""
        n = len(self.done)
        rate = n / self.seconds if self.seconds > 0 else float("nan")
        head = (f"{n} upscaled, {len(self.skipped)} skipped (output exists), "
                f"{len(self.failed)} failed")
        if self.interrupted:
            head = f"interrupted: {head}, {len(self.pending)} not processed"
        lines = [f"{head} in {self.seconds:.1f} s ({rate:.2f} images/s)"]
        if self.note:
            lines.append(self.note)
        lines += [f"  FAILED {name}: {message}" for name, message in self.failed]
        lines += [f"  WARNING {name}: {message}" for name, message in self.warnings]
        return "\n".join(lines)


class BatchInterrupted(KeyboardInterrupt):
    """The batch was interrupted; :attr:`report` says what was done before."""

    def __init__(self, report):
        super().__init__("batch interrupted")
        self.report = report


def unique_names(files, short=lambda path: path.stem, reserved=()):
    """A distinct name per file: ``short(path)``, or the whole file name where
    short names clash (ignoring case) with another file's or a ``reserved`` one.

    Decided by the list alone, so it is the same on every run over the same
    files. Returns a list of str in the order of ``files``.

    Examples
    --------
    >>> from pathlib import Path
    >>> unique_names([Path("a.jpg"), Path("a.png"), Path("b.png")])
    ['a.jpg', 'a.png', 'b']
    """
    files = [Path(f) for f in files]
    names = [short(f) for f in files]
    whole = [False] * len(files)
    reserved = {r.casefold() for r in reserved}
    while True:
        counts = Counter(n.casefold() for n in names)
        clash = [i for i, n in enumerate(names)
                 if not whole[i] and (counts[n.casefold()] > 1 or n.casefold() in reserved)]
        if not clash:
            return names
        for i in clash:  # whole names are distinct, so this ends
            names[i], whole[i] = files[i].name, True


def output_names(files, fmt):
    """Output file names of ``files`` in format ``fmt``: ``stem.fmt``, or
    ``name.fmt`` (the whole input name) for inputs whose stems clash.

    Examples
    --------
    >>> from pathlib import Path
    >>> output_names([Path("a.png"), Path("a.jpg"), Path("b c.tif")], "png")
    ['a.png.png', 'a.jpg.png', 'b c.png']
    """
    return [f"{name}.{fmt}" for name in unique_names(files)]


def _check_format(fmt):
    fmt = str(fmt).lower().lstrip(".")
    if fmt not in OUTPUT_FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(OUTPUT_FORMATS)}, got {fmt!r}")
    return fmt


def _pairs(in_dir, out_dir, fmt):
    """Every image of ``in_dir`` with its output path in ``out_dir``."""
    in_dir, out_dir = Path(in_dir), Path(out_dir)
    if not in_dir.is_dir():
        raise FileNotFoundError(f"input folder '{in_dir}' does not exist")
    if out_dir.exists() and out_dir.resolve() == in_dir.resolve():
        raise ValueError(f"the output folder '{out_dir}' is the input folder; "
                         "give another output folder")
    files = list_images(in_dir)
    return [(src, out_dir / name) for src, name in zip(files, output_names(files, fmt))]


def plan(in_dir, out_dir, *, fmt="png", overwrite=False):
    """Pair every image of ``in_dir`` with its output path; split off existing outputs.

    Output names: see :func:`output_names`.

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
    pairs = _pairs(in_dir, out_dir, _check_format(fmt))
    todo, skipped, blocked = [], [], []
    for src, dst in pairs:
        if not dst.exists() or overwrite:
            todo.append((src, dst))
        elif output_is_complete(dst):
            skipped.append(src)
        else:
            blocked.append((src, f"output '{dst}' exists but is not a readable image; "
                                 "use overwrite (--overwrite) to replace it"))
    return todo, skipped, blocked


def _jsonable(value):
    """An option value as recorded: files by absolute path, objects by type."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (str, os.PathLike)):
        path = Path(value)
        return os.path.abspath(path) if path.is_file() else str(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return f"<{type(value).__module__}.{type(value).__qualname__} object>"


def _absolute_options(options):
    """Options with file paths made absolute (for workers started elsewhere)."""
    return {k: (os.path.abspath(v) if isinstance(v, (str, os.PathLike)) and Path(v).is_file()
                else v) for k, v in options.items()}


def _settings(info, scale, options, fmt):
    """The settings record of a run: what decides the output pixels and names."""
    from . import __version__

    options = dict(options)
    bp = bool(options.pop("backprojection", False))
    bp_iterations = options.pop("backprojection_iterations", 20)
    for name in _NOT_RECORDED:
        options.pop(name, None)
    recorded = {o.name: options.pop(o.name, o.default) for o in info.options}
    recorded.update(options)  # any other option, as given
    method_options = {k: _jsonable(v) for k, v in sorted(recorded.items())}
    scale = int(scale) if float(scale).is_integer() else float(scale)
    return {"classicsr": __version__, "method": info.name, "scale": scale,
            "options": method_options, "backprojection": bp,
            "backprojection_iterations": bp_iterations if bp else None,
            "format": fmt}


def _check_settings(out_dir, settings, pairs, overwrite):
    """Refuse to resume into ``out_dir`` if it holds outputs of other settings.

    Returns whether the record must be (re)written.
    """
    record = Path(out_dir) / SETTINGS_FILE
    if record.is_file():
        try:
            recorded = json.loads(record.read_text(encoding="utf-8"))
            if not isinstance(recorded, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as exc:
            if overwrite:
                return True
            raise FileExistsError(f"the settings record '{record}' cannot be read ({exc}); "
                                  "use --overwrite to re-process every image") from None
        if recorded == settings:
            return False
        if overwrite:
            return True
        keys = list(settings) + [k for k in recorded if k not in settings]
        diffs = [f"{k} {recorded.get(k)!r} (recorded), {settings.get(k)!r} (now)"
                 for k in keys if recorded.get(k) != settings.get(k)]
        raise FileExistsError(
            f"'{out_dir}' holds outputs made with other settings: {'; '.join(diffs)}; use "
            "--overwrite to re-process every image with these, or another output folder")
    existing = [dst for _, dst in pairs if dst.exists()]
    if existing and not overwrite:
        raise FileExistsError(
            f"'{out_dir}' holds outputs (e.g. '{existing[0].name}') but no settings record "
            f"'{SETTINGS_FILE}', so they may be of other settings; use --overwrite to "
            "re-process every image, or another output folder")
    return True


def _check_requirements(info):
    from .registry import missing_requirements

    missing = missing_requirements(info)
    if missing:
        raise ImportError(f"method {info.name!r} needs an extra that is not installed: "
                          f"pip install \"classicsr[{','.join(missing)}]\"")


def _process_one(src, dst, scale, method, options, overwrite):
    """Worker: read, upscale, write atomically (with the input's ICC profile and DPI).

    Returns ``(src, error or None, warnings)``: the messages of the user
    warnings raised on the way (e.g. a multi-page TIFF of which the first
    page is read, bits an output format cannot hold), reported by the parent.
    """
    import warnings

    from .io import read_image, read_metadata, write_image
    from ._dispatch import upscale

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        try:
            img = read_image(src)
            write_image(dst, upscale(img, scale, method, **options), overwrite=overwrite,
                        metadata=read_metadata(src))
            error = None
        except Exception as exc:  # noqa: BLE001 - every failure is reported, none stops the batch
            error = f"{type(exc).__name__}: {exc}"
    notes = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    return src, error, list(dict.fromkeys(notes))


def run_batch(in_dir, out_dir, scale, method="bicubic", *, workers=None, scheduler=None,
              scheduler_timeout=60.0, fmt="png", overwrite=False, progress=True, **options):
    """Upscale every image of ``in_dir`` into ``out_dir``.

    Parameters
    ----------
    in_dir, out_dir : str or Path
        Input folder (PNG, JPEG, TIFF, BMP; not recursive) and output folder
        (created; not the input folder). Output names: the input stems with
        suffix ``fmt``, the whole input names where stems clash
        (:func:`output_names`). The settings are recorded in
        ``out_dir/classicsr-batch.json``.
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
        which must see the same (absolute) paths. Needs the ``dask`` extra.
    scheduler_timeout : float
        Seconds to wait for the scheduler to answer and for a first worker
        to connect (default 60); then ``TimeoutError``.
    fmt : str
        Output format suffix.
    overwrite : bool
        Re-process images whose output exists (default: skip them), and
        replace a settings record of other settings (default: refuse).
    progress : bool
        tqdm progress bar.
    **options
        Passed to :func:`classicsr.upscale` (``model=``, ``backprojection=``...).

    Returns
    -------
    BatchReport
        An input folder without images gives an empty report with a note.

    Raises
    ------
    BatchInterrupted
        On Ctrl-C, once the batch has stopped; its ``report`` lists what was
        done.
    FileExistsError
        ``out_dir`` holds outputs of other settings (or of an unknown run)
        and ``overwrite`` is False.
    ImportError
        The method needs an extra that is not installed, or ``scheduler``
        without ``distributed``; the message names the ``pip install``.
    """
    from tqdm.auto import tqdm

    from ._dispatch import check_upscale_call

    start = time.perf_counter()
    info, checked_scale = check_upscale_call(method, scale, options)
    workers = check_int(workers, "workers", minimum=1, allow_none=True)
    scheduler_timeout = check_real(scheduler_timeout, "scheduler_timeout", minimum=0,
                                   strict_minimum=True)
    fmt = _check_format(fmt)
    if scheduler is None:
        _check_requirements(info)
    pairs = _pairs(in_dir, out_dir, fmt)
    if not pairs:
        return BatchReport(note=f"no images (PNG, JPEG, TIFF, BMP) in '{in_dir}': "
                                "nothing to do", seconds=time.perf_counter() - start)
    settings = _settings(info, checked_scale, options, fmt)
    write_record = _check_settings(out_dir, settings, pairs, overwrite)
    todo, skipped, blocked = plan(in_dir, out_dir, fmt=fmt, overwrite=overwrite)
    report = BatchReport(skipped=[str(p) for p in skipped],
                         failed=[(str(p), why) for p, why in blocked])
    shown = {os.path.abspath(s): str(s) for s, _ in todo}
    tasks = [(os.path.abspath(s), os.path.abspath(d), scale, method, _absolute_options(options),
              overwrite) for s, d in todo]

    def prepare():
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        if write_record:
            from .io import atomic_write_bytes

            text = json.dumps(settings, indent=2) + "\n"
            atomic_write_bytes(Path(out_dir) / SETTINGS_FILE, text.encode(), overwrite=True)

    bar = tqdm(total=len(tasks), desc=f"{method} x{scale}", unit="img", disable=not progress)

    def collect(result):
        src, error, notes = result
        name = shown.get(src, src)
        if error is None:
            report.done.append(name)
        else:
            report.failed.append((name, error))
        report.warnings.extend((name, note) for note in notes)
        bar.update(1)

    try:
        if scheduler is not None:
            left = _run_distributed(scheduler, scheduler_timeout, tasks, prepare, collect)
        else:
            prepare()
            workers = workers or os.cpu_count() or 1
            if workers == 1 or len(tasks) <= 1:
                left = _run_here(tasks, collect)
            else:
                left = _run_local(tasks, workers, collect)
    finally:
        bar.close()
        report.seconds = time.perf_counter() - start
    if left is not None:
        report.interrupted = True
        report.pending = [shown.get(t[0], t[0]) for t in left]
        raise BatchInterrupted(report)
    return report


def _run_here(tasks, collect):
    """Run in this process; returns the tasks left if interrupted, else None."""
    left = deque(tasks)
    try:
        while left:
            result = _process_one(*left[0])
            left.popleft()
            collect(result)
    except KeyboardInterrupt:  # an atomic write cut short removes its temporary file
        return list(left)
    return None


# -- local worker processes ------------------------------------------------------------
#
# One pipe per worker and no shared queue or lock: the parent hands a task to an
# idle worker and waits on the pipes. Terminating a worker therefore cannot leave
# a lock held (the hang of ProcessPoolExecutor / multiprocessing.Pool at exit),
# and a worker that dies fails only its own image.

def _die_with_parent():
    """Linux: have the kernel kill this process when its parent dies, so that a
    parent ended abruptly (a signal it cannot handle) leaves no worker behind."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - no libc prctl
        pass


def _worker_main(conn):
    """A worker process: ignore SIGINT (the parent decides), then run tasks until None."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    _limit_threads()
    try:  # tqdm's default lock is a multiprocessing semaphore, "leaked" when terminated
        from tqdm import tqdm

        tqdm.set_lock(threading.RLock())
    except ImportError:  # pragma: no cover - tqdm is a dependency
        pass
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        try:
            conn.send(_process_one(*task))
        except OSError:
            return


def _in_main_thread():
    return threading.current_thread() is threading.main_thread()


class _Interrupt:
    """SIGINT handler of the parent while workers run: counts the interrupts and
    wakes :func:`multiprocessing.connection.wait` through a pipe."""

    def __init__(self, context):
        self.count = 0
        self.reader, self._writer = context.Pipe(duplex=False)
        self._previous = None

    def __call__(self, signum, frame):
        self.count += 1
        if self.count == 1:
            self._writer.send_bytes(b"!")

    def __enter__(self):
        if _in_main_thread():
            self._previous = signal.signal(signal.SIGINT, self)
        return self

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        self.reader.close()
        self._writer.close()


@contextmanager
def _children_ignore_sigint():
    """Start processes that ignore SIGINT from birth: SIGINT blocked (an interrupt
    meanwhile stays pending for this process) and ignored (inherited through exec)."""
    if not _in_main_thread():
        yield
        return
    can_block = hasattr(signal, "pthread_sigmask")
    if can_block:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if can_block:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


@contextmanager
def _sigint_ignored():
    """Ignore SIGINT meanwhile (in the main thread)."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if _in_main_thread() else None
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


class _Worker:
    def __init__(self, context):
        parent, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child,), daemon=True,
                                       name="classicsr-batch-worker")
        with _children_ignore_sigint():
            self.process.start()
        child.close()
        self.conn = parent
        self.task = None


def _run_local(tasks, workers, collect):
    """Run on local worker processes; returns the tasks left if interrupted, else None."""
    import multiprocessing
    from multiprocessing.connection import wait

    context = multiprocessing.get_context("spawn")  # no fork of Numba threads
    pending = deque(tasks)
    pool, requeued = [], set()
    with _Interrupt(context) as interrupt:
        try:
            for _ in range(min(workers, len(tasks))):
                pool.append(_Worker(context))
            idle = list(pool)
            while (pending or len(idle) < len(pool)) and not interrupt.count:
                while idle and pending:
                    worker = idle.pop()
                    worker.task = pending.popleft()
                    try:
                        worker.conn.send(worker.task)
                    except OSError:  # died while idle: a new worker, the task goes back once
                        task, result = worker.task, _lost(worker)
                        idle.append(_replace(pool, worker, context))
                        if id(task) in requeued:
                            collect(result)
                        else:
                            requeued.add(id(task))
                            pending.appendleft(task)
                busy = {w.conn: w for w in pool if w.task is not None}
                for conn in wait([*busy, interrupt.reader]):
                    if conn is interrupt.reader:
                        continue
                    worker = busy[conn]
                    try:
                        result = conn.recv()
                        worker.task = None
                    except (EOFError, OSError):  # the worker died on this image
                        result = _lost(worker)
                        worker = _replace(pool, worker, context)
                    idle.append(worker)
                    collect(result)
        finally:
            stopped = interrupt.count > 0 or sys.exc_info()[0] is not None
            running = [w.task for w in pool if w.task is not None]
            _stop(pool, terminate=stopped)
            if stopped:
                _remove_partial_outputs(running)
        if interrupt.count:
            return running + list(pending)
    return None


def _replace(pool, worker, context):
    """A new worker in place of ``worker`` (dead) in ``pool``."""
    new = _Worker(context)
    pool[pool.index(worker)] = new
    return new


def _lost(worker):
    """The result of a task whose worker process died."""
    worker.process.join(1)
    code = worker.process.exitcode
    how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
    worker.conn.close()
    return worker.task[0], f"the worker process died ({how}) on this image", []


def _stop(pool, terminate):
    """End the worker processes: politely after a normal run, at once otherwise."""
    if not terminate:
        for worker in pool:
            try:
                worker.conn.send(None)
            except OSError:
                pass
    for worker in pool:
        if terminate and worker.process.is_alive():
            worker.process.terminate()
    deadline = time.monotonic() + (2.0 if terminate else 10.0)
    for worker in pool:
        worker.process.join(max(0.0, deadline - time.monotonic()))
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join(1.0)
        worker.conn.close()


def _remove_partial_outputs(tasks):
    """Remove the temporary files of writes cut short by terminating their worker."""
    for task in tasks:
        dst = Path(task[1])
        prefix = f".{dst.name}."
        try:
            for path in dst.parent.iterdir():
                if path.name.startswith(prefix) and path.name.endswith(".tmp"):
                    path.unlink(missing_ok=True)
        except OSError:
            pass


# -- dask.distributed ------------------------------------------------------------------

def _run_distributed(scheduler, timeout, tasks, prepare, collect):
    """Run on a dask.distributed cluster; returns the tasks left if interrupted, else None."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise ImportError(f"--scheduler needs dask.distributed: {_DASK_EXTRA}") from None
    try:
        client = Client(scheduler, timeout=timeout)
    except OSError as exc:  # includes TimeoutError
        raise OSError(f"cannot connect to the dask scheduler at {scheduler} within "
                      f"{timeout:g} s: {exc}") from None
    with client:
        try:
            client.wait_for_workers(1, timeout=timeout)
        except (OSError, TimeoutError):
            raise TimeoutError(f"no dask worker connected to the scheduler at {scheduler} "
                               f"within {timeout:g} s (scheduler_timeout, "
                               "--scheduler-timeout); start one with "
                               f"'dask worker {scheduler}'") from None
        prepare()
        futures = {client.submit(_process_one, *task, pure=False): task for task in tasks}
        finished = set()
        try:
            for future in as_completed(futures):
                try:
                    result = future.result()
                except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker: this image fails
                    result = (futures[future][0], f"{type(exc).__name__}: {exc}", [])
                finished.add(future)
                collect(result)
        except KeyboardInterrupt:
            left = [f for f in futures if f not in finished]
            with _sigint_ignored():  # a second Ctrl-C does not cut the cancel short
                client.cancel(left)
            return [futures[f] for f in left]
    return None


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
    from .io import read_image

    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        return False
    try:
        read_image(path)
    except (OSError, ValueError):
        return False
    return True
