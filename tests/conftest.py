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
