"""Train the shipped kernel regression models (Kim & Kwon, SVR) from T91 and record them.

Usage (from the repository root, with ../shared beside it)::

    python data/recipes/train_kernel_regression.py train --methods kim_kwon svr --scales 2 3 4
    python data/recipes/train_kernel_regression.py select --method kim_kwon --scale 2 \\
        --grid '[{"n_basis": 300}, {"n_basis": 600}]'

``train`` fits each model on the 91 images, writes ``classicsr/models/{method}_x{s}.npz``
(float16 arrays when that moves no Set5/Set14 paper-protocol mean by more
than 0.005 dB, measured) and its entry in ``classicsr/models/manifest.json``
(command, seed, training time, parameters, paper-protocol PSNR and, for SVR,
the number of support vectors -- the Nystroem landmarks).

``select`` is how the defaults were chosen: it trains on 80 T91 images
(a seeded permutation) and prints the mean PSNR (paper protocol: float Y,
MATLAB bicubic degradation, output rounded, ``scale`` pixels shaved) on the
11 held-out images for each parameter set of the grid; Set5/Set14 are never
used for the choice.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from train_models import (
    MODELS,
    keep_half_if_harmless,
    manifest_entry,
    put_manifest_entry,
)

from classicsr.datasets import find_data_root, read_training_images
from classicsr.kernel_regression import KimKwon, SupportVectorRegression

ESTIMATORS = {"kim_kwon": KimKwon, "svr": SupportVectorRegression}
#: the fitted arrays that may be stored as float16
HALF = {"kim_kwon": ("basis_", "weights_", "error_weights_"),
        "svr": ("landmarks_", "weights_")}


def held_out_psnr(model, images, scale):
    """Mean PSNR of ``model`` on luminance ``images`` under the paper protocol."""
    from classicsr.protocol import score_luminance
    from classicsr.resize._imresize import resize_trusted

    values = []
    for y in images:
        y = y[:y.shape[0] - y.shape[0] % scale, :y.shape[1] - y.shape[1] % scale]
        lr = resize_trusted(y.astype(np.float64), 1.0 / scale) / 255.0
        values.append(score_luminance(y, model.predict_luminance(lr), scale)["psnr"])
    return float(np.mean(values))


def select(args, images):
    rng = np.random.default_rng(0)
    order = rng.permutation(len(images))
    train = [images[i] for i in order[:80]]
    held_out = [images[i] for i in order[80:]]
    for params in json.loads(args.grid):
        start = time.perf_counter()
        model = ESTIMATORS[args.method](args.scale, random_state=args.seed, **params).fit(train)
        seconds = time.perf_counter() - start
        print(json.dumps({"method": args.method, "scale": args.scale, "params": params,
                          "held_out_psnr": round(held_out_psnr(model, held_out, args.scale), 3),
                          "training_seconds": round(seconds, 1)}), flush=True)


def train(args, images, data_root, command):
    for method in args.methods:
        for scale in args.scales:
            model = ESTIMATORS[method](scale, random_state=args.seed, verbose=True).fit(images)
            path = MODELS / f"{method}_x{scale}.npz"
            model.save(path, overwrite=True)
            model = keep_half_if_harmless(model, path, scale, data_root, arrays=HALF[method])
            write_entry(path, model, method, scale, args.seed, command, data_root,
                        model.float16_drift_db)


def write_entry(path, model, method, scale, seed, command, data_root, drift):
    """Record ``path`` in the manifest (:func:`train_models.put_manifest_entry`)."""
    entry = manifest_entry(path, model, scale, seed, command, data_root)
    if drift is not None:
        entry["float16_drift_db"] = drift
    if method == "svr":
        entry["n_support_vectors"] = int(model.landmarks_.shape[0])
    else:
        entry["n_basis"] = int(model.basis_.shape[0])
    put_manifest_entry(path.name, entry)


def record_existing(args, data_root):
    """Record already trained files (e.g. after a concurrent run lost an entry)."""
    for scale in args.scales:
        path = MODELS / f"{args.method}_x{scale}.npz"
        model = ESTIMATORS[args.method].load(path)
        command = (f"python data/recipes/train_kernel_regression.py train --methods "
                   f"{args.method} --scales {scale}")
        write_entry(path, model, args.method, scale, args.seed, command, data_root,
                    args.float16_drift)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-root", default=None)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("train", help="train and record the shipped models")
    p.add_argument("--methods", nargs="+", default=["kim_kwon", "svr"], choices=list(ESTIMATORS))
    p.add_argument("--scales", type=int, nargs="+", default=[2, 3, 4])
    p = sub.add_parser("select", help="held-out T91 PSNR of parameter sets")
    p.add_argument("--method", choices=list(ESTIMATORS), required=True)
    p.add_argument("--scale", type=int, required=True)
    p.add_argument("--grid", required=True, help="JSON list of parameter dicts")
    p = sub.add_parser("record", help="record trained files in the manifest")
    p.add_argument("--method", choices=list(ESTIMATORS), required=True)
    p.add_argument("--scales", type=int, nargs="+", required=True)
    p.add_argument("--float16-drift", type=float, default=None,
                   help="the drift the training run printed")
    args = parser.parse_args(argv)
    data_root = Path(args.data_root) if args.data_root else find_data_root()
    if data_root is None or not (data_root / "T91").is_dir():
        parser.error("T91 not found: pass --data-root or set CLASSICSR_DATA")
    images = read_training_images(data_root / "T91", paper_luminance=True)
    if args.command == "select":
        return select(args, images)
    if args.command == "record":
        return record_existing(args, data_root)
    command = ("python data/recipes/train_kernel_regression.py "
               + " ".join(sys.argv[1:] if argv is None else argv))
    train(args, images, data_root, command)


if __name__ == "__main__":
    main()
