"""Train the shipped example-based models from T91 and record them in the manifest.

Usage (from the repository root, with ../shared beside it)::

    python data/recipes/train_models.py --scales 2 3 4 --seed 0

For each scale: a Zeyde dictionary (used by zeyde, gr, anr, lle), the A+
regressors anchored on it and the k-means clustered regressors (``--methods
kmeans``, on the PCA of the shipped Zeyde model), written to ``classicsr/models/`` with
``classicsr/models/manifest.json`` (method, scale, sha256, command, seed,
training wall time, library versions, Set5/Set14 PSNR of every method that
uses the file). The A+ regressors are stored as float16 when that moves no
Set5/Set14 mean by more than 0.005 dB (measured here), else as float32.
"""

import argparse
import copy
import datetime
import json
import sys
import time
from pathlib import Path

import numpy as np

import classicsr
from classicsr.datasets import find_data_root, read_training_images
from classicsr.example_based import APlus, KMeansRegressors, ScSRDictionary, ZeydeDictionary
from classicsr.io import atomic_write_bytes
from classicsr.modelstore import MANIFEST, sha256_of

MODELS = Path(__file__).resolve().parents[2] / "classicsr" / "models"


def users(family):
    """The registered methods that use the models of ``family`` (from the registry)."""
    return [name for name, info in classicsr.available_methods().items()
            if info.model == family]


def evaluate(method, scale, path, data_root):
    result = classicsr.evaluate(method, ["Set5", "Set14"], [scale], data_root=data_root,
                                progress=False, model=str(path))
    return {row["dataset"]: round(row["psnr"], 4) for row in result.means()}


def manifest_entry(path, model, scale, seed, command, data_root):
    """The manifest entry of the trained file ``path`` (its Set5/Set14 PSNR for
    every method that uses it is measured here: minutes)."""
    entry = {
        "method": model.method,
        "scale": scale,
        "sha256": sha256_of(path),
        "bytes": path.stat().st_size,
        "command": command,
        "seed": seed,
        "training_seconds": round(model.training_seconds_, 1),
        "n_training_patches": int(model.n_training_patches_),
        "params": {k: v for k, v in model.get_params(deep=False).items()
                   if k not in ("verbose", "dictionary")},
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "versions": json.loads(json.dumps(_versions())),
        "psnr": {m: evaluate(m, scale, path, data_root) for m in users(model.method)},
    }
    print(json.dumps({path.name: entry["psnr"]}), flush=True)
    return entry


def _versions():
    import numba
    import scipy
    import sklearn

    return {"classicsr": classicsr.__version__, "python": sys.version.split()[0],
            "numpy": np.__version__, "scipy": scipy.__version__,
            "scikit-learn": sklearn.__version__, "numba": numba.__version__}


def keep_half_if_harmless(model, path, scale, data_root, arrays=("regressors_",)):
    """Store ``arrays`` (fitted attributes) as float16 if no Set5/Set14 mean moves
    by > 0.005 dB."""
    full = evaluate(model.method, scale, path, data_root)
    half = copy.copy(model)
    for name in arrays:
        setattr(half, name, getattr(model, name).astype(np.float16))
    half.regressor_dtype = "float16"
    half_path = path.with_suffix(".f16.tmp.npz")
    half.save(half_path, overwrite=True)
    halved = evaluate(model.method, scale, half_path, data_root)
    drift = max(abs(full[d] - halved[d]) for d in full)
    print(f"{model.method} x{scale}: float32 {full}, float16 {halved}, drift {drift:.4f} dB",
          flush=True)
    if drift <= 0.005:
        half_path.replace(path)
        model = half
    else:
        half_path.unlink()
    model.float16_drift_db = round(drift, 4)
    return model


DESCRIPTION = ("Models trained by the recipes of data/recipes on the 91 images of Yang et "
               "al. (T91); PSNR: paper protocol, Y, scale pixels shaved, mean over Set5 / "
               "Set14.")


def put_manifest_entry(name, entry):
    """Put ``entry`` under ``name`` in ``classicsr/models/manifest.json``.

    The manifest is shared by every recipe, and several may run at once (one
    per method or scale, each for minutes to hours): it is re-read right
    before the atomic write and only this file's entry replaced, so that no
    recipe loses another's entry.
    """
    path = MODELS / MANIFEST
    manifest = json.loads(path.read_text()) if path.is_file() else {}
    manifest.setdefault("description", DESCRIPTION)
    manifest.setdefault("models", {})[name] = entry
    text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    atomic_write_bytes(path, text.encode(), overwrite=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[2, 3, 4])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ksvd-iter", type=int, default=20)
    parser.add_argument("--methods", nargs="+", default=["zeyde", "aplus"])
    parser.add_argument("--data-root", default=None)
    args = parser.parse_args(argv)
    data_root = Path(args.data_root) if args.data_root else find_data_root()
    if data_root is None or not (data_root / "T91").is_dir():
        parser.error("T91 not found: pass --data-root or set CLASSICSR_DATA")
    command = "python data/recipes/train_models.py " + " ".join(sys.argv[1:] if argv is None else argv)
    # the rounded 8-bit Y of each image, as the papers' load_images.m
    images = read_training_images(data_root / "T91", paper_luminance=True)
    for scale in args.scales:
        if "scsr" in args.methods:
            # Yang et al.'s coupled dictionary; independent of the Zeyde model.
            scsr = ScSRDictionary(scale, random_state=args.seed, verbose=True).fit(images)
            path = MODELS / f"scsr_x{scale}.npz"
            scsr.save(path, overwrite=True)
            print(f"scsr x{scale}: {scsr.training_seconds_:.0f} s", flush=True)
            put_manifest_entry(path.name, manifest_entry(path, scsr, scale, args.seed, command,
                                                         data_root))
            if args.methods == ["scsr"]:
                continue
        zeyde_path = MODELS / f"zeyde_x{scale}.npz"
        if "zeyde" in args.methods:
            start = time.perf_counter()
            zeyde = ZeydeDictionary(scale, n_iter=args.ksvd_iter, random_state=args.seed,
                                    verbose=True).fit(images)
            zeyde.save(zeyde_path, overwrite=True)
            print(f"zeyde x{scale}: {time.perf_counter() - start:.0f} s", flush=True)
            put_manifest_entry(zeyde_path.name, manifest_entry(zeyde_path, zeyde, scale,
                                                               args.seed, command, data_root))
        else:
            zeyde = ZeydeDictionary.load(zeyde_path)
        # Models anchored on the Zeyde dictionary; kmeans defaults were chosen
        # on a T91 split by data/recipes/select_kmeans.py. The second item
        # names the parameter that records the storage dtype of the regressors.
        anchored = {
            "aplus": APlus(scale, dictionary=zeyde, verbose=True),
            "kmeans": KMeansRegressors(scale, dictionary=zeyde, random_state=args.seed,
                                       verbose=True),
        }
        for name, model in anchored.items():
            if name not in args.methods:
                continue
            model.fit(images)
            path = MODELS / f"{name}_x{scale}.npz"
            model.save(path, overwrite=True)
            model = keep_half_if_harmless(model, path, scale, data_root)
            entry = manifest_entry(path, model, scale, args.seed, command, data_root)
            entry["float16_drift_db"] = model.float16_drift_db
            put_manifest_entry(path.name, entry)

if __name__ == "__main__":
    main()
