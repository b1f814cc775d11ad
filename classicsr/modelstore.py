"""Trained models: one store for every method, ``.npz`` and ``.onnx`` alike.

A model is a set of named numeric arrays plus a small JSON header (method,
scale, hyper-parameters), saved with ``numpy.savez`` and read back with
``allow_pickle=False``. Models shipped with the package live in
``classicsr/models/`` next to ``manifest.json``, which records for each file
the method, scale, sha256, training command, seed, wall time, library
versions and the PSNR it gives.

:func:`get_model` is the one way a method gets its model: a method's
registry entry names its *model family* (``'zeyde'``, ``'aplus'``,
``'srcnn'``, ...), each family is registered once with
:func:`register_model_family` (its file suffix, its loader and the class of
its fitted models, and optionally how such an object becomes the loaded
model), and the store resolves ``model=None``, a path, or a fitted model
object, with one bounded cache and one set of error messages.

``model=None`` is the model the user built with ``classicsr train METHOD
--scale S`` (no ``--out``) when there is one -- the file
``FAMILY_xS.npz`` / ``.onnx`` in :func:`user_models_dir` -- and otherwise
the shipped file, sha256-checked. IA's full models, too large to ship,
are built this way.
"""

import functools
import hashlib
import io
import json
import os
import zipfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from .io import atomic_write_bytes

__all__ = ["CACHE_SIZE", "MANIFEST", "ModelFamily", "clear_cache", "get_model",
           "has_default_model", "has_shipped_model", "load_model", "model_family", "read_manifest",
           "register_model_family", "save_model", "sha256_of", "shipped_model_path",
           "shipped_models_dir", "user_model_path", "user_models_dir", "USER_MODELS_ENV"]

_HEADER = "__header__"
MANIFEST = "manifest.json"
#: Loaded models kept in memory (least recently used dropped first).
CACHE_SIZE = 16
#: Environment variable naming the folder of user-built models (overrides
#: :func:`user_models_dir`'s platform default).
USER_MODELS_ENV = "CLASSICSR_MODELS"


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


def load_model(path):
    """Read a ``.npz`` model written by :func:`save_model` (no pickle).

    Returns
    -------
    arrays : dict of ndarray
    header : dict

    Raises
    ------
    ValueError
        If the file is corrupt, truncated or not a model. The message names
        the file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such model file: '{path}'")
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
    stat = path.stat()
    return json.loads(_manifest_text(str(path), stat.st_size, stat.st_mtime_ns))


@functools.lru_cache(maxsize=4)
def _manifest_text(path, size, mtime_ns):
    """The manifest's text, read once per version of the file."""
    return Path(path).read_text()


def shipped_model_path(family, scale):
    """Path and manifest entry of the shipped model of ``family`` at ``scale``."""
    for name, entry in read_manifest().get("models", {}).items():
        if entry["method"] == family and entry["scale"] == scale:
            return shipped_models_dir() / name, entry
    raise FileNotFoundError(
        f"no shipped {family} model at scale {scale}; train one with "
        f"'classicsr train {family} --scale {scale} --images DIR --out FILE' and pass "
        "model=FILE"
    )


def user_models_dir():
    """Folder of the models built by ``classicsr train METHOD --scale S`` without ``--out``.

    ``$CLASSICSR_MODELS`` when set, else ``models`` in the user's cache folder
    of the platform (``platformdirs.user_cache_dir('classicsr')``: on Linux
    ``~/.cache/classicsr/models``).
    """
    env = os.environ.get(USER_MODELS_ENV)
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("classicsr")) / "models"


def user_model_path(family, scale, suffix=None):
    """Path of the user-built model of ``family`` at ``scale`` (it may not exist)."""
    suffix = model_family(family).suffix if suffix is None else suffix
    return user_models_dir() / f"{family}_x{scale}{suffix}"


def has_default_model(family, scale):
    """Whether ``model=None`` finds a model of ``family`` at ``scale`` (user-built
    or shipped)."""
    return (user_model_path(family, scale).is_file() or has_shipped_model(family, scale))


def has_shipped_model(family, scale):
    """Whether a model of ``family`` at ``scale`` ships with the package."""
    return any(e["method"] == family and e["scale"] == scale
               for e in read_manifest().get("models", {}).values())


@dataclass(frozen=True)
class ModelFamily:
    """How the models of one family are stored and loaded.

    Attributes
    ----------
    name : str
        The family (the ``method`` of the manifest and of the file's header).
    suffix : str
        File suffix, ``'.npz'`` or ``'.onnx'``.
    load : callable
        ``load(path, **load_options)`` -> a model with ``scale`` and
        ``method`` attributes; raises ``ValueError`` for a file that is not
        such a model.
    model_type : type or None
        Class of fitted models accepted as ``model=`` directly.
    estimator : type or None
        The scikit-learn estimator that trains the family (``None`` when it
        is trained only by a recipe).
    adapt : callable or None
        ``adapt(model, **load_options)`` -> the loaded model for an accepted
        ``model_type`` object that is not itself what ``load`` returns (a
        fitted :class:`~classicsr.cnn.train.CNNTrainer` gives an ONNX Runtime
        network); ``None``: such objects are used as they are.
    """

    name: str
    suffix: str
    load: object
    model_type: object = None
    estimator: object = None
    adapt: object = None


_FAMILIES: dict[str, "ModelFamily"] = {}
_CACHE: OrderedDict = OrderedDict()
_CACHE_LOCK = threading.Lock()


def register_model_family(name, *, suffix, load, model_type=None, estimator=None, adapt=None):
    """Declare a model family (called by the module that implements it; see
    :class:`ModelFamily` for the arguments)."""
    if suffix not in (".npz", ".onnx"):
        raise ValueError(f"suffix must be '.npz' or '.onnx', got {suffix!r}")
    if adapt is not None and model_type is None:
        raise ValueError("adapt converts objects of model_type: give model_type too")
    _FAMILIES[name] = ModelFamily(name, suffix, load, model_type, estimator, adapt)
    return _FAMILIES[name]


def model_family(name):
    """The :class:`ModelFamily` of ``name`` (the built-in methods are loaded first)."""
    from .registry import available_methods

    available_methods("all")  # registers the built-in families
    try:
        return _FAMILIES[name]
    except KeyError:
        raise ValueError(f"unknown model family {name!r}; known: "
                         f"{', '.join(sorted(_FAMILIES))}") from None


def clear_cache():
    """Forget every loaded model."""
    with _CACHE_LOCK:
        _CACHE.clear()


def _check_loaded(loaded, family, scale, where):
    got = (getattr(loaded, "method", None), getattr(loaded, "scale", None))
    if got != (family.name, scale):
        raise ValueError(f"model {where} is {got[0]} x{got[1]}, not {family.name} x{scale}")
    return loaded


def get_model(family, scale, model=None, **load_options):
    """The loaded model of ``family`` at ``scale``.

    Parameters
    ----------
    family : str
        A model family (:attr:`classicsr.registry.MethodInfo.model`).
    scale : int
    model : None, str, Path or a fitted model
        ``None``: the model the user built into :func:`user_models_dir`
        when there is one, else the model shipped with the package (its
        sha256 checked against the manifest); a path: a file written by ``classicsr train``
        or by the family's export; a fitted model object of the family
        (converted by the family's ``adapt`` hook when it has one).
    **load_options
        Passed to the family's loader or ``adapt`` hook (e.g. ONNX Runtime
        ``providers``); part of the cache key of files.

    Returns
    -------
    object
        The model; loaded files are cached (:data:`CACHE_SIZE` entries, keyed
        by path, size, modification time and load options).

    Raises
    ------
    TypeError
        ``model`` is not None, a path or a model of the family.
    FileNotFoundError
        No such file, or no shipped model at that scale.
    ValueError
        A file of another suffix, family or scale, corrupt, or whose sha256
        differs from the manifest.
    """
    fam = model_family(family)
    if fam.model_type is not None and isinstance(model, fam.model_type):
        where = f"object {type(model).__name__}"
        _check_loaded(model, fam, scale, where)
        if fam.adapt is None:
            return model
        return _check_loaded(fam.adapt(model, **load_options), fam, scale, where)
    if model is None and user_model_path(fam.name, scale, fam.suffix).is_file():
        path, expected = user_model_path(fam.name, scale, fam.suffix), None
    elif model is None:
        path, entry = shipped_model_path(fam.name, scale)
        expected = entry["sha256"]
    elif isinstance(model, (str, Path)) or hasattr(model, "__fspath__"):
        path, expected = Path(model), None
    else:
        accepted = ("None or a path" if fam.model_type is None else
                    f"None, a path or a fitted {fam.model_type.__name__}")
        raise TypeError(f"model must be {accepted}, got {type(model).__name__}")
    if not path.is_file():
        raise FileNotFoundError(f"no such model file: '{path}'")
    if path.suffix.lower() != fam.suffix:
        raise ValueError(f"model '{path}' is not a {fam.suffix} file: {fam.name} models are "
                         f"{fam.suffix} files written by classicsr")
    stat = path.stat()
    key = (fam.name, str(path.resolve()), stat.st_size, stat.st_mtime_ns, expected,
           tuple(sorted((k, repr(v)) for k, v in load_options.items())))
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is not None:
            _CACHE.move_to_end(key)
    if cached is not None:
        return _check_loaded(cached, fam, scale, f"'{path}'")
    if expected is not None:
        actual = sha256_of(path)
        if actual != expected:
            raise ValueError(f"model file '{path}' is corrupt: sha256 {actual[:12]}... does "
                             f"not match the manifest ({expected[:12]}...)")
    loaded = _check_loaded(fam.load(path, **load_options), fam, scale, f"'{path}'")
    with _CACHE_LOCK:
        _CACHE[key] = loaded
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return loaded
