"""Self-example SR: SelfExSR speed against A+ (one run), PatchMatch throughput against brute
force, and (``--psnr``) quality against the authors' per-image table.

* speed: seconds per Set14 image at x3 (``*_LR.png``, RGB) of ``selfexsr``
  (planar guidance), ``selfexsr_affine`` and ``aplus``, after a warm-up, in
  the same run; the ratios to A+; JIT time apart
  (fresh interpreters, empty and filled Numba cache);
* PatchMatch: target patches per second of :func:`nearest_neighbour_field`
  (translations; affine) and of the exhaustive search
  (:func:`exhaustive_nearest_neighbour_field`, BLAS) on grey crops, with the
  mean match cost of each;
* ``--psnr``: Set5 / Set14 x2 / x3 / x4 means of both SelfExSRs (Y,
  scale shaved) against the ``selfexsr2015`` rows of
  ``reference/per_image_psnr_selfexsr.csv``; also "as published": that
  file's rows for the one grey image (Set14 bridge) compare the grey HR
  image with the Y (``rgb2ycbcr``, 16-235) of the three-channel result,
  which reproduces them (x2: 25.883 against the authors' 25.893; the
  consistent protocol gives 27.673).

Writes ``benchmarks/results/self_examples.json`` and ``.md``.

    python benchmarks/bench_self_examples.py [--psnr] [--threads N]
"""

import argparse
import csv
import os
import textwrap
import time
from pathlib import Path

import numpy as np
from _common import ROOT, data_root, jit_times, machine, write_json

DEFAULT_JSON = ROOT / "benchmarks" / "results" / "self_examples.json"
#: Methods timed per Set14 image, A+ (the reference of the ratios) first.
SPEED_METHODS = ("aplus", "selfexsr", "selfexsr_affine")
JIT_PROBE = textwrap.dedent("""
    import json, time
    import numpy as np
    t = time.perf_counter()
    from classicsr.self_examples import selfexsr
    img = (np.random.default_rng(0).random((24, 24, 3)) * 255).astype(np.uint8)
    selfexsr(img, 2)
    first = time.perf_counter() - t
    t = time.perf_counter(); selfexsr(img, 2); second = time.perf_counter() - t
    print(json.dumps({"first_s": first, "second_s": second}))
""")


def lr_files(root, dataset, scale):
    folder = Path(root) / dataset / f"image_SRF_{scale}"
    return sorted(folder.glob("*_LR.png"))


def speed(root, scale=3, methods=SPEED_METHODS):
    """Seconds per Set14 ``*_LR.png`` image of ``methods`` (A+ first: the ratios' reference),
    each after a warm-up on a crop, in the same run."""
    import classicsr
    from classicsr.io import read_image

    images = [read_image(p) for p in lr_files(root, "Set14", scale)]
    for method in methods:
        classicsr.upscale(images[0][:40, :40], scale, method=method)
    rows = []
    for path, lr in zip(lr_files(root, "Set14", scale), images):
        row = {"image": path.name, "lr_shape": list(lr.shape)}
        for method in methods:
            start = time.perf_counter()
            classicsr.upscale(lr, scale, method=method)
            row[method] = time.perf_counter() - start
        rows.append(row)
        print(f"  {path.name:<24} {lr.shape[1]:>4}x{lr.shape[0]:<4} "
              + "  ".join(f"{m} {row[m]:6.2f} s" for m in methods), flush=True)
    mean = {m: float(np.mean([r[m] for r in rows])) for m in methods}
    return {"scale": scale, "rows": rows, "mean_s": mean,
            "max_s": {m: float(np.max([r[m] for r in rows])) for m in methods},
            "ratio_to_aplus": {m: mean[m] / mean["aplus"] for m in methods}}


def patchmatch_throughput(size=128, repeats=2):
    from skimage import data

    from classicsr.self_examples.patchmatch import (
        exhaustive_nearest_neighbour_field,
        nearest_neighbour_field,
    )

    target = data.camera()[100:100 + size, 150:150 + size] / 255.0
    source = data.camera()[300:300 + size, 200:200 + size] / 255.0
    nearest_neighbour_field(target[:20, :20], source[:20, :20], affine=True)  # JIT
    out = {"size": size, "patches": (size - 4) ** 2}
    for label, call in (
        ("patchmatch_translation", lambda: nearest_neighbour_field(target, source, iterations=5)),
        ("patchmatch_affine", lambda: nearest_neighbour_field(target, source, iterations=5,
                                                               affine=True)),
        ("exhaustive", lambda: exhaustive_nearest_neighbour_field(target, source)),
    ):
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            nnf = call()
            times.append(time.perf_counter() - start)
        seconds = min(times)
        out[label] = {"seconds": seconds, "patches_per_s": out["patches"] / seconds,
                      "mean_cost": float(np.nanmean(nnf.cost))}
        print(f"  {label:<24} {seconds:7.3f} s  {out['patches'] / seconds:12.0f} patches/s  "
              f"mean cost {out[label]['mean_cost']:.5f}", flush=True)
    return out


def _grey_against_y(hr, sr, scale):
    """PSNR of the grey ``hr`` against the Y of ``sr`` stored as RGB (the published rows)."""
    import classicsr

    return classicsr.psnr(hr, classicsr.rgb2ycbcr(np.dstack([sr] * 3))[..., 0],
                          crop_border=scale)


def quality(root, reference, method="selfexsr_affine", published_method="selfexsr2015",
            scales=(2, 3, 4), **options):
    """Set5/Set14 x2/x3/x4 mean PSNR of ``method`` (with ``options``) on the ``*_LR.png``
    files against the ``published_method`` rows of ``per_image_psnr_selfexsr.csv``."""
    import classicsr
    from classicsr.io import read_image

    published = {}
    with open(Path(reference) / "per_image_psnr_selfexsr.csv") as handle:
        for r in csv.DictReader(handle):
            if r["method"] == published_method:
                published[(r["dataset"], int(r["scale"]), r["file"])] = float(r["psnr_y"])
    table = {}
    for dataset in ("Set5", "Set14"):
        for scale in scales:
            ours, as_published, theirs = [], [], []
            for (d, s, name), value in sorted(published.items()):
                if d != dataset or s != scale:
                    continue
                folder = Path(root) / dataset / f"image_SRF_{scale}"
                hr = read_image(folder / name)
                lr = read_image(folder / name.replace("_HR", "_LR"))
                sr = classicsr.upscale(lr, scale, method=method, **options)
                ours.append(classicsr.psnr(hr, sr, crop_border=scale))
                as_published.append(ours[-1] if hr.ndim == 3 else _grey_against_y(hr, sr, scale))
                theirs.append(value)
            table[f"{dataset}_x{scale}"] = {"ours": float(np.mean(ours)),
                                            "ours_as_published": float(np.mean(as_published)),
                                            "authors": float(np.mean(theirs)),
                                            "per_image_diff": [round(a - b, 4) for a, b
                                                               in zip(ours, theirs)]}
            print(f"  {dataset} x{scale}: {np.mean(ours):.3f}, as published "
                  f"{np.mean(as_published):.3f} (authors {np.mean(theirs):.3f}, "
                  f"{np.mean(as_published) - np.mean(theirs):+.3f})", flush=True)
    return table


def main(argv=None):
    import numba

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--psnr", action="store_true", help="also the Set5/Set14 table")
    parser.add_argument("--threads", type=int, default=None, help="Numba threads")
    parser.add_argument("--json", default=str(DEFAULT_JSON))
    args = parser.parse_args(argv)
    if args.threads:
        numba.set_num_threads(args.threads)
    root = data_root(parser)
    record = machine(numba_threads=numba.get_num_threads())
    print(f"load average {record['load_average_before']:.2f}; {os.cpu_count()} CPUs; "
          f"numba threads {numba.get_num_threads()}")
    print("JIT (fresh interpreters):")
    jit = jit_times(JIT_PROBE)
    print(f"  {jit}")
    print("PatchMatch throughput (grey 128x128, 5x5 patches, 5 iterations):")
    pm = patchmatch_throughput()
    print("Set14 x3 seconds per image:")
    sp = speed(root)
    print("  mean: " + ", ".join(f"{m} {sp['mean_s'][m]:.2f} s" for m in SPEED_METHODS)
          + "; ratios to aplus: " + ", ".join(f"{m} {r:.1f}" for m, r
                                              in sp["ratio_to_aplus"].items()))
    record["load_average_after"] = os.getloadavg()[0]
    payload = {"machine": record, "jit": jit, "patchmatch": pm, "speed": sp}
    if args.psnr:
        print("PSNR against the authors' results (per_image_psnr_selfexsr.csv):")
        payload["psnr"] = quality(root, root.parent / "reference", method="selfexsr")
        payload["psnr_affine"] = quality(root, root.parent / "reference")
    write_json(Path(args.json), payload)
    lines = ["| | seconds | patches/s | mean cost |", "|---|---|---|---|"]
    for label in ("patchmatch_translation", "patchmatch_affine", "exhaustive"):
        r = pm[label]
        lines.append(f"| {label} | {r['seconds']:.3f} | {r['patches_per_s']:.0f} | "
                     f"{r['mean_cost']:.5f} |")
    lines += ["", "Set14 x3 seconds per image: " + ", ".join(
        f"{m} {sp['mean_s'][m]:.2f} (max {sp['max_s'][m]:.2f})" for m in SPEED_METHODS)
        + "; ratios to aplus: " + ", ".join(f"{m} {r:.1f}" for m, r
                                            in sp["ratio_to_aplus"].items())]
    if args.psnr:
        for label, key in (("selfexsr", "psnr"), ("selfexsr_affine", "psnr_affine")):
            lines += ["", f"| {label} | ours | ours as published | authors | diff |",
                      "|---|---|---|---|---|"]
            for case, r in payload[key].items():
                lines.append(f"| {case} | {r['ours']:.3f} | {r['ours_as_published']:.3f} | "
                             f"{r['authors']:.3f} | {r['ours_as_published'] - r['authors']:+.3f} |")
    from classicsr.io import atomic_write_bytes

    atomic_write_bytes(Path(args.json).with_suffix(".md"), ("\n".join(lines) + "\n").encode(),
                       overwrite=True)


if __name__ == "__main__":
    main()
