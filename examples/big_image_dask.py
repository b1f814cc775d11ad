"""Upscale an image too big for memory, out of core, with Dask.

Builds a large test image (the astronaut tiled with mirroring, so it has
natural-image statistics) as a tiled TIFF, then upscales it chunk by chunk
with :func:`classicsr.dask.upscale_file`: the input is read lazily through
``tifffile``'s Zarr view and the output is written as a chunked Zarr array,
so memory stays bounded by a few chunks whatever the image size. Prints the
time, the peak memory of this process and a check that a region of the
result equals the in-memory upscale of the same region; writes a figure of
that region, input (nearest neighbour) next to output (``--figure``).

    python examples/big_image_dask.py           # 6144 x 6144 RGB (113 MB) -> x2 (453 MB)
    python examples/big_image_dask.py --fast    # 1536 x 1536
    python examples/big_image_dask.py --size 16384 --method aplus
"""

import argparse
import resource
import shutil
import time
from pathlib import Path

import numpy as np

import classicsr
import classicsr.dask


def mirror_tiled(size):
    """A ``size x size`` RGB image tiled from the astronaut with mirroring."""
    from skimage import data

    tile = data.astronaut()
    reps = -(-size // tile.shape[0])
    rows = [np.concatenate([tile[:, ::-1] if j % 2 else tile for j in range(reps)], axis=1)]
    band = rows[0]
    full = np.concatenate([band[::-1] if i % 2 else band for i in range(reps)], axis=0)
    return np.ascontiguousarray(full[:size, :size])


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=6144, help="side of the test image")
    parser.add_argument("--fast", action="store_true", help="a 1536 x 1536 image")
    parser.add_argument("--scale", type=int, default=2)
    parser.add_argument("--method", default="bicubic")
    parser.add_argument("--chunks", type=int, default=1024, help="chunk side (LR pixels)")
    parser.add_argument("--workdir", default="big_image", help="folder for input and output")
    parser.add_argument("--figure", default="big_image_dask.png", help="figure to write")
    parser.add_argument("--overwrite", action="store_true", help="replace --figure if it exists")
    args = parser.parse_args(argv)
    import importlib.util

    missing = [m for m in ("dask", "distributed", "tifffile", "zarr")
               if importlib.util.find_spec(m) is None]
    if missing:
        print(f"this example needs {', '.join(missing)}: pip install \"classicsr[dask]\"")
        return
    import dask
    import tifffile

    size = 1536 if args.fast else args.size
    work = Path(args.workdir)
    work.mkdir(exist_ok=True)
    src, dst = work / f"input_{size}.tif", work / f"output_x{args.scale}.zarr"
    if not src.exists():
        print(f"writing a {size} x {size} RGB tiled TIFF ({3 * size * size / 1e6:.0f} MB)")
        tifffile.imwrite(src, mirror_tiled(size), tile=(256, 256), photometric="rgb")
    before = peak_rss_mb()
    start = time.perf_counter()
    with dask.config.set(scheduler="threads", num_workers=2):
        classicsr.dask.upscale_file(src, dst, args.scale, args.method, chunks=args.chunks,
                                    overwrite=True)
    seconds = time.perf_counter() - start
    out_mb = 3 * (args.scale * size) ** 2 / 1e6
    print(f"{args.method} x{args.scale}: {size}^2 -> {args.scale * size}^2 RGB "
          f"({out_mb:.0f} MB) in {seconds:.1f} s; peak RSS {peak_rss_mb():.0f} MB "
          f"(before: {before:.0f} MB)")

    import zarr

    out = zarr.open(str(dst), mode="r")
    region = np.asarray(classicsr.dask.open_lazy(src)[:200, :200])  # reads one tile
    # The top-left 200x200 LR pixels, upscaled alone, equal the output there
    # away from the region's cut edges (the method's halo).
    halo = classicsr.get_method(args.method).halo
    alone = classicsr.upscale(region, args.scale, args.method)
    keep = args.scale * (200 - halo)
    same = np.array_equal(np.asarray(out[:keep, :keep]), alone[:keep, :keep])
    print(f"region check against in-memory classicsr.upscale: {'equal' if same else 'DIFFERS'}")
    if not same:
        raise SystemExit(1)
    from classicsr.figures import comparison_figure
    from classicsr.io import atomic_write_bytes

    nearest = region[:keep // args.scale, :keep // args.scale].repeat(args.scale, 0).repeat(
        args.scale, 1)
    panels = [("input (nearest neighbour)", nearest),
              (f"{args.method} x{args.scale} (from the Zarr output)",
               np.asarray(out[:keep, :keep]))]
    atomic_write_bytes(args.figure, comparison_figure(panels, crop=(20, 0, 120, 120)),
                       overwrite=args.overwrite)  # zoom: the flag's stars and stripes
    print(f"wrote {args.figure}")
    shutil.rmtree(dst)  # the output is large; keep the input for the next run
    print(f"(removed {dst}; the input stays in {work})")


if __name__ == "__main__":
    main()
