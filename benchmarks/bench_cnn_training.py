"""Training speed of the CNN baselines (torch) on the CPU and, when torch sees one, a GPU.

Trains srcnn and fsrcnn (x3, the shipped configurations: batch 64, the
papers' sub-images and augmentation) for ``--steps`` steps on images that
ship with scikit-image, and reports the steps per second of the second half
(the first half warms up), with the time the shipped schedule (srcnn 15,000
steps, fsrcnn 30,000) would take at that rate. Prints a table and writes JSON
(``benchmarks/results/cnn_training.json``). Needs the ``train`` extra.

    python benchmarks/bench_cnn_training.py [--steps 400] [--devices cpu cuda]
"""

import argparse
import os
import platform
from pathlib import Path

from _common import write_json

from classicsr.cnn.train import DEFAULTS, train
from classicsr.protocol import hr_luminance

HERE = Path(__file__).resolve().parent
IMAGES = ("astronaut", "camera", "coffee", "chelsea", "rocket", "immunohistochemistry")


def training_images():
    """Luminance in [0, 1] of a few scikit-image images."""
    from skimage import data

    return [hr_luminance(getattr(data, name)()) / 255.0 for name in IMAGES]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--scale", type=int, default=3)
    parser.add_argument("--devices", nargs="+", default=None,
                        help="torch devices (default: cpu, and cuda when available)")
    parser.add_argument("--json", default=str(HERE / "results" / "cnn_training.json"))
    args = parser.parse_args(argv)
    import torch

    devices = args.devices or (["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"])
    images = training_images()
    rows = []
    for method in ("srcnn", "fsrcnn"):
        for device in devices:
            result = train(method, args.scale, images=images, seed=0, iterations=args.steps,
                           checkpoint_every=args.steps // 2, device=device, progress=False,
                           log=lambda line: None)
            records = result.history
            batch = result.config.batch_size
            steps_per_s = records[-1]["samples_per_s"] / batch
            full = DEFAULTS[method]["iterations"]
            row = {"method": method, "scale": args.scale, "device": device,
                   "steps_per_s": steps_per_s, "batch_size": batch,
                   "shipped_schedule_steps": full,
                   "shipped_schedule_hours": full / steps_per_s / 3600}
            rows.append(row)
            print(f"{method:6s} x{args.scale} {device:5s}: {steps_per_s:8.1f} steps/s, "
                  f"{full} steps in {row['shipped_schedule_hours']:.2f} h", flush=True)
    machine = {"cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(),
               "platform": platform.platform(), "torch": torch.__version__,
               "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None}
    write_json(args.json, {"machine": machine, "steps": args.steps, "rows": rows})
    print(f"machine: {machine}")


if __name__ == "__main__":
    main()
