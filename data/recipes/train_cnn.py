"""Train the shipped CNNs (SRCNN, FSRCNN, ESPCN) on T91, export them to ONNX, record them.

Usage (from the repository root, with ../shared beside it; needs the
``train`` and ``onnx`` extras)::

    python data/recipes/train_cnn.py --methods srcnn fsrcnn espcn --scales 3 2 4 --seed 0 \
        --threads 1

For each method and scale: fit a :class:`classicsr.cnn.train.CNNTrainer`
(checkpoints in ``--work-dir``, default ``build/cnn/METHOD_xS``, resumed when
present, so an interrupted run continues and a finished one is only
exported), export to ``classicsr/models/METHOD_xS.onnx`` (opset 17, dynamic
height and width; ONNX Runtime checked against torch to 1e-5), measure the
Set5 / Set14 PSNR under the paper protocol with ``classicsr.evaluate(...,
model=PATH)`` and record the file in ``classicsr/models/manifest.json``
(method, scale, sha256, bytes, command, seed, training time, library
versions, PSNR, training settings and the Set5 validation curve). The
manifest is shared with the other models: it is re-read right before each
atomic write and only this file's entry is replaced.

Training settings (defaults of :data:`classicsr.cnn.train.DEFAULTS`): Adam,
learning rate 1e-3 decayed to 1e-5 by a cosine, batch 64, MSE on [0, 1];
SRCNN 9-5-5 for 15000 steps (about 44 epochs of its 21884 x3 sub-images),
FSRCNN(56, 12, 4) for 30000 steps, ESPCN 5-3-3 (64, 32 filters, ReLU) for
120000 steps (17x17 LR inputs, every layer at the LR resolution: x3 took
1929 s on one shared CPU thread, 16 ms a step, against FSRCNN x3's 3606 s
for 30000 steps, 120 ms a step; see each file's ``training_seconds`` in the
manifest).
"""

import argparse
import datetime
import json
import sys
from pathlib import Path

import numpy as np

import classicsr
from classicsr.cnn.export import OPSET
from classicsr.cnn.train import DEFAULTS, METHODS, CNNTrainer
from classicsr.datasets import find_data_root, read_training_images
from classicsr.modelstore import sha256_of

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_models import MODELS, put_manifest_entry  # noqa: E402  (the shared manifest writer)

REPO = Path(__file__).resolve().parents[2]


def versions():
    import onnx
    import onnxruntime
    import torch

    return {"classicsr": classicsr.__version__, "python": sys.version.split()[0],
            "numpy": np.__version__, "torch": torch.__version__, "onnx": onnx.__version__,
            "onnxruntime": onnxruntime.__version__}


def measure_psnr(method, scale, path, data_root):
    result = classicsr.evaluate(method, ["Set5", "Set14"], [scale], data_root=data_root,
                                progress=False, model=str(path))
    return {row["dataset"]: round(row["psnr"], 4) for row in result.means()}


def build_one(method, scale, args, images, data_root, command):
    """Train (or resume), export, measure and record one network."""
    model = CNNTrainer(method, scale, iterations=args.iterations.get(method),
                       random_state=args.seed, threads=args.threads,
                       checkpoint_dir=Path(args.work_dir) / f"{method}_x{scale}",
                       checkpoint_every=args.checkpoint_every,
                       validate_every=args.validate_every).fit(images)
    path = model.export(MODELS / f"{method}_x{scale}.onnx", overwrite=True)
    psnr = measure_psnr(method, scale, path, data_root)
    config = model.config_
    entry = {
        "method": method,
        "scale": scale,
        "sha256": sha256_of(path),
        "bytes": path.stat().st_size,
        "command": command,
        "seed": args.seed,
        "training_seconds": round(model.training_seconds_, 1),
        "n_training_patches": int(model.n_sub_images_),
        "params": {"network": config.network, "iterations": config.iterations,
                   "batch_size": config.batch_size, "optimizer": "Adam", "lr": config.lr,
                   "lr_min": config.lr_min, "lr_schedule": "cosine", "loss": "MSE",
                   "threads": args.threads},
        "onnx": {"opset": OPSET, "max_abs_diff_vs_torch": model.onnx_max_abs_diff_},
        "validation_set5": [{k: r[k] for k in ("step", "val_psnr")}
                            for r in model.history_ if "val_psnr" in r],
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "versions": versions(),
        "psnr": {method: psnr},
    }
    put_manifest_entry(path.name, entry)
    print(json.dumps({path.name: psnr, "training_seconds": entry["training_seconds"]}),
          flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--scales", type=int, nargs="+", default=[3, 2, 4], choices=(2, 3, 4))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--work-dir", default=str(REPO / "build" / "cnn"))
    parser.add_argument("--checkpoint-every", type=int, default=500)
    parser.add_argument("--validate-every", type=int, default=2500)
    parser.add_argument("--srcnn-iterations", type=int, default=DEFAULTS["srcnn"]["iterations"])
    parser.add_argument("--fsrcnn-iterations", type=int,
                        default=DEFAULTS["fsrcnn"]["iterations"])
    parser.add_argument("--espcn-iterations", type=int, default=DEFAULTS["espcn"]["iterations"])
    parser.add_argument("--data-root", default=None)
    args = parser.parse_args(argv)
    args.iterations = {"srcnn": args.srcnn_iterations, "fsrcnn": args.fsrcnn_iterations,
                       "espcn": args.espcn_iterations}
    data_root = Path(args.data_root) if args.data_root else find_data_root()
    if data_root is None or not (data_root / "T91").is_dir():
        parser.error("T91 not found: pass --data-root or set CLASSICSR_DATA")
    command = "python data/recipes/train_cnn.py " + " ".join(
        sys.argv[1:] if argv is None else argv)
    images = read_training_images(data_root / "T91", paper_luminance=True)
    for scale in args.scales:
        for method in args.methods:
            build_one(method, scale, args, images, data_root, command)


if __name__ == "__main__":
    main()
