"""Shared fixtures: where the reference data lives, and skips when it is absent.

Tests that need the standard images or the published tables look for the
``shared`` folder beside the repository (``../shared``) or for
``$CLASSICSR_DATA`` (the data root; the reference tables are read from its
sibling ``reference`` folder). When neither is there they are skipped with
the reason.
"""

import os
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Models a user built with ``classicsr train METHOD --scale S`` (no --out) would
# replace the shipped ones for model=None: the tests see an empty folder instead;
# tests of user-built models take the real folder from ``user_built_models``.
_USER_MODELS = os.environ.get("CLASSICSR_MODELS")
os.environ["CLASSICSR_MODELS"] = tempfile.mkdtemp(prefix="classicsr-test-models-")


@pytest.fixture(scope="session")
def user_built_models():
    """The user's model folder as it was before the tests replaced it."""
    if _USER_MODELS:
        return Path(_USER_MODELS)
    import platformdirs

    return Path(platformdirs.user_cache_dir("classicsr")) / "models"


def _shared_dir():
    env = os.environ.get("CLASSICSR_DATA")
    if env:
        return Path(env).resolve().parent
    candidate = REPO.parent / "shared"
    return candidate if candidate.is_dir() else None


@pytest.fixture(scope="session")
def shared_dir():
    shared = _shared_dir()
    if shared is None or not (shared / "data").is_dir():
        pytest.skip("reference data not found: needs ../shared beside the repository "
                    "or CLASSICSR_DATA pointing at the data root")
    return shared


@pytest.fixture(scope="session")
def data_root(shared_dir):
    return shared_dir / "data"


@pytest.fixture(scope="session")
def reference_dir(shared_dir):
    ref = shared_dir / "reference"
    if not ref.is_dir():
        pytest.skip(f"reference tables not found in {ref}")
    return ref


@pytest.fixture(scope="session")
def shared_or_none():
    """The shared folder, or None (for tests that run partly without it)."""
    shared = _shared_dir()
    return shared if shared is not None and (shared / "data").is_dir() else None


def _usable_cpus():
    """Cores this process may use: its CPU affinity and, in a container, its CPU
    quota (cgroup v2 ``cpu.max`` or v1 ``cpu.cfs_quota_us``), which ``os.cpu_count``
    does not see."""
    n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    for quota_file, period_file in (("/sys/fs/cgroup/cpu.max", None),
                                    ("/sys/fs/cgroup/cpu/cpu.cfs_quota_us",
                                     "/sys/fs/cgroup/cpu/cpu.cfs_period_us")):
        try:
            fields = Path(quota_file).read_text().split()
            quota = fields[0]
            period = Path(period_file).read_text().strip() if period_file else fields[1]
        except (OSError, IndexError):
            continue
        if quota not in ("max", "-1"):
            n = min(n, max(1, int(quota) // int(period)))
    return max(1, n or 1)


def pytest_xdist_auto_num_workers(config):
    """``-n auto`` (setup.cfg): one worker per usable core, at most 8 (each worker
    holds its own models and compiled kernels)."""
    return min(_usable_cpus(), 8)


def pytest_configure(config):
    """Under pytest-xdist each worker runs on one Numba and one BLAS thread: the
    workers share the cores (``-n 2`` on 2 cores), and oversubscribed thread
    pools spin and wait for each other. Tests of thread-count independence
    set the counts themselves (``tests/thread_counts.py``)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        import numba
        from threadpoolctl import threadpool_limits

        numba.set_num_threads(1)
        threadpool_limits(1)
