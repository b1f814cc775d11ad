"""Trained models: ``.npz`` files without pickle, a sha256 manifest, safe I/O.

A model is a set of named numeric arrays plus a small JSON header (method,
scale, hyper-parameters), saved with ``numpy.savez`` and read back with
``allow_pickle=False``. Models shipped with the package live in
``classicsr/models/`` next to ``manifest.json``, which records for each file
the method, scale, sha256, training command, seed, wall time, library
versions and the PSNR it gives; loading a shipped model checks its sha256.
"""

import hashlib
import io
import json
import zipfile
from importlib import resources
from pathlib import Path

import numpy as np

from .io import atomic_write_bytes

_HEADER = "__header__"
MANIFEST = "manifest.json"


def sha256_of(path):
    """Hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_model(path, arrays, header, *, overwrite=False):
    """Write ``arrays`` (name -> ndarray) and a JSON ``header`` to ``path`` atomically."""
    buffer = io.BytesIO()
    payload = {name: np.ascontiguousarray(a) for name, a in arrays.items()}
    for name, a in payload.items():
        if a.dtype == object:
            raise TypeError(f"model array {name!r} has dtype object; only numeric arrays")
    payload[_HEADER] = np.frombuffer(json.dumps(header, sort_keys=True).encode(), np.uint8)
    np.savez(buffer, **payload)
    atomic_write_bytes(path, buffer.getvalue(), overwrite=overwrite)


def load_model(path, *, expected_sha256=None):
    """Read a model written by :func:`save_model`.

    Returns
    -------
    arrays : dict of ndarray
    header : dict

    Raises
    ------
    ValueError
        If the file is corrupt, truncated, not a model, or its sha256 differs
        from ``expected_sha256``. The message names the file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such model file: '{path}'")
    if expected_sha256 is not None:
        actual = sha256_of(path)
        if actual != expected_sha256:
            raise ValueError(
                f"model file '{path}' is corrupt: sha256 {actual[:12]}... does not match "
                f"the manifest ({expected_sha256[:12]}...)"
            )
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as exc:
        raise ValueError(f"model file '{path}' is corrupt or truncated ({exc})") from None
    if _HEADER not in arrays:
        raise ValueError(f"'{path}' is not a classicsr model (no header)")
    try:
        header = json.loads(arrays.pop(_HEADER).tobytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"model file '{path}' has a corrupt header ({exc})") from None
    return arrays, header


def shipped_models_dir():
    """The folder of the models shipped with the package."""
    return Path(str(resources.files("classicsr.models")))


def read_manifest():
    """The manifest of the shipped models (``{}`` if there is none)."""
    path = shipped_models_dir() / MANIFEST
    if not path.is_file():
        return {}
    return json.loads(path.read_text())


def shipped_model_path(method, scale):
    """Path and manifest entry of the shipped model of ``method`` at ``scale``."""
    manifest = read_manifest()
    for name, entry in manifest.get("models", {}).items():
        if entry["method"] == method and entry["scale"] == scale:
            return shipped_models_dir() / name, entry
    raise FileNotFoundError(
        f"no shipped model for method {method!r} at scale {scale}; train one with "
        f"'classicsr train {method} --scale {scale} --images DIR --out FILE' and pass "
        "model=FILE"
    )


#: Methods that use another method's model file.
MODEL_OF = {"gr": "zeyde", "anr": "zeyde", "lle": "zeyde"}


def has_shipped_model(method, scale):
    """Whether a model for ``method`` at ``scale`` ships with the package."""
    wanted = MODEL_OF.get(method, method)
    return any(e["method"] == wanted and e["scale"] == scale
               for e in read_manifest().get("models", {}).values())


def load_shipped(method, scale):
    """Load the shipped model of ``method`` at ``scale``, checking its sha256."""
    path, entry = shipped_model_path(method, scale)
    return load_model(path, expected_sha256=entry["sha256"])
