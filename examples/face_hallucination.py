"""Face hallucination: x4 super-resolution of aligned faces, and of a face in a real photo.

With the FEI faces of the face-hallucination papers (``FEI/train``,
``FEI/test`` under ``$CLASSICSR_DATA`` or ``../shared/data``; research use
only, never copied into the project), the 360 training faces make the face
set and the figure shows three test faces: the 30 x 25 input, bicubic, each
method and the ground truth, with PSNR. Then a real photo
(``skimage.data.astronaut()``) is aligned to the face set by its two eye
positions and hallucinated. Without the FEI faces the methods run on drawn
aligned faces (:func:`classicsr.face.synthetic_faces`), and the photo is
skipped (a drawn face set cannot hallucinate a real face).

    python examples/face_hallucination.py                 # FEI if found, else drawn faces
    python examples/face_hallucination.py --model faces.npz --eyes 40 30 40 70
        # your own face set from 'classicsr train face --images DIR --scale 4 --out faces.npz';
        # --eyes: (row, col) of the left and right eye in its HR faces
    python examples/face_hallucination.py --fast          # without TLcR-RL

Writes ``face-hallucination/faces.png`` (and ``photo.png`` with a real face
set) -- images that contain FEI pixels when made with FEI: keep them out of
repositories.
"""

import argparse
import time
from pathlib import Path

import numpy as np

import classicsr
from classicsr.datasets import find_data_root
from classicsr.face import FaceSet, align_face, degrade_face, synthetic_faces
from classicsr.face.protocol import bicubic_face
from classicsr.figures import figure_png
from classicsr.io import atomic_write_bytes, read_image

METHODS = [("Eigen", "face_eigen", {}), ("NE", "face_ne", {}), ("LSR", "face_lsr", {}),
           ("SR", "face_sr", {}), ("LcR", "face_lcr", {}), ("LINE", "face_line", {}),
           ("TLcR", "face_tlcr", {}), ("TLcR-RL", "face_tlcr", {"reproducing": 5})]
#: (row, col) of the eye centres in the FEI faces (120 x 100), from their mean face.
FEI_EYES = ((40.0, 30.0), (40.0, 70.0))
#: (row, col) of the eyes of the astronaut (Eileen Collins) in skimage.data.astronaut().
ASTRONAUT_EYES = ((100.0, 204.0), (101.0, 248.0))


def psnr(ref, img):
    return 10 * np.log10(255.0 ** 2 / np.mean((ref.astype(float) - img) ** 2))


def load_faces(args):
    """(face set, test faces, eyes or None, what they are)."""
    if args.model:
        model = FaceSet.load(args.model)
        eyes = None if args.eyes is None else (tuple(args.eyes[:2]), tuple(args.eyes[2:]))
        return model, None, eyes, f"your face set {args.model}"
    root = find_data_root()
    fei = None if root is None else Path(root) / "FEI"
    if fei is not None and (fei / "train").is_dir():
        train = [read_image(fei / "train" / f"{k}_h.jpg") for k in range(1, 361)]
        test = [read_image(fei / "test" / f"{k}_test.jpg") for k in range(1, 4)]
        return FaceSet(scale=4).fit(train), test, FEI_EYES, "FEI (360 training faces)"
    faces = synthetic_faces(123, (120, 100), random_state=0)
    return FaceSet(scale=4).fit(faces[:120]), faces[120:], None, "drawn faces (no FEI found)"


def grid_figure(rows, titles):
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import pyplot as plt

    fig, axes = plt.subplots(len(rows), len(titles), figsize=(1.3 * len(titles),
                                                             1.75 * len(rows)), squeeze=False)
    for r, row in enumerate(rows):
        for c, (img, label) in enumerate(row):
            ax = axes[r, c]
            ax.imshow(np.clip(img, 0, 255), cmap="gray", vmin=0, vmax=255,
                      interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"{titles[c]}\n{label}" if label else titles[c], fontsize=7)
    fig.tight_layout()
    return figure_png(fig)


def hallucinate(model, lr, methods):
    """``[(name, HR face on the 0-255 scale, seconds)]`` for an LR face (uint8 or 0-255)."""
    x = np.asarray(lr, dtype=np.float64) / 255.0
    out = []
    for name, method, options in methods:
        start = time.perf_counter()
        sr = classicsr.upscale(x, 4, method=method, model=model, **options) * 255.0
        out.append((name, sr, time.perf_counter() - start))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="face-hallucination", help="output folder")
    parser.add_argument("--model", help="a face set from 'classicsr train face'")
    parser.add_argument("--eyes", type=float, nargs=4, metavar=("R1", "C1", "R2", "C2"),
                        help="with --model: eye positions in its HR faces, for the photo")
    parser.add_argument("--fast", action="store_true", help="skip TLcR-RL")
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args(argv)
    methods = METHODS[:-1] if args.fast else METHODS
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model, test, eyes, what = load_faces(args)
    print(f"face set: {what}: {model.n_faces} faces of {model.hr_shape[0]}x{model.hr_shape[1]}"
          f", inputs {model.lr_shape[0]}x{model.lr_shape[1]}")

    if test is not None:
        rows = []
        for k, hr in enumerate(test):
            lr = degrade_face(hr)
            bic = bicubic_face(lr, 4)
            row = [(np.kron(lr, np.ones((4, 4))), ""), (bic, f"{psnr(hr, bic):.2f} dB")]
            for name, sr, seconds in hallucinate(model, lr, methods):
                row.append((sr, f"{psnr(hr, sr):.2f} dB"))
                print(f"face {k + 1}: {name:8s} {psnr(hr, sr):6.2f} dB  {seconds:.3f} s")
            rows.append(row + [(hr.astype(float), "")])
        titles = ["LR (30x25)", "bicubic"] + [m[0] for m in methods] + ["ground truth"]
        atomic_write_bytes(out / "faces.png", grid_figure(rows, titles),
                           overwrite=args.overwrite)
        print(f"wrote {out / 'faces.png'}")

    if eyes is None:
        print("photo skipped: it needs a face set of real faces and their eye positions "
              "(FEI, or --model with --eyes)")
        return 0
    from skimage import data

    photo = data.astronaut()
    s = model.scale
    lr_eyes = [((r + 0.5) / s - 0.5, (c + 0.5) / s - 0.5) for r, c in eyes]
    # the photo's face brought to the face set's LR frame (a real low-resolution face)
    lr = align_face(photo, ASTRONAUT_EYES, lr_eyes, model.lr_shape) * 255.0
    reference = align_face(photo, ASTRONAUT_EYES, eyes, model.hr_shape) * 255.0
    chosen = [m for m in methods if m[0] in ("LcR", "LINE", "TLcR", "TLcR-RL")]
    row = [(np.kron(lr, np.ones((s, s))), ""), (bicubic_face(lr, s), "")]
    row += [(sr, "") for _, sr, _ in hallucinate(model, lr, chosen)]
    row.append((reference, ""))
    titles = ["aligned LR", "bicubic"] + [m[0] for m in chosen] + ["photo (aligned)"]
    atomic_write_bytes(out / "photo.png", grid_figure([row], titles), overwrite=args.overwrite)
    print(f"wrote {out / 'photo.png'} (astronaut aligned by the eyes {ASTRONAUT_EYES})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
