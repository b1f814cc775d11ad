"""One BLAS thread while Numba kernels call BLAS from their own threads.

Kernels that run ``np.dot`` inside ``prange`` (the anchor search) call the
BLAS that SciPy loads from every Numba thread: BLAS's own threads on top
would oversubscribe the cores (measured 1.6x slower for the anchor search),
and OpenBLAS's threads keep spinning after a call, which halves the speed of
the Numba kernel that follows.
"""

import contextlib
import threading

__all__ = ["single_threaded_blas"]

_BLAS = {"lock": threading.Lock(), "controller": None, "users": 0, "limiter": None}


@contextlib.contextmanager
def single_threaded_blas():
    """A context in which the loaded BLAS libraries use one thread.

    threadpoolctl's limit is process-wide, so concurrent callers (threads
    calling ``upscale``) share one: the first to enter sets it, the last to
    leave restores the user's setting. The controller is built once, on
    first use, after loading SciPy's BLAS (the one Numba's ``np.dot``
    calls).
    """
    with _BLAS["lock"]:
        if _BLAS["controller"] is None:
            # SciPy's BLAS must be loaded before the controller lists the
            # libraries, or the limit misses the one the kernels call.
            import scipy.linalg.cython_blas  # noqa: F401
            from threadpoolctl import ThreadpoolController

            _BLAS["controller"] = ThreadpoolController()
        if _BLAS["users"] == 0:
            _BLAS["limiter"] = _BLAS["controller"].limit(limits=1, user_api="blas")
        _BLAS["users"] += 1
    try:
        yield
    finally:
        with _BLAS["lock"]:
            _BLAS["users"] -= 1
            if _BLAS["users"] == 0:
                _BLAS["limiter"].restore_original_limits()
                _BLAS["limiter"] = None
