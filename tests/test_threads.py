"""classicsr.upscale from several threads at once gives the sequential results.

Models are loaded through the store's lock (cold caches here, so the threads
race on the first load), Numba kernels hold the GIL and keep no state, and
each call's tiles are its own.
"""

import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from skimage import data

import classicsr
from classicsr.modelstore import clear_cache

N_THREADS = 4
CALLS_PER_THREAD = 8
PHOTO = np.ascontiguousarray(data.astronaut())


def _images(n, size=(36, 44)):
    """``n`` different small RGB crops (every call gets its own image)."""
    h, w = size
    return [np.ascontiguousarray(PHOTO[17 * k % 400:17 * k % 400 + h,
                                       29 * k % 450:29 * k % 450 + w]) for k in range(n)]


def _in_threads(jobs):
    """Run the callables ``jobs`` in N_THREADS threads, all released together."""
    barrier = threading.Barrier(N_THREADS)
    per_thread = [jobs[t::N_THREADS] for t in range(N_THREADS)]

    def worker(mine):
        barrier.wait()
        return [job() for job in mine]

    with ThreadPoolExecutor(N_THREADS) as pool:
        done = list(pool.map(worker, per_thread))
    results = [None] * len(jobs)
    for t, outs in enumerate(done):
        results[t::N_THREADS] = outs
    return results


@pytest.mark.parametrize("method", ["aplus", "scsr", "bicubic"])
def test_threads_equal_sequential_calls(method):
    # ScSR codes every pixel's patch (slow): smaller images, fewer tiled calls
    images = _images(N_THREADS * CALLS_PER_THREAD, (24, 28) if method == "scsr" else (36, 44))
    # some calls tiled (small tiles forced), some not, some with back-projection
    tiled = 8 if method == "scsr" else 3
    options = [{"tile": 12} if k % tiled == 1 else
               {"backprojection": True} if k % 3 == 2 and method != "scsr" else {}
               for k in range(len(images))]
    sequential = [classicsr.upscale(img, 2, method, **opt)
                  for img, opt in zip(images, options)]
    clear_cache()  # the threads race on loading the model
    threaded = _in_threads([lambda img=img, opt=opt: classicsr.upscale(img, 2, method, **opt)
                            for img, opt in zip(images, options)])
    for k, (a, b) in enumerate(zip(threaded, sequential)):
        assert a.dtype == b.dtype, k
        np.testing.assert_array_equal(a, b, err_msg=f"call {k}")


def test_mixed_methods_and_scales_at_once():
    """Different methods, scales and shared derived projections (GR/ANR) at once."""
    plan = [("aplus", 2), ("bicubic", 3), ("anr", 2), ("gr", 3), ("kmeans", 2),
            ("lanczos3", 2.5), ("zeyde", 2), ("anr", 3)] * 4
    images = _images(len(plan), size=(30, 34))
    sequential = [classicsr.upscale(img, s, m) for img, (m, s) in zip(images, plan)]
    clear_cache()
    threaded = _in_threads([lambda img=img, m=m, s=s: classicsr.upscale(img, s, m)
                            for img, (m, s) in zip(images, plan)])
    for k, (a, b) in enumerate(zip(threaded, sequential)):
        np.testing.assert_array_equal(a, b, err_msg=f"{plan[k]}")


def test_numba_workqueue_layer_is_not_entered_concurrently():
    """Numba's workqueue threading layer (used where neither TBB nor OpenMP is
    available) aborts the process on concurrent parallel launches: the dispatcher
    serialises the kernels under it."""
    code = """
import threading, numpy as np, classicsr
img = np.random.default_rng(0).integers(0, 256, (40, 40, 3), dtype=np.uint8)
ref = {m: classicsr.upscale(img, 2, m) for m in ("bicubic", "aplus")}
bad = []
def work(m):
    for _ in range(6):
        if not np.array_equal(classicsr.upscale(img, 2, m), ref[m]): bad.append(m)
threads = [threading.Thread(target=work, args=(m,)) for m in ("bicubic", "aplus") * 2]
[t.start() for t in threads]; [t.join() for t in threads]
print("ok" if not bad else bad)
"""
    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, NUMBA_THREADING_LAYER="workqueue", NUMBA_NUM_THREADS="2",
               PYTHONPATH=os.pathsep.join(filter(None, [str(root),
                                                        os.environ.get("PYTHONPATH")])))
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "ok"
