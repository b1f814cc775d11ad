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
    """

    name: str
    function: object = field(repr=False)
    description: str
    reference: str
    scales: tuple | None
    needs_model: bool
    halo: int
    channels: str


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
        )
        return function

    return decorator


def unregister_method(name):
    """Remove a method from the registry (for tests and plug-ins)."""
    _REGISTRY.pop(name, None)


def available_methods():
    """Return ``{name: MethodInfo}`` of every registered method, sorted by name."""
    return dict(sorted(_REGISTRY.items()))


def get_method(name):
    """Return the :class:`MethodInfo` of ``name``; ``ValueError`` listing the known ones."""
    if not isinstance(name, str):
        raise TypeError(f"method must be a string, got {type(name).__name__}")
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise ValueError(f"unknown method {name!r}; known methods: {known}") from None
