"""Train IA (the improved A+ of Timofte, Rothe & Van Gool, CVPR 2016) on T91.

Usage (from the repository root, with ../shared beside it)::

    # the models shipped with the package (small enough for the 100 MB budget)
    python data/recipes/train_ia.py --dest shipped --scales 2 3 4 --anchors 1024 \
        --coarse 32 --stages 2 --patches 4000000
    # the full models, into the user model folder (what `classicsr train ia
    # --scale S` builds; `ia` then uses them by default)
    python data/recipes/train_ia.py --dest user --scales 2 3 4
    # re-measure the Set5/Set14 PSNR of the existing files after a change of
    # the method's test-time defaults (the files are not touched)
    python data/recipes/train_ia.py --dest shipped --scales 2 3 4 --rescore "why"

For each scale: fit :class:`classicsr.example_based.ImprovedAPlus` on the 91
images (augmented by their 8 rotations and flips, 12 pyramid levels of
0.98, the given number of anchors and cascade stages), save it, keep the
regressors and Gram matrices as float16 when that moves no Set5/Set14 mean
by more than 0.005 dB (``--dest shipped`` only: measured here), and measure
the Set5/Set14 PSNR of ``ia`` (all the ways) under the paper protocol. The
shipped files are recorded in ``classicsr/models/manifest.json``; the user
files get a ``.json`` beside them with the same record.
"""

import argparse
import datetime
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import train_models  # noqa: E402  (the manifest helpers of the other recipe)

from classicsr.datasets import find_data_root, read_training_images  # noqa: E402
from classicsr.example_based import ImprovedAPlus  # noqa: E402
from classicsr.io import atomic_write_bytes  # noqa: E402
from classicsr.modelstore import MANIFEST, user_model_path  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", choices=("shipped", "user"), required=True)
    parser.add_argument("--scales", type=int, nargs="+", default=[2, 3, 4])
    parser.add_argument("--anchors", type=int, default=None)
    parser.add_argument("--coarse", type=int, default=None)
    parser.add_argument("--stages", type=int, default=None)
    parser.add_argument("--patches", type=int, default=None)
    parser.add_argument("--levels", type=int, default=None)
    parser.add_argument("--tree-samples", type=int, default=None)
    parser.add_argument("--residual-dtype", choices=("float16", "float32"), default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--rescore", metavar="WHY", default=None,
                        help="re-measure the PSNR of the existing files instead of training "
                             "(the reason is recorded)")
    args = parser.parse_args(argv)
    data_root = Path(args.data_root) if args.data_root else find_data_root()
    if data_root is None or not (data_root / "T91").is_dir():
        parser.error("T91 not found: pass --data-root or set CLASSICSR_DATA")
    command = "python data/recipes/train_ia.py " + " ".join(sys.argv[1:] if argv is None
                                                            else argv)
    if args.rescore is not None:
        for scale in args.scales:
            rescore(args.dest, scale, data_root, args.rescore)
        return
    images = read_training_images(data_root / "T91", paper_luminance=True)
    params = {k: v for k, v in (("n_anchors", args.anchors), ("n_coarse", args.coarse),
                                ("n_stages", args.stages),
                                ("max_patches", args.patches),
                                ("pyramid_levels", args.levels),
                                ("tree_samples", args.tree_samples),
                                ("residual_dtype", args.residual_dtype)) if v is not None}
    for scale in args.scales:
        start = time.perf_counter()
        model = ImprovedAPlus(scale, random_state=args.seed, verbose=True, **params).fit(images)
        print(f"ia x{scale}: trained in {time.perf_counter() - start:.0f} s", flush=True)
        if args.dest == "shipped":
            path = train_models.MODELS / f"ia_x{scale}.npz"
            model.save(path, overwrite=True)
            model = train_models.keep_half_if_harmless(
                model, path, scale, data_root, arrays=("regressors_", "grams_"))
        else:
            path = user_model_path("ia", scale)
            path.parent.mkdir(parents=True, exist_ok=True)
            model.save(path, overwrite=True)
        entry = train_models.manifest_entry(path, model, scale, args.seed, command, data_root)
        if args.dest == "shipped":
            entry["float16_drift_db"] = model.float16_drift_db
        put_record(args.dest, path, entry)


def put_record(dest, path, entry):
    """Write the record of the IA file ``path``: its manifest entry (shipped)
    or the ``.json`` beside it (user)."""
    if dest == "shipped":
        train_models.put_manifest_entry(path.name, entry)
    else:
        text = json.dumps(entry, indent=2, sort_keys=True) + "\n"
        atomic_write_bytes(path.with_suffix(".json"), text.encode(), overwrite=True)


def rescore(dest, scale, data_root, why):
    """Re-measure the PSNR of an existing IA file with the current defaults of
    ``ia``; the first record's PSNR is kept as ``psnr_at_training``."""
    if dest == "shipped":
        path = train_models.MODELS / f"ia_x{scale}.npz"
        manifest_path = train_models.MODELS / MANIFEST
        manifest = json.loads(manifest_path.read_text())
        entry = manifest["models"][path.name]
    else:
        path = user_model_path("ia", scale)
        entry = json.loads(path.with_suffix(".json").read_text())
    if train_models.sha256_of(path) != entry["sha256"]:
        raise SystemExit(f"{path}: not the file its record describes (sha256 differs)")
    entry.setdefault("psnr_at_training", entry["psnr"])
    entry["psnr"] = {"ia": train_models.evaluate("ia", scale, path, data_root)}
    stamp = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    entry["psnr_note"] = (f"re-measured on {stamp} by `train_ia.py --rescore`: {why}; the "
                          "file is unchanged (psnr_at_training: as first recorded)")
    print(json.dumps({path.name: entry["psnr"]}), flush=True)
    put_record(dest, path, entry)


if __name__ == "__main__":
    main()
