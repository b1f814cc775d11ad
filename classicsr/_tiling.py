"""The memory bound of :func:`classicsr.upscale` and its automatic tiling.

Before any large array is made, :func:`plan` estimates what a call needs:
the output array plus the method's working memory, from the bytes per
output pixel measured for each method (:attr:`MethodInfo.memory
<classicsr.registry.MethodInfo.memory>`, ``benchmarks/bench_memory.py
--per-method``) and the dispatcher's own conversions (colour, dtype,
back-projection), with a safety margin. Then:

* above the memory bound (``max_memory``, default :func:`default_max_memory`:
  the smaller of 8 GiB and 60 % of the memory available when the call
  starts, or ``$CLASSICSR_MAX_MEMORY``) the call is refused with a
  ``ValueError`` that says what it would need and how to allow it, rather
  than killed by the system once memory runs out;
* when the whole image needs more than :data:`TILE_MEMORY` (512 MiB) of
  working memory beyond its output (and the method's fixed
  ``memory_fixed``), it is processed in tiles: the LR image is split into
  the largest near-square tiles whose estimated working memory fits
  ``min(TILE_MEMORY + memory_fixed, max_memory - output)``,
  each tile is upscaled with ``halo`` LR pixels of context on every side
  where it has neighbours (none past the image border, which the method
  then sees as in the whole image), and the central ``scale * tile`` output
  pixels are placed in the output. Memory is then the output array plus one
  tile's working set, whatever the image size.

The halo is the method's registered :attr:`~classicsr.registry.MethodInfo.halo`
plus :func:`backprojection_halo` with back-projection (ScSR's registered halo
already covers its own back-projection). Tiles are the same computation as
the whole image on a crop, so for integer images the result is
bit-identical to the untiled one (tested for every single-image method at
x2, and for most at x3 and x4 in ``tests/test_tiling.py``). Float results
agree to about 1e-14 rather than always exactly, as in :mod:`classicsr.dask`:
MATLAB's resize weights are computed from tile-local coordinates. At x2 and
x4 those are exact (dyadic), so tiles compute exactly what the whole image
does (up to 4e-16 where BLAS blocks a product differently); at x3 ``x / 3``
rounds differently at another offset, which integer outputs absorb except
at exact rounding ties or near-ties of a method's discrete choices
(measured on a 90x110 photo crop: no pixel differs for any method but
NE+LLE, whose choice of 24 nearest atoms flips for a few patches: 48 of
267,300 values one level off).

Interpolation methods on integer images need little more than their output
(1-2 bytes per sample), so for them the bound is mostly the output. Methods
without a measured ``memory`` (plug-ins, unless they declare it) and
non-integer scales are never tiled (only the output and the working memory
count against the bound): at a scale such as 1.5, MATLAB's intermediate
rounding of integer images has exact ties (weights in sixths) that the
last bit of the tile-local coordinates decides.
"""

import math
import os
import re
from dataclasses import dataclass

import numpy as np

__all__ = ["AVAILABLE_FRACTION", "DEFAULT_MEMORY_CAP", "MEMORY_ENV",
           "MIN_TILE", "TILE_MEMORY", "TilePlan", "available_memory", "backprojection_halo",
           "check_tile", "default_max_memory", "estimate_memory", "format_bytes",
           "parse_memory", "plan", "run_tiled"]

KIB, MIB, GIB, TIB = 1 << 10, 1 << 20, 1 << 30, 1 << 40
#: Upper limit of the default memory bound.
DEFAULT_MEMORY_CAP = 8 * GIB
#: Fraction of the available memory the default bound may take.
AVAILABLE_FRACTION = 0.6
#: Environment variable that sets the default bound (e.g. ``4GB``).
MEMORY_ENV = "CLASSICSR_MAX_MEMORY"
#: Working memory (beyond the output array and the method's fixed
#: ``memory_fixed``) above which an image is tiled, and the most a tile may
#: use: large enough that the halo costs little (~5 % for the 8-pixel halo
#: of the patch methods, ~30 % for ScSR's 32), small enough that a
#: 24-megapixel photo upscaled x2 stays well under 2 GB.
TILE_MEMORY = 512 * MIB
#: Smallest LR tile side (without halo) tried before refusing.
MIN_TILE = 16
#: Margin on the measured working memory (allocator slack, libraries' own buffers).
SAFETY = 1.25

#: Bytes per output pixel the dispatcher itself uses around a luminance
#: method (the Y output, Cb/Cr/alpha upscaled by bicubic, the merge back to
#: RGB and the conversion to the input dtype), by number of channels;
#: tracemalloc peak of ``classicsr.upscale`` with a method that allocates
#: only its output (``benchmarks/bench_memory.py --per-method``).
COLOUR_MEMORY = {1: 40.0, 3: 136.0, 4: 160.0}
#: Bytes per output pixel per plane of back-projection (its copies and
#: filtered steps), measured likewise.
BACKPROJECTION_MEMORY = 34.0
#: Float64 bytes per output pixel held beside a luminance method while it
#: runs (its Y result, the rest of the colour at LR size is negligible).
HELD_MEMORY = 16.0

_UNITS = {"": 1, "b": 1, "k": KIB, "kb": KIB, "kib": KIB, "m": MIB, "mb": MIB, "mib": MIB,
          "g": GIB, "gb": GIB, "gib": GIB, "t": TIB, "tb": TIB, "tib": TIB}
_MEMORY_TEXT = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([a-z]*)\s*$", re.I)


def parse_memory(value, name="max_memory"):
    """A memory size in bytes from a number of bytes or a string such as ``"4GB"``.

    Units K, M, G, T (optionally followed by B or iB, any case) are powers
    of 1024, as Docker's and Java's memory options read them: ``"4GB"`` and
    ``"4GiB"`` are both 4 * 2**30 bytes. A bare number is bytes.

    Examples
    --------
    >>> parse_memory("1.5G"), parse_memory("512 MiB"), parse_memory(1000)
    (1610612736, 536870912, 1000)
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (int, float, str, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number of bytes or a string such as '4GB', got "
                        f"{type(value).__name__} {value!r}")
    if isinstance(value, str):
        match = _MEMORY_TEXT.match(value)
        unit = match.group(2).lower() if match else None
        if unit not in _UNITS:
            raise ValueError(f"{name} must be a number of bytes or a size such as '4GB', "
                             f"'512MB' or '1.5GiB', got {value!r}")
        number = float(match.group(1)) * _UNITS[unit]
    else:
        number = float(value)
    if not math.isfinite(number) or number < 1:
        raise ValueError(f"{name} must be a finite size of at least 1 byte, got {value!r}")
    return int(number)


def format_bytes(n):
    """``n`` bytes in binary units, e.g. ``'1.5 GiB'``."""
    n = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            break
        n /= 1024
    if unit == "B":
        return f"{int(n)} B"
    return f"{n:.3g} {unit}" if n < 1e4 else f"{n:.3e} {unit}"


def available_memory():
    """Bytes of memory available to a new allocation now, or None if unknown.

    ``psutil`` when installed; else ``MemAvailable`` of ``/proc/meminfo``
    (Linux); else the free physical pages (``sysconf``).
    """
    try:
        import psutil
    except ImportError:
        pass
    else:
        return int(psutil.virtual_memory().available)
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * KIB
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


def default_max_memory():
    """The default memory bound: ``$CLASSICSR_MAX_MEMORY`` if set, else the
    smaller of :data:`DEFAULT_MEMORY_CAP` (8 GiB) and :data:`AVAILABLE_FRACTION`
    (60 %) of :func:`available_memory` (8 GiB when that is unknown)."""
    env = os.environ.get(MEMORY_ENV)
    if env:
        return parse_memory(env, MEMORY_ENV)
    available = available_memory()
    if available is None:
        return DEFAULT_MEMORY_CAP
    return max(1, min(DEFAULT_MEMORY_CAP, int(AVAILABLE_FRACTION * available)))


def backprojection_halo(iterations):
    """LR pixels of context that ``iterations`` steps of back-projection add.

    Its influence decays geometrically with distance: measured on a photo,
    a 32-pixel margin leaves differences <= 1.1e-16 after 20 iterations
    (the default) and ~1e-15 (rounding noise) after 100-300 with 48.
    """
    return 32 if iterations <= 20 else 48


def check_tile(tile):
    """``tile`` checked: None (automatic), False (whole image) or an int >= 1."""
    if tile is None or tile is False:
        return tile
    if isinstance(tile, (bool, np.bool_)) or not isinstance(tile, (int, np.integer)):
        raise TypeError(f"tile must be None, False or an integer >= 1, got "
                        f"{type(tile).__name__} {tile!r}")
    if tile < 1:
        raise ValueError(f"tile must be None, False or an integer >= 1, got {tile!r}")
    return int(tile)


def _output_length(n, scale):
    return int(n * scale) if isinstance(scale, int) else math.ceil(scale * n)


def estimate_memory(info, shape, dtype, scale, bp_iterations):
    """Estimated peak bytes of upscaling an image of ``shape`` (LR, ``(h, w)`` or
    ``(h, w, C)``) and ``dtype`` in one piece, its output included."""
    h, w = shape[:2]
    channels = shape[2] if len(shape) == 3 else 1
    n_out = _output_length(h, scale) * _output_length(w, scale)
    itemsize = np.dtype(dtype).itemsize
    method = info.memory if info.memory is not None else 0.0
    if info.channels == "luminance":
        per_pixel = max(method + HELD_MEMORY,
                        COLOUR_MEMORY.get(channels, 40.0 * channels))
        if bp_iterations is not None:
            per_pixel = max(per_pixel, BACKPROJECTION_MEMORY + HELD_MEMORY)
    elif bp_iterations is None:
        per_pixel = channels * max(method * itemsize / 8.0, float(itemsize))
    else:
        per_pixel = channels * (max(method, BACKPROJECTION_MEMORY) + HELD_MEMORY)
    if info.channels == "all" and bp_iterations is None:
        lr_bytes = h * w * channels * itemsize  # a contiguous copy of a tile
    else:
        lr_bytes = 2 * 8 * h * w * channels  # the unit-scale input and its luminance split
    return int(SAFETY * (per_pixel * n_out + lr_bytes) + info.memory_fixed)


@dataclass(frozen=True)
class TilePlan:
    """How :func:`classicsr.upscale` runs one call.

    Attributes
    ----------
    out_shape : tuple
        Shape of the output.
    rows, cols : tuple of int or None
        LR tile boundaries (``0, ..., H``); ``None`` for one piece.
    halo : int
        LR pixels of context around each tile.
    memory : int
        Estimated peak bytes of the call.
    """

    out_shape: tuple
    rows: tuple | None
    cols: tuple | None
    halo: int
    memory: int

    @property
    def tiled(self):
        return self.rows is not None

    @property
    def n_tiles(self):
        return 1 if not self.tiled else (len(self.rows) - 1) * (len(self.cols) - 1)


def _splits(length, core):
    """Tile boundaries ``0 < ... < length``: tiles of at most ``core``, as even as can be."""
    count = -(-length // max(1, core))
    return tuple(round(k * length / count) for k in range(count + 1))


def _largest_piece(rows, cols, halo, lr_shape):
    """LR shape of the largest tile with its halo (clipped at the image)."""
    def longest(bounds, n):
        return max(min(b + halo, n) - max(a - halo, 0) for a, b in zip(bounds, bounds[1:]))

    return (longest(rows, lr_shape[0]), longest(cols, lr_shape[1])) + tuple(lr_shape[2:])


def _refuse(info, shape, dtype, scale, out_shape, need, max_memory, why=""):
    dims = "x".join(str(d) for d in shape)
    out_dims = "x".join(str(d) for d in out_shape)
    out_bytes = math.prod(out_shape) * np.dtype(dtype).itemsize
    factor = int(scale) if float(scale).is_integer() else scale
    raise ValueError(
        f"upscaling a {dims} {np.dtype(dtype).name} image x{factor} with {info.name} gives a "
        f"{out_dims} output ({format_bytes(out_bytes)}) and needs about "
        f"{format_bytes(need)}, more than the memory bound of {format_bytes(max_memory)}"
        f"{why}; raise it with max_memory= (classicsr upscale --max-memory, or "
        f"${MEMORY_ENV}) if this machine has the memory")


def plan(info, shape, dtype, scale, bp_iterations, max_memory, tile=None):
    """Decide how to run a call within ``max_memory`` bytes; ValueError if it cannot.

    Parameters
    ----------
    info : MethodInfo
    shape, dtype
        Of the (validated) LR image.
    scale : int or float
        Checked scale.
    bp_iterations : int or None
        Back-projection iterations, None without.
    max_memory : int
        The bound, bytes.
    tile : None, False or int
        None: tile when it saves memory (see the module); False: one piece;
        an int: tiles of that LR side (without halo), e.g. to test tiling on
        small images.

    Returns
    -------
    TilePlan
    """
    h, w = shape[:2]
    out_shape = (_output_length(h, scale), _output_length(w, scale)) + tuple(shape[2:])
    itemsize = np.dtype(dtype).itemsize
    out_bytes = math.prod(out_shape) * itemsize
    whole = estimate_memory(info, shape, dtype, scale, bp_iterations)
    halo = info.halo + (backprojection_halo(bp_iterations) if bp_iterations is not None else 0)
    integer = float(scale).is_integer()
    tileable = info.memory is not None and integer
    one_piece = TilePlan(out_shape, None, None, halo, whole)

    if tile is False or not tileable:
        if whole > max_memory:
            why = ("" if tile is False else
                   f" (the {info.name} method is not tiled: it has no measured memory)"
                   if info.memory is None else
                   " (non-integer scales are not tiled)")
            _refuse(info, shape, dtype, scale, out_shape, whole, max_memory, why)
        return one_piece

    def tiled_plan(core_h, core_w):
        rows, cols = _splits(h, core_h), _splits(w, core_w)
        piece = _largest_piece(rows, cols, halo, shape)
        return TilePlan(out_shape, rows, cols, halo,
                        out_bytes + estimate_memory(info, piece, dtype, scale, bp_iterations))

    if tile is not None:
        chosen = tiled_plan(tile, tile)
        if chosen.memory > max_memory:
            _refuse(info, shape, dtype, scale, out_shape, chosen.memory, max_memory,
                    f" with tile={tile}")
        return chosen
    if whole <= max_memory and whole - out_bytes <= TILE_MEMORY + info.memory_fixed:
        return one_piece
    budget = min(TILE_MEMORY + info.memory_fixed, max_memory - out_bytes)
    # Largest square-ish tile whose piece fits the budget: from the per-pixel
    # model, then shrunk until the estimate of its largest piece fits.
    unit = estimate_memory(info, (64, 64) + tuple(shape[2:]), dtype, scale, bp_iterations)
    per_lr_pixel = max(unit - info.memory_fixed, 1) / (64 * 64)
    room = (budget - info.memory_fixed) / per_lr_pixel  # LR pixels of a piece
    side = int(math.sqrt(max(room, 0))) - 2 * halo
    core_w = min(w, max(side, MIN_TILE))
    core_h = min(h, max(int(room / (core_w + 2 * halo)) - 2 * halo, MIN_TILE))
    best = None
    while True:
        chosen = tiled_plan(core_h, core_w)
        if chosen.memory - out_bytes <= budget:
            best = chosen
            break
        if core_h <= MIN_TILE and core_w <= MIN_TILE:
            break
        core_h = max(MIN_TILE, int(core_h * 0.9))
        core_w = max(MIN_TILE, int(core_w * 0.9))
    if best is not None and best.memory < whole:
        return best
    if whole <= max_memory:
        return one_piece  # tiling would not help
    need = min(whole, chosen.memory)
    _refuse(info, shape, dtype, scale, out_shape, need, max_memory)


def run_tiled(img, scale, tile_plan, run_piece):
    """Run ``run_piece(crop) -> upscaled crop`` tile by tile into one output.

    Each tile of ``tile_plan`` is cropped with ``halo`` LR pixels on every
    side that has neighbours (clipped at the image border), upscaled, and the
    output pixels of the tile itself are placed in the output, which has the
    dtype of the first piece.
    """
    rows, cols, halo = tile_plan.rows, tile_plan.cols, tile_plan.halo
    h, w = img.shape[:2]
    out_h, out_w = tile_plan.out_shape[:2]

    scale = int(scale)

    def to_out(n, length, out_length):
        return out_length if n == length else n * scale

    out = None
    for r0, r1 in zip(rows, rows[1:]):
        a, b = max(r0 - halo, 0), min(r1 + halo, h)
        top, bottom = to_out(r0, h, out_h), to_out(r1, h, out_h)
        skip_top = to_out(r0, h, out_h) - to_out(a, h, out_h)
        for c0, c1 in zip(cols, cols[1:]):
            c, d = max(c0 - halo, 0), min(c1 + halo, w)
            left, right = to_out(c0, w, out_w), to_out(c1, w, out_w)
            skip_left = left - to_out(c, w, out_w)
            piece = run_piece(img[a:b, c:d])
            if out is None:
                out = np.empty(tile_plan.out_shape, dtype=piece.dtype)
            out[top:bottom, left:right] = piece[skip_top:skip_top + bottom - top,
                                                skip_left:skip_left + right - left]
            del piece
    return out
