"""Thread counts for the tests of thread-count independence.

Under pytest-xdist each worker runs on one Numba and one BLAS thread
(``conftest.py``), so "the default count" would be one: these helpers set
the counts explicitly, one thread against every thread Numba may use.
"""

from contextlib import contextmanager

import numba
from threadpoolctl import threadpool_limits


@contextmanager
def threads(n=None):
    """Numba and BLAS on ``n`` threads inside the block (``None``: every thread
    Numba may use, ``NUMBA_NUM_THREADS``); the counts are restored after it."""
    n = numba.config.NUMBA_NUM_THREADS if n is None else n
    before = numba.get_num_threads()
    numba.set_num_threads(n)
    try:
        with threadpool_limits(n):
            yield
    finally:
        numba.set_num_threads(before)


def one_thread_and_all(call):
    """``(call() on one thread, call() on all of them)``."""
    with threads(1):
        one = call()
    with threads():
        many = call()
    return one, many
