"""Choose the defaults of ``kmeans`` (clusters, atoms per cluster) on T91 alone.

T91 is split: every 8th image in name order (12 images) validates, the
other 79 train.
For each scale the training samples are collected once; each configuration
is fitted on them and scored by the paper-protocol PSNR on the validation
images. Set5 / Set14 are never looked at. Writes
``data/recipes/select_kmeans.json``.

    python data/recipes/select_kmeans.py --scales 3
"""

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np

import classicsr
from classicsr.datasets import find_data_root, list_images, read_training_images
from classicsr._estimator import check_training_images
from classicsr.example_based._training_data import training_pairs
from classicsr.example_based.kmeans import KMeansRegressors
from classicsr.example_based.zeyde import ZeydeDictionary
from classicsr.io import atomic_write_bytes, read_image
from classicsr.protocol import evaluate_image

OUT = Path(__file__).with_suffix(".json")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[3])
    parser.add_argument("--clusters", type=int, nargs="+", default=[256, 512, 1024])
    parser.add_argument("--atoms", type=int, nargs="+", default=[8, 16, 32])
    parser.add_argument("--samples", type=int, default=2_000_000)
    args = parser.parse_args(argv)
    root = find_data_root()
    files = list_images(root / "T91")  # sorted by name
    valid_files = files[::8]
    train_files = [p for p in files if p not in valid_files]
    # float Y in [0, 1] of the rounded 8-bit Y, as the papers (and training_pairs) take it
    images = check_training_images(read_training_images(root / "T91", paper_luminance=True))
    by_name = dict(zip([p.name for p in list_images(root / "T91")], images))
    train = [by_name[p.name] for p in train_files]
    valid = [read_image(p) for p in valid_files]
    results = {"split": {"train": [p.name for p in train_files],
                         "validate": [p.name for p in valid_files]}, "runs": []}
    for scale in args.scales:
        zeyde = ZeydeDictionary(scale, random_state=0).fit(train)
        lo, hi = training_pairs(train, scale, overlap=2, pyramid_levels=12,
                                projection=zeyde.projection_, max_pairs=args.samples)
        anr = float(np.mean([evaluate_image(img, scale, "anr", model=zeyde)["psnr"]
                             for img in valid]))
        for clusters, atoms in itertools.product(args.clusters, args.atoms):
            start = time.perf_counter()
            model = KMeansRegressors(scale, n_clusters=clusters, n_atoms=atoms).fit_samples(
                lo.copy(), hi.copy(), zeyde.projection_)
            seconds = time.perf_counter() - start
            psnr = float(np.mean([evaluate_image(img, scale, "kmeans", model=model)["psnr"]
                                  for img in valid]))
            run = {"scale": scale, "n_clusters": clusters, "n_atoms": atoms,
                   "validation_psnr": round(psnr, 4), "anr_validation_psnr": round(anr, 4),
                   "fit_seconds": round(seconds, 1)}
            results["runs"].append(run)
            print(json.dumps(run), flush=True)
            atomic_write_bytes(OUT, json.dumps(results, indent=2).encode(), overwrite=True)


if __name__ == "__main__":
    sys.exit(main())
