"""The method registry: every super-resolution method, by name.

A method is registered by the module that implements it, with the
:func:`register_method` decorator; the entry says everything a caller needs
(kind, colour handling, scales, tile halo and working memory, optional
requirements, the model family it loads and its options with defaults and
descriptions).
:func:`classicsr.upscale`, :func:`classicsr.upscale_frames`, the evaluation
protocol, ``compare``, ``demo``, ``batch``, Dask and the ``classicsr``
command line are all driven by this table through one dispatcher
(:mod:`classicsr._dispatch`).

The built-in methods are registered on first use of the registry (their
modules import Numba and scikit-learn), so ``import classicsr`` stays cheap.
"""

from __future__ import annotations

import importlib
import inspect
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

_F = TypeVar("_F", bound=Callable[..., Any])

__all__ = ["CHANNEL_MODES", "LEARNED_SCALES", "METHOD_KINDS", "MethodInfo", "MethodOption",
           "available_methods", "get_method", "missing_requirements", "register_method",
           "unregister_method"]

#: How a method treats colour: ``'all'`` runs it on every channel (in the
#: input dtype when no float step is needed); ``'luminance'`` runs it on the
#: float Y channel in [0, 1] and upscales Cb/Cr (and alpha) with bicubic, as
#: the learning-based papers do (see :mod:`classicsr._image`).
CHANNEL_MODES = ("all", "luminance")

#: What a method takes: ``'single'`` -- one image (:func:`classicsr.upscale`);
#: ``'multiframe'`` -- several frames of one scene
#: (:func:`classicsr.upscale_frames`); ``'face'`` -- one aligned face of the
#: size of a trained face set (:mod:`classicsr.face`; run by
#: :func:`classicsr.upscale` like a single-image method, but not listed with
#: them, so that ``compare``, ``demo`` and ``batch`` do not run them on
#: arbitrary images).
METHOD_KINDS = ("single", "multiframe", "face")

#: Integer scales the learning-based methods are trained and shipped for.
LEARNED_SCALES = (2, 3, 4)

#: Modules of the built-in methods, imported (and so registered) on first use.
_BUILTIN_MODULES = (
    "classicsr.interpolation",
    "classicsr.example_based",
    "classicsr.cnn.baselines",
    "classicsr.multiframe.algorithms", "classicsr.multiframe.irwsr",
    "classicsr.multiframe.bayesian",
    "classicsr.face",
    "classicsr.self_examples",
    "classicsr.kernel_regression",
)


@dataclass(frozen=True)
class MethodOption:
    """One option of a method: its name, default and a one-line description."""

    name: str
    default: object
    description: str

    def __str__(self) -> str:
        return f"{self.name}={self.default!r}: {self.description}"


@dataclass(frozen=True)
class MethodInfo:
    """Description of one registered method.

    Attributes
    ----------
    name : str
        Registry key, as passed to ``upscale(..., method=name)``.
    function : callable
        Single-image methods: ``function(image, scale, **options)``. For
        ``channels='all'`` it gets the validated image (in its own dtype, or
        float in [0, 1] when a float step such as back-projection follows)
        and returns the same dtype; for ``'luminance'`` it gets a float64
        ``(h, w)`` array in [0, 1] and returns a float64 ``(h * scale, w *
        scale)`` array. Multi-frame methods: ``function(problem, **options)``
        with a :class:`classicsr.multiframe.algorithms.Problem`.
    description : str
        One line, shown by ``classicsr methods``.
    reference : str
        The paper (authors, venue, year).
    scales : tuple of int or None
        Integer scales supported; ``None`` for any positive real scale.
    model : str or None
        The model family the method loads through
        :func:`classicsr.modelstore.get_model` (``'zeyde'`` for GR, ANR and
        NE+LLE, which use Zeyde's dictionary); ``None`` if it uses none.
    halo : int
        Pixels of LR context needed around a tile for the tile's output to
        equal the whole-image output (used by tiled and distributed runs).
    memory : float or None
        Peak working memory of ``function`` in bytes per output pixel of one
        float64 plane (the luminance for ``'luminance'`` methods, one
        channel for ``'all'`` methods, whose integer inputs scale it by
        their itemsize / 8), as measured by ``benchmarks/bench_memory.py
        --per-method``. :func:`classicsr.upscale` sizes its tiles from it
        (:mod:`classicsr._tiling`). ``None`` (the default of plug-ins): not
        measured -- the method is never tiled and only its output counts
        against the memory bound.
    memory_fixed : int
        Working memory in bytes that does not grow with the image (e.g. a
        chunk of patch codes), on top of :attr:`memory`.
    slow : bool
        The method takes seconds per image where the others take a fraction
        of one (the self-example searches): ``classicsr demo --fast`` and the
        examples' ``--fast`` leave it out.
    channels : {'all', 'luminance'}
        Colour handling, see :data:`CHANNEL_MODES`.
    kind : {'single', 'multiframe'}
        What the method takes, see :data:`METHOD_KINDS`.
    requires : tuple of (module, extra)
        Optional modules the method needs at run time and the
        ``pip install "classicsr[extra]"`` that provides each; see
        :func:`missing_requirements`.
    options : tuple of MethodOption
        The keyword options of ``function`` with their defaults and
        descriptions (``model`` included for methods that load one).
    """

    name: str
    function: object = field(repr=False)
    description: str
    reference: str
    scales: tuple | None
    model: str | None
    halo: int
    channels: str
    kind: str = "single"
    requires: tuple = ()
    options: tuple = ()
    memory: float | None = None
    memory_fixed: int = 0
    slow: bool = False

    @property
    def needs_model(self) -> bool:
        """Whether the method uses a trained model."""
        return self.model is not None

    @property
    def option_names(self) -> tuple[str, ...]:
        """The names of :attr:`options`, in signature order."""
        return tuple(o.name for o in self.options)


_REGISTRY: dict[str, MethodInfo] = {}
_LOCK = threading.RLock()
_BUILTINS_LOADED = False


def _method_options(name: str, function: Callable[..., Any], kind: str,
                    descriptions: Mapping[str, str], runtime: tuple[str, ...]
                    ) -> tuple[MethodOption, ...]:
    """The options of ``function`` (keyword parameters after the data ones)."""
    skip = 1 if kind == "multiframe" else 2
    params = list(inspect.signature(function).parameters.values())[skip:]
    options = []
    for p in params:
        if p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
            raise ValueError(f"method {name!r}: options must be named parameters, "
                             f"not *{p.name}")
        if p.name in runtime:
            continue
        if p.default is p.empty:
            raise ValueError(f"method {name!r}: option {p.name!r} has no default")
        if p.name not in descriptions:
            raise ValueError(f"method {name!r}: option {p.name!r} is not described")
        options.append(MethodOption(p.name, p.default, descriptions[p.name]))
    extra = set(descriptions) - {o.name for o in options}
    if extra:
        raise ValueError(f"method {name!r}: described options {sorted(extra)} are not "
                         "parameters of its function")
    return tuple(options)


def register_method(name: str, *, description: str, reference: str,
                    scales: tuple[int, ...] | None = None, model: str | None = None,
                    halo: int = 0, channels: str = "all", kind: str = "single",
                    requires: tuple[tuple[str, str], ...] = (),
                    options: Mapping[str, str] | None = None, runtime: tuple[str, ...] = (),
                    memory: float | None = None, memory_fixed: int = 0,
                    slow: bool = False) -> Callable[[_F], _F]:
    """Function decorator that registers a super-resolution method.

    Parameters
    ----------
    name, description, reference, scales, model, halo, channels, kind, requires, slow
        See :class:`MethodInfo`.
    memory, memory_fixed
        Measured working memory, see :class:`MethodInfo`; leave ``memory``
        unset unless the method's output on a tile with ``halo`` pixels of
        context equals the whole-image output (it is then tiled).
    options : dict, optional
        ``{option: one-line description}`` for every keyword parameter of the
        function (defaults are read from its signature).
    runtime : tuple of str
        Parameters the dispatcher supplies itself (e.g. a multi-frame
        method's ``callback`` and ``progress``); not user options.

    Examples
    --------
    >>> from classicsr.registry import get_method, register_method, unregister_method
    >>> @register_method("double_nearest", description="demo", reference="-",
    ...                  scales=(2,), halo=1, options={"copy": "return a copy"})
    ... def _double(img, scale, copy=True):
    ...     return img.repeat(2, 0).repeat(2, 1)
    >>> get_method("double_nearest").options[0].default
    True
    >>> unregister_method("double_nearest")
    """
    if name in _REGISTRY:
        raise ValueError(f"a method named {name!r} is already registered")
    if channels not in CHANNEL_MODES:
        raise ValueError(f"channels must be one of {CHANNEL_MODES}, got {channels!r}")
    if kind not in METHOD_KINDS:
        raise ValueError(f"kind must be one of {METHOD_KINDS}, got {kind!r}")
    if scales is not None:
        scales = tuple(int(s) for s in scales)
    if memory is not None:
        memory = float(memory)
        if not memory > 0:
            raise ValueError(f"memory must be > 0 bytes per output pixel, got {memory!r}")
    memory_fixed = int(memory_fixed)
    if memory_fixed < 0:
        raise ValueError(f"memory_fixed must be >= 0 bytes, got {memory_fixed!r}")

    def decorator(function: _F) -> _F:
        _REGISTRY[name] = MethodInfo(
            name=name,
            function=function,
            description=description,
            reference=reference,
            scales=scales,
            model=model,
            halo=int(halo),
            channels=channels,
            kind=kind,
            requires=tuple((str(m), str(e)) for m, e in requires),
            options=_method_options(name, function, kind, dict(options or {}),
                                    tuple(runtime)),
            memory=memory,
            memory_fixed=memory_fixed,
            slow=bool(slow),
        )
        return function

    return decorator


def unregister_method(name: str) -> None:
    """Remove a method from the registry (for tests and plug-ins)."""
    _REGISTRY.pop(name, None)


def _load_builtins() -> None:
    global _BUILTINS_LOADED
    if _BUILTINS_LOADED:
        return
    with _LOCK:
        if _BUILTINS_LOADED:
            return
        for module in _BUILTIN_MODULES:
            importlib.import_module(module)
        _BUILTINS_LOADED = True


def _check_kind(kind: str) -> str:
    if kind not in METHOD_KINDS + ("all",):
        raise ValueError(
            f"kind must be one of {', '.join(METHOD_KINDS + ('all',))}, got {kind!r}")
    return kind


def available_methods(kind: str = "single") -> dict[str, MethodInfo]:
    """Return ``{name: MethodInfo}`` of the registered methods, sorted by name.

    Parameters
    ----------
    kind : {'single', 'multiframe', 'face', 'all'}
        ``'single'`` (the default): single-image methods; ``'multiframe'``:
        the methods of :func:`classicsr.upscale_frames`; ``'face'``: the face
        hallucination methods (:mod:`classicsr.face`, also run by
        :func:`classicsr.upscale`); ``'all'``: every method (see
        :attr:`MethodInfo.kind`).

    Examples
    --------
    >>> import classicsr
    >>> [o.name for o in classicsr.available_methods()["aplus"].options]
    ['model']
    """
    _check_kind(kind)
    _load_builtins()
    return {name: info for name, info in sorted(_REGISTRY.items())
            if kind == "all" or info.kind == kind}


def get_method(name: str, kind: str = "single") -> MethodInfo:
    """Return the :class:`MethodInfo` of ``name``.

    ``ValueError`` listing the known methods of ``kind`` if there is none of
    that name, or naming the entry point to use if ``name`` is a method of
    the other kind (``kind='all'`` accepts both).
    """
    _check_kind(kind)
    if not isinstance(name, str):
        raise TypeError(f"method must be a string, got {type(name).__name__} {name!r}")
    _load_builtins()
    info = _REGISTRY.get(name)
    if info is not None and (kind in ("all", info.kind)
                             or (kind == "single" and info.kind == "face")):
        return info  # a face method is a single-image method on a face-sized image
    if info is not None:
        entry = {"single": "classicsr.upscale(img, scale, method=...)",
                 "face": "classicsr.upscale(face, scale, method=..., model=...)",
                 "multiframe": "classicsr.upscale_frames(frames, scale, method=...)"}
        what = {"multiframe": "multi-frame", "face": "face hallucination"}.get(
            info.kind, "single-image")
        raise ValueError(
            f"method {name!r} is a {what} method; use {entry[info.kind]} "
            f"(methods here: {', '.join(available_methods(kind))})")
    known = ", ".join(available_methods(kind))
    raise ValueError(f"unknown method {name!r}; known methods: {known}")


def missing_requirements(info: MethodInfo) -> list[str]:
    """The ``pip install`` extras whose modules ``info`` needs and are not installed.

    Examples
    --------
    >>> from classicsr.registry import get_method, missing_requirements
    >>> missing_requirements(get_method("bicubic"))
    []
    """
    import importlib.util

    return [extra for module, extra in info.requires
            if importlib.util.find_spec(module) is None]
