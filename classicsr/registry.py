"""The method registry: every super-resolution method, by name.

Methods are registered with the :func:`register_method` decorator; the
public :func:`classicsr.upscale`, :func:`available_methods` and the
``classicsr`` command line are generated from this table.
"""

from dataclasses import dataclass, field

#: How a method treats colour: ``'all'`` runs it on every channel in the
#: input dtype; ``'luminance'`` runs it on the float Y channel in [0, 1] and
#: upscales Cb/Cr (and alpha) with bicubic, as the learning-based papers do.
CHANNEL_MODES = ("all", "luminance")

#: What a method takes: ``'single'`` -- one image (:func:`classicsr.upscale`);
#: ``'multiframe'`` -- several frames of one scene
#: (:func:`classicsr.upscale_frames`).
METHOD_KINDS = ("single", "multiframe")


@dataclass(frozen=True)
class MethodInfo:
    """Description of one registered method.

    Attributes
    ----------
    name : str
        Registry key, as passed to ``upscale(..., method=name)``.
    function : callable
        ``function(image, scale, **options)``. For ``channels='all'`` it gets
        the validated image in its own dtype and returns that dtype; for
        ``'luminance'`` it gets a float64 ``(h, w)`` array in [0, 1] and
        returns a float64 ``(h * scale, w * scale)`` array.
    description : str
        One line, shown by ``classicsr methods``.
    reference : str
        The paper (authors, venue, year).
    scales : tuple of int or None
        Integer scales supported; ``None`` for any positive real scale.
    needs_model : bool
        Whether the method uses a trained model.
    halo : int
        Pixels of LR context needed around a tile for the tile's output to
        equal the whole-image output (used by tiled and distributed runs).
    channels : {'all', 'luminance'}
        Colour handling, see :data:`CHANNEL_MODES`.
    kind : {'single', 'multiframe'}
        What the method takes, see :data:`METHOD_KINDS`. A multi-frame
        method's ``function`` takes a
        :class:`classicsr.multiframe.methods.Problem` and its options.
    requires : tuple of (module, extra)
        Optional modules the method needs at run time and the
        ``pip install "classicsr[extra]"`` that provides each (e.g.
        ``(("onnxruntime", "onnx"),)`` for the CNN baselines); see
        :func:`missing_requirements`.
    """

    name: str
    function: object = field(repr=False)
    description: str
    reference: str
    scales: tuple | None
    needs_model: bool
    halo: int
    channels: str
    kind: str = "single"
    requires: tuple = ()


_REGISTRY = {}


def register_method(
    name,
    *,
    description,
    reference,
    scales=None,
    needs_model=False,
    halo=0,
    channels="all",
    kind="single",
    requires=(),
):
    """Class or function decorator that registers a super-resolution method.

    Examples
    --------
    >>> from classicsr.registry import register_method
    >>> @register_method("double_nearest", description="demo", reference="-",
    ...                  scales=(2,), halo=1)
    ... def _double(img, scale):
    ...     return img.repeat(2, 0).repeat(2, 1)
    """
    if name in _REGISTRY:
        raise ValueError(f"a method named {name!r} is already registered")
    if channels not in CHANNEL_MODES:
        raise ValueError(f"channels must be one of {CHANNEL_MODES}, got {channels!r}")
    if kind not in METHOD_KINDS:
        raise ValueError(f"kind must be one of {METHOD_KINDS}, got {kind!r}")
    if scales is not None:
        scales = tuple(int(s) for s in scales)

    def decorator(function):
        _REGISTRY[name] = MethodInfo(
            name=name,
            function=function,
            description=description,
            reference=reference,
            scales=scales,
            needs_model=bool(needs_model),
            halo=int(halo),
            channels=channels,
            kind=kind,
            requires=tuple((str(m), str(e)) for m, e in requires),
        )
        return function

    return decorator


def unregister_method(name):
    """Remove a method from the registry (for tests and plug-ins)."""
    _REGISTRY.pop(name, None)


def _check_kind(kind):
    if kind not in METHOD_KINDS + ("all",):
        raise ValueError(
            f"kind must be one of {', '.join(METHOD_KINDS + ('all',))}, got {kind!r}")
    return kind


def available_methods(kind="single"):
    """Return ``{name: MethodInfo}`` of the registered methods, sorted by name.

    Parameters
    ----------
    kind : {'single', 'multiframe', 'all'}
        ``'single'`` (the default, what :func:`classicsr.upscale` accepts):
        single-image methods; ``'multiframe'``: the methods of
        :func:`classicsr.upscale_frames`; ``'all'``: both (see
        :attr:`MethodInfo.kind`).
    """
    _check_kind(kind)
    return {name: info for name, info in sorted(_REGISTRY.items())
            if kind == "all" or info.kind == kind}


def get_method(name, kind="single"):
    """Return the :class:`MethodInfo` of ``name``.

    ``ValueError`` listing the known methods of ``kind`` if there is none of
    that name, or naming the entry point to use if ``name`` is a method of
    the other kind (``kind='all'`` accepts both).
    """
    _check_kind(kind)
    if not isinstance(name, str):
        raise TypeError(f"method must be a string, got {type(name).__name__}")
    info = _REGISTRY.get(name)
    if info is not None and kind in ("all", info.kind):
        return info
    if info is not None:
        entry = {"single": "classicsr.upscale(img, scale, method=...)",
                 "multiframe": "classicsr.upscale_frames(frames, scale, method=...)"}
        what = "multi-frame" if info.kind == "multiframe" else "single-image"
        raise ValueError(
            f"method {name!r} is a {what} method; use {entry[info.kind]} "
            f"(methods here: {', '.join(available_methods(kind))})")
    known = ", ".join(available_methods(kind))
    raise ValueError(f"unknown method {name!r}; known methods: {known}")


def missing_requirements(info):
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
