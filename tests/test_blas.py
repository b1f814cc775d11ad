"""The single-threaded BLAS context of the kernels that call BLAS from Numba threads."""

import os
import subprocess
import sys


def test_the_limit_covers_scipys_blas_when_entered_first():
    # In a fresh process whose first kernel call enters the context before
    # anything loaded SciPy's BLAS (the one Numba's np.dot calls), that BLAS
    # must still run on one thread inside the context.
    code = (
        "from classicsr._blas import single_threaded_blas\n"
        "with single_threaded_blas():\n"
        "    import scipy.linalg.cython_blas\n"
        "    from threadpoolctl import threadpool_info\n"
        "    print(sorted({i['num_threads'] for i in threadpool_info()"
        " if i['user_api'] == 'blas'}))\n"
    )
    env = dict(os.environ, OPENBLAS_NUM_THREADS="2", MKL_NUM_THREADS="2")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[1]"
