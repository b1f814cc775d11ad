"""Face hallucination on the FEI faces (``../shared/data/FEI``): skipped without them.

The protocol of ``../shared/data/README.md`` (360 training faces, 40 test
faces, x4; see :func:`classicsr.face.protocol.evaluate_faces`). Thresholds
are just below the values measured by ``benchmarks/bench_face.py``
(``benchmarks/results/face.json``); each method's gain over bicubic must
also be at least its published gain (Jiang et al., T-Cybernetics 2018,
Table III, over the published bicubic 27.50) minus 0.1 dB.
"""

import numpy as np
import pytest

from classicsr import imresize, ssim
from classicsr.face import FaceSet, degrade_face, evaluate_faces
from classicsr.face.protocol import box_blur
from classicsr.io import read_image

PUBLISHED_BICUBIC = 27.50
#: method, options, published PSNR, our measured PSNR / SSIM (40 test faces)
CASES = [
    ("face_eigen", {}, 27.57, 27.525, 0.7691),
    ("face_ne", {}, 32.55, 32.465, 0.9097),
    ("face_lsr", {}, 31.90, 31.906, 0.9032),
    ("face_sr", {}, 32.11, 32.121, 0.9051),
    ("face_lcr", {}, 32.76, 32.758, 0.9146),
    ("face_line", {}, 32.98, 32.901, 0.9158),
    ("face_tlcr", {}, 33.86, 33.807, 0.9324),
    ("face_tlcr", {"reproducing": 5}, 34.19, 34.123, 0.9354),
]


@pytest.fixture(scope="module")
def fei(data_root):
    folder = data_root / "FEI"
    if not (folder / "train").is_dir():
        pytest.skip(f"FEI faces not found in {folder}")
    train = [read_image(folder / "train" / f"{k}_h.jpg") for k in range(1, 361)]
    test = [read_image(folder / "test" / f"{k}_test.jpg") for k in range(1, 41)]
    return train, test


@pytest.fixture(scope="module")
def fei_model(fei):
    return FaceSet(scale=4).fit(fei[0])


def test_bicubic_under_the_protocol(fei):
    p, s, _ = evaluate_faces(fei[1], "bicubic")
    assert p.mean() == pytest.approx(27.4326, abs=5e-4)
    assert s.mean() == pytest.approx(0.8420, abs=5e-5)


def test_published_bicubic_is_replicate_padding(fei):
    """The published 27.50 / 0.8426: the same chain with the resampler replicating the
    border pixels (instead of MATLAB imresize's mirroring) in both resizes."""
    def resize_replicate(img, scale, pad):
        out = imresize(np.pad(img, pad, mode="edge"), scale)
        cut = round(pad * scale)
        return out[cut:-cut, cut:-cut]

    psnrs, ssims = [], []
    for hr in fei[1]:
        blurred = np.clip(np.floor(box_blur(hr.astype(float), 4) + 0.5), 0, 255)
        lr = resize_replicate(blurred.astype(np.uint8), 0.25, 12).astype(float)
        sr = resize_replicate(lr, 4.0, 3)
        ref = hr.astype(float)
        psnrs.append(10 * np.log10(255.0 ** 2 / np.mean((sr - ref) ** 2)))
        ssims.append(ssim(ref, sr, data_range=255.0))
    assert np.mean(psnrs) == pytest.approx(PUBLISHED_BICUBIC, abs=0.005)
    assert np.mean(ssims) == pytest.approx(0.8426, abs=5e-5)
    assert np.array_equal(degrade_face(fei[1][0])[2:-2, 2:-2],
                          resize_replicate(np.clip(np.floor(box_blur(
                              fei[1][0].astype(float), 4) + 0.5), 0, 255).astype(np.uint8),
                              0.25, 12)[2:-2, 2:-2])  # the same inside the face


@pytest.mark.slow
@pytest.mark.parametrize("method, options, published, measured, measured_ssim", CASES,
                         ids=[c[0] + ("_rl" if c[1] else "") for c in CASES])
def test_fei_gain_at_least_published(fei, fei_model, method, options, published, measured,
                                     measured_ssim):
    bicubic = evaluate_faces(fei[1], "bicubic")[0].mean()
    p, s, _ = evaluate_faces(fei[1], method, model=fei_model, **options)
    assert p.mean() > measured - 0.01
    assert s.mean() > measured_ssim - 0.0005
    assert p.mean() - bicubic >= published - PUBLISHED_BICUBIC - 0.1
