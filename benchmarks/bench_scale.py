"""Throughput of ``classicsr batch`` and of the Dask path on a large image.

1. Batch: ``--images`` PNGs (crops of scikit-image images) upscaled with
   ``--method`` by a plain loop in this process (``classicsr.upscale`` on
   each file, read and write included), then by ``run_batch`` with 1 and 2
   local worker processes (``--workers``); images/s and the ratio to the loop.
   Worker start-up (spawned interpreters, Numba cache loads) is included:
   it is part of what a user waits for.
2. Dask: a ``--size`` square RGB tiled TIFF is upscaled by
   ``classicsr.dask.upscale_file`` into a Zarr store, in a fresh process
   whose peak resident memory (``ru_maxrss``) is recorded next to the output
   size: with the default size the output is larger than 1 GB and the peak
   stays a small multiple of a chunk.

    python benchmarks/bench_scale.py [--images 48] [--size 10240] [--json PATH]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, write_json  # noqa: E402

DEFAULT_JSON = ROOT / "benchmarks" / "results" / "scale.json"

_DASK_CHILD = r"""
import json, resource, sys, time
import dask
import classicsr.dask
src, dst, method = sys.argv[1], sys.argv[2], sys.argv[4]
scale, chunks = int(sys.argv[3]), int(sys.argv[5])
start = time.perf_counter()
with dask.config.set(scheduler="threads", num_workers=2):
    classicsr.dask.upscale_file(src, dst, scale, method, chunks=chunks, overwrite=True)
print(json.dumps({"seconds": time.perf_counter() - start,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def make_images(folder, n):
    from skimage import data

    from classicsr.io import write_image

    sources = [data.astronaut(), data.coffee(), data.chelsea(), data.rocket()]
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        img = sources[i % len(sources)]
        top, left = (37 * i) % (img.shape[0] - 160), (53 * i) % (img.shape[1] - 200)
        write_image(folder / f"img{i:04d}.png", img[top:top + 160, left:left + 200])


def bench_batch(n_images, method, scale, workers):
    import classicsr
    from classicsr.batch import run_batch
    from classicsr.io import read_image, write_image

    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in"
        make_images(src, n_images)
        classicsr.upscale(read_image(src / "img0000.png"), scale, method)  # JIT, model
        start = time.perf_counter()
        for path in sorted(src.glob("*.png")):
            write_image(Path(tmp) / "loop" / path.name,
                        classicsr.upscale(read_image(path), scale, method))
        loop = time.perf_counter() - start
        rows["plain loop"] = {"seconds": loop, "images_per_s": n_images / loop}
        for w in workers:
            report = run_batch(src, Path(tmp) / f"w{w}", scale, method, workers=w,
                               progress=False)
            assert len(report.done) == n_images, report.summary()
            rows[f"batch --workers {w}"] = {"seconds": report.seconds,
                                            "images_per_s": n_images / report.seconds}
    for row in rows.values():
        row["speedup_vs_loop"] = loop / row["seconds"]
    return rows


def bench_dask(size, method, scale, chunks):
    import tifffile

    sys.path.insert(0, str(ROOT / "examples"))
    from big_image_dask import mirror_tiled

    with tempfile.TemporaryDirectory(dir=ROOT.parent if os.access(ROOT.parent, os.W_OK)
                                     else None) as tmp:
        src, dst = Path(tmp) / "big.tif", Path(tmp) / "out.zarr"
        tifffile.imwrite(src, mirror_tiled(size), tile=(256, 256), photometric="rgb")
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        proc = subprocess.run([sys.executable, "-c", _DASK_CHILD, str(src), str(dst),
                               str(scale), method, str(chunks)], env=env,
                              capture_output=True, text=True, check=True)
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        stored = sum(p.stat().st_size for p in dst.rglob("*") if p.is_file())
    out_bytes = 3 * (scale * size) ** 2
    result.update({"input": f"{size}x{size}x3 uint8", "output_mb": out_bytes / 1e6,
                   "stored_mb": stored / 1e6, "chunks": chunks, "method": method,
                   "scale": scale, "mb_per_s": out_bytes / 1e6 / result["seconds"]})
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=48)
    parser.add_argument("--method", default="aplus")
    parser.add_argument("--scale", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--size", type=int, default=10240)
    parser.add_argument("--dask-method", default="bicubic")
    parser.add_argument("--dask-scale", type=int, default=2)
    parser.add_argument("--chunks", type=int, default=1024)
    parser.add_argument("--json", default=str(DEFAULT_JSON))
    args = parser.parse_args(argv)
    load = os.getloadavg()[0]
    print(f"{os.cpu_count()} CPUs, 1-min load {load:.2f}")
    batch = bench_batch(args.images, args.method, args.scale, args.workers)
    print(f"\nbatch: {args.images} images of 160x200 RGB, {args.method} x{args.scale}")
    print(f"{'runner':<20} {'seconds':>8} {'images/s':>9} {'vs loop':>8}")
    for name, row in batch.items():
        print(f"{name:<20} {row['seconds']:8.2f} {row['images_per_s']:9.2f} "
              f"{row['speedup_vs_loop']:7.2f}x")
    dask_row = bench_dask(args.size, args.dask_method, args.dask_scale, args.chunks)
    print(f"\ndask: {dask_row['input']} -> x{args.dask_scale} {args.dask_method} "
          f"({dask_row['output_mb']:.0f} MB output, {dask_row['stored_mb']:.0f} MB stored "
          f"as Zarr) in {dask_row['seconds']:.1f} s ({dask_row['mb_per_s']:.0f} MB/s); "
          f"peak RSS {dask_row['peak_rss_mb']:.0f} MB with {args.chunks}-pixel chunks")
    write_json(args.json, {"machine": {"cpu_count": os.cpu_count(), "load_1min": load},
                           "batch": batch, "dask": dask_row,
                           "batch_images": args.images, "batch_method": args.method,
                           "batch_scale": args.scale})
    print(f"JSON written to {args.json}")


if __name__ == "__main__":
    main()
