"""Out-of-core and distributed super-resolution with Dask.

:func:`upscale` applies any single-image method to a Dask array chunk by
chunk with :func:`dask.array.map_overlap`: each chunk is extended by the
method's ``halo`` (LR pixels, declared in the registry) on the sides where
it has neighbours, upscaled in memory with :func:`classicsr.upscale`, and
``scale * halo`` output pixels are cut from those sides again. Chunks that
touch the image border are not padded, so the method sees the true border
there, as in memory: for integer images the result equals
``classicsr.upscale`` of the whole image exactly, for any chunking (tested
for every single-image method at x2, and for bicubic, A+ and k-means at x2
and x3, on irregular chunks). Float images agree to about 1e-15: resize
weights are computed from chunk-local coordinates, and ``x / 3`` rounds
differently at another offset. ScSR's back-projection is global; its
registered halo bounds the effect to rare 1-level differences.

:func:`upscale_file` runs the same on an image file that need not fit in
memory: the input is read lazily (TIFF through ``tifffile``'s Zarr view, or
a Zarr array), the output is written chunk by chunk to a Zarr array or a
tiled TIFF, so memory stays bounded by a few chunks.

Requires the ``dask`` extra: ``pip install "classicsr[dask]"``.
"""

from pathlib import Path

import numpy as np

from ._validation import check_choice, check_int, check_integer_scale

__all__ = ["FILE_FORMATS", "open_lazy", "upscale", "upscale_file"]

#: Output formats of :func:`upscale_file`.
FILE_FORMATS = ("zarr", "tiff")


def _require_dask():
    try:
        import dask.array as da
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "classicsr.dask needs Dask: pip install \"classicsr[dask]\"") from exc
    return da


def _check_scale(scale):
    """``check_integer_scale``, its message saying why chunks need an integer factor."""
    try:
        return check_integer_scale(scale)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{exc} (chunked upscaling needs an integer factor >= 1: each chunk "
                        "must map to a whole number of output pixels)") from None


def _merge_small_chunks(chunks, minimum):
    """Merge neighbouring chunks along one axis until each is >= ``minimum`` (or whole)."""
    merged, current = [], 0
    for c in chunks:
        current += c
        if current >= minimum:
            merged.append(current)
            current = 0
    if current:
        if merged:
            merged[-1] += current
        else:
            merged.append(current)
    return tuple(merged)


def upscale(array, scale, method="bicubic", *, halo=None, **options):
    """Upscale a Dask array chunk by chunk; equal to :func:`classicsr.upscale` in memory.

    Parameters
    ----------
    array : dask.array.Array, shape (H, W) or (H, W, C)
        Grey or channels-last colour image, uint8, uint16, float32 or
        float64 (as :func:`classicsr.upscale` accepts). Any chunking along
        rows and columns; the channel axis is gathered into one chunk.
    scale : int
        Integer upscaling factor.
    method : str
        A single-image method of :func:`classicsr.available_methods`.
    halo : int, optional
        LR pixels of context around each chunk; default the method's
        registered ``halo``. Chunks smaller than it are merged with their
        neighbours first.
    **options
        Passed to :func:`classicsr.upscale` (e.g. ``model=``,
        ``backprojection=``).

    Returns
    -------
    dask.array.Array
        The lazy upscaled image, chunks ``scale`` times the input's.

    Raises
    ------
    TypeError
        If ``array`` is not a Dask array or ``halo`` not an integer.
    ValueError
        If the shape, dtype, scale or method is not accepted.

    Examples
    --------
    >>> import numpy as np, dask.array as da
    >>> import classicsr, classicsr.dask
    >>> img = np.random.default_rng(0).integers(0, 256, (64, 80), dtype=np.uint8)
    >>> lazy = classicsr.dask.upscale(da.from_array(img, chunks=(20, 30)), 2, "bicubic")
    >>> bool((lazy.compute() == classicsr.upscale(img, 2, "bicubic")).all())
    True
    """
    da = _require_dask()
    from ._dispatch import check_upscale_call, upscale as upscale_in_memory

    if not isinstance(array, da.Array):
        raise TypeError(f"array must be a dask.array.Array, got {type(array).__name__}; "
                        "use classicsr.upscale for NumPy arrays")
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (1, 3, 4)):
        raise ValueError("array must have shape (H, W) or (H, W, C) with C in {1, 3, 4}, "
                         f"got {array.shape}")
    if array.dtype not in (np.uint8, np.uint16, np.float32, np.float64):
        raise ValueError(f"array must be uint8, uint16, float32 or float64, got {array.dtype}")
    if 0 in array.shape:
        raise ValueError(f"array must not be empty, got shape {array.shape}")
    scale = _check_scale(scale)
    info, _ = check_upscale_call(method, scale, options)
    if info.memory is None and (len(array.chunks[0]) > 1 or len(array.chunks[1]) > 1):
        raise ValueError(f"method {info.name!r} depends on the whole image (it is never "
                         "tiled), so it cannot run chunk by chunk: rechunk the array to one "
                         "chunk in height and width, or use classicsr.upscale")
    if halo is None:
        halo = info.halo
    halo = check_int(halo, "halo", minimum=0)

    chunks = [_merge_small_chunks(array.chunks[0], halo),
              _merge_small_chunks(array.chunks[1], halo)]
    if array.ndim == 3:
        chunks.append((array.shape[2],))
    array = array.rechunk(tuple(chunks))
    out_chunks = [tuple(scale * c for c in chunks[0]), tuple(scale * c for c in chunks[1])]
    if array.ndim == 3:
        out_chunks.append(chunks[2])
    n_blocks = (len(chunks[0]), len(chunks[1]))
    cut = scale * halo

    def upscale_block(block, block_info=None):
        location = block_info[0]["chunk-location"]
        out = upscale_in_memory(block, scale, method, **options)
        top = cut if location[0] > 0 else 0
        left = cut if location[1] > 0 else 0
        bottom = out.shape[0] - (cut if location[0] < n_blocks[0] - 1 else 0)
        right = out.shape[1] - (cut if location[1] < n_blocks[1] - 1 else 0)
        return out[top:bottom, left:right]

    depth = {0: halo, 1: halo}
    if array.ndim == 3:
        depth[2] = 0
    return da.map_overlap(upscale_block, array, depth=depth, boundary="none", trim=False,
                          chunks=tuple(out_chunks), dtype=array.dtype,
                          meta=np.empty((0,) * array.ndim, dtype=array.dtype))


def open_lazy(path, chunks=1024):
    """Open a TIFF (via ``tifffile``'s Zarr view) or a Zarr array lazily as a Dask array.

    Parameters
    ----------
    path : str or Path
        ``.tif``/``.tiff`` file or a Zarr store (directory).
    chunks : int or tuple
        Dask chunks along rows and columns.
    """
    da = _require_dask()
    import zarr

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"input '{path}' does not exist")
    if path.suffix.lower() in (".tif", ".tiff"):
        import tifffile

        store = tifffile.imread(path, aszarr=True)
        z = zarr.open(store, mode="r")
        if not hasattr(z, "shape"):  # a group of resolution levels: take level 0
            z = z[0]
    elif path.is_dir():
        try:
            z = zarr.open(str(path), mode="r")
        except Exception as exc:  # zarr raises its own types (GroupNotFoundError, ...)
            raise ValueError(f"'{path}' is not a Zarr array ({type(exc).__name__}: {exc})"
                             ) from None
        if not hasattr(z, "shape"):
            raise ValueError(f"'{path}' is a Zarr group, not an array: pass the array's "
                             "folder")
    else:
        raise ValueError(f"cannot open '{path}' lazily: classicsr.dask reads TIFF files "
                         "(.tif, .tiff) and Zarr arrays (folders); for other images use "
                         "classicsr.upscale on classicsr.io.read_image(path)")
    row_chunks = chunks if isinstance(chunks, tuple) else (chunks, chunks)
    return da.from_zarr(z, chunks=row_chunks + z.shape[2:])


def upscale_file(src, dst, scale, method="bicubic", *, chunks=1024, fmt=None,
                 overwrite=False, **options):
    """Upscale an image file too large for memory, writing chunked output.

    Parameters
    ----------
    src : str or Path
        TIFF file or Zarr store, read lazily (:func:`open_lazy`).
    dst : str or Path
        Output: a Zarr store (directory, ``fmt='zarr'``, default unless the
        name ends in .tif/.tiff) or a tiled TIFF (``fmt='tiff'``, written
        tile by tile from the Dask chunks).
    scale : int
        Integer upscaling factor.
    method : str
        A single-image method.
    chunks : int
        Input chunk side in LR pixels; memory use is a few chunks (times the
        method's working set) per worker, whatever the image size.
    fmt : {'zarr', 'tiff'}, optional
        Output format (default from the extension of ``dst``).
    overwrite : bool
        Replace an existing ``dst``; without it an existing output is an error.
    **options
        Passed to :func:`upscale`.

    Returns
    -------
    Path
        ``dst``.
    """
    dst = Path(dst)
    if fmt is None:
        fmt = "tiff" if dst.suffix.lower() in (".tif", ".tiff") else "zarr"
    fmt = check_choice(fmt, "fmt", FILE_FORMATS)
    if dst.exists() and not overwrite:
        raise FileExistsError(f"output '{dst}' exists; pass overwrite=True to replace it")
    lazy = upscale(open_lazy(src, chunks), scale, method, **options)
    if fmt == "zarr":
        import shutil

        tmp = dst.with_name(dst.name + ".partial")
        if tmp.exists():
            shutil.rmtree(tmp)
        lazy.to_zarr(str(tmp))
        if dst.exists():
            shutil.rmtree(dst)
        tmp.replace(dst)
        return dst
    import tifffile

    tile = 256
    tmp = dst.with_name(dst.name + ".partial")
    lazy = lazy.rechunk({0: tile * max(1, lazy.chunksize[0] // tile)})

    def row_tiles():
        # One band of output rows at a time (a multiple of the tile height),
        # cut into the TIFF's tiles in row-major order, edge tiles zero-padded.
        height, width = lazy.shape[:2]
        for top in range(0, height, lazy.chunksize[0]):
            band = np.asarray(lazy[top:top + lazy.chunksize[0]].compute())
            rows = -(-band.shape[0] // tile) * tile
            cols = -(-width // tile) * tile
            padded = np.zeros((rows, cols) + band.shape[2:], dtype=band.dtype)
            padded[:band.shape[0], :width] = band
            for r in range(0, band.shape[0], tile):
                for c in range(0, width, tile):
                    yield padded[r:r + tile, c:c + tile]

    tifffile.imwrite(tmp, row_tiles(), shape=lazy.shape, dtype=lazy.dtype, tile=(tile, tile),
                     photometric="rgb" if lazy.ndim == 3 and lazy.shape[2] in (3, 4)
                     else "minisblack", bigtiff=True)
    tmp.replace(dst)
    return dst
