"""Train your own A+ model on a folder of images, save it, and use it.

By default the training images are a dozen images embedded in
scikit-image (no download); pass ``--images DIR`` for your own (any PNG,
JPEG, TIFF or BMP, colour or grey). The model is a Zeyde dictionary plus the
A+ regressors anchored on it (Timofte et al. 2014), written as a pickle-free
``.npz``; it is then used on a test image that was not in the training set
and compared with bicubic and with the shipped A+ model (figure
``train_your_own.png``, ``--figure`` to change).

    python examples/train_your_own.py              # 12 embedded images, ~1-3 min
    python examples/train_your_own.py --fast       # 3 images, small model, ~20 s
    python examples/train_your_own.py --images my_photos/ --scale 2
"""

import argparse
import time

import numpy as np

import classicsr
from classicsr.datasets import read_training_images
from classicsr.example_based import APlus, ZeydeDictionary
from classicsr.figures import comparison_figure
from classicsr.io import atomic_write_bytes
from classicsr.modelstore import has_shipped_model
from classicsr.protocol import hr_luminance

TRAIN = ("camera", "coins", "moon", "page", "text", "clock", "horse", "hubble_deep_field",
         "coffee", "chelsea", "rocket", "immunohistochemistry")
TEST = "astronaut"  # never trained on


def embedded_luminance(names):
    """uint8 Y channels of scikit-image images (as
    ``read_training_images(folder, paper_luminance=True)`` gives)."""
    from skimage import data

    images = []
    for name in names:
        img = getattr(data, name)()
        if img.dtype == bool:
            img = img.astype(np.uint8) * 255
        images.append(hr_luminance(img.astype(np.uint8)))
    return images


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", help="folder of training images (default: embedded)")
    parser.add_argument("--scale", type=int, default=3, choices=(2, 3, 4))
    parser.add_argument("--out", default="my_aplus.npz", help="model file to write")
    parser.add_argument("--fast", action="store_true", help="3 images, a small model")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--figure", default="train_your_own.png", help="figure to write")
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args(argv)

    if args.images:
        images = read_training_images(args.images, paper_luminance=True)
    else:
        images = embedded_luminance(TRAIN[:3] if args.fast else TRAIN)
    n_atoms, samples = (256, 200_000) if args.fast else (1024, 1_000_000)
    print(f"training A+ x{args.scale} on {len(images)} images "
          f"({n_atoms} atoms{', fast' if args.fast else ''})", flush=True)
    start = time.perf_counter()
    zeyde = ZeydeDictionary(args.scale, n_atoms=n_atoms, n_iter=5 if args.fast else 20,
                            random_state=args.seed, verbose=True).fit(images)
    model = APlus(args.scale, dictionary=zeyde, n_neighbours=min(2048, 8 * n_atoms),
                  max_patches=samples, pyramid_levels=4 if args.fast else 12,
                  verbose=True).fit(images)
    model.save(args.out, overwrite=args.overwrite)
    print(f"trained in {time.perf_counter() - start:.1f} s -> {args.out}")

    from skimage import data

    hr = classicsr.modcrop(getattr(data, TEST)(), args.scale)
    lr = classicsr.degrade(hr, args.scale)
    rows = [("bicubic", classicsr.upscale(lr, args.scale, "bicubic")),
            ("your A+", classicsr.upscale(lr, args.scale, "aplus", model=args.out))]
    if has_shipped_model("aplus", args.scale):
        rows.append(("shipped A+ (T91)", classicsr.upscale(lr, args.scale, "aplus")))
    print(f"\n{TEST} (not in the training set), x{args.scale}, Y channel:")
    panels = [("HR (ground truth)", hr)]
    for name, sr in rows:
        p = classicsr.psnr(hr, sr, crop_border=args.scale)
        print(f"  {name:18s} {p:7.3f} dB  "
              f"SSIM {classicsr.ssim(hr, sr, crop_border=args.scale):.4f}")
        panels.append((f"{name}\n{p:.2f} dB", sr))
    atomic_write_bytes(args.figure, comparison_figure(panels, crop=(40, 160, 128, 128)),
                       overwrite=args.overwrite)
    print(f"wrote {args.figure}")
    print(f"\nuse it from the command line:\n  classicsr upscale IN.png OUT.png --scale "
          f"{args.scale} --method aplus --model {args.out}")


if __name__ == "__main__":
    main()
