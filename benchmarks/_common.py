"""Helpers shared by the benchmark scripts: timing, JIT probes, JSON output,
published tables."""

import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from classicsr.io import atomic_write_bytes  # noqa: E402


def timed(fn, repeats, warmup=True):
    """Run ``fn`` (once untimed if ``warmup``), then ``repeats`` timed runs.

    Returns ``({"median_s", "min_s", "runs"}, last result)``.
    """
    if warmup:
        fn()
    times, result = [], None
    for _ in range(repeats):
        result = None  # free the previous result (can be hundreds of MB) first
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return {"median_s": statistics.median(times), "min_s": min(times),
            "runs": repeats}, result


def jit_times(probe):
    """Run the Python source ``probe`` (which prints one JSON object) in fresh
    interpreters with an empty ``NUMBA_CACHE_DIR``: once cold, once on the
    cache the first run filled. Returns ``{"cold_cache": ..., "warm_cache": ...}``."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        env["NUMBA_CACHE_DIR"] = cache
        for label in ("cold_cache", "warm_cache"):
            proc = subprocess.run([sys.executable, "-c", probe], env=env,
                                  capture_output=True, text=True, check=True)
            out[label] = json.loads(proc.stdout)
    return out


def data_root(parser):
    """The data root (``../shared/data`` or ``CLASSICSR_DATA``); ``parser.error`` without."""
    from classicsr.datasets import find_data_root

    root = find_data_root()
    if root is None:
        parser.error("Set14 not found: set CLASSICSR_DATA or put ../shared beside the repo")
    return root


def machine(**extra):
    """The ``machine`` record of a benchmark JSON: platform, Python, CPUs, ``extra``
    (e.g. thread counts) and the 1-minute load average now (``load_average_before``)."""
    import platform

    return {"platform": platform.platform(), "python": sys.version.split()[0],
            "cpus": os.cpu_count(), **extra, "load_average_before": os.getloadavg()[0]}


def write_json(path, payload):
    """Write ``payload`` as indented JSON to ``path``, atomically (replacing it)."""
    text = json.dumps(payload, indent=2, allow_nan=False) + "\n"
    atomic_write_bytes(path, text.encode(), overwrite=True)


def published(reference, missing_ok=False):
    """Published means of ``reference/paper_tables.csv``: ``{(method, dataset,
    scale): PSNR}``; an empty table when the file is absent and ``missing_ok``."""
    path = Path(reference) / "paper_tables.csv"
    if missing_ok and not path.is_file():
        return {}
    table = {}
    with open(path) as handle:
        for row in csv.DictReader(handle):
            for s in (2, 3, 4):
                table[(row["method"], row["dataset"], s)] = float(row[f"x{s}"])
    return table
