"""The paper protocol reproduces the published bicubic numbers (needs ../shared)."""

import csv

import numpy as np
import pytest

import classicsr
from classicsr.io import read_image

PUBLISHED_BICUBIC = {  # A+ (Timofte et al. ACCV 2014), Table 3
    ("Set5", 2): 33.66, ("Set5", 3): 30.39, ("Set5", 4): 28.42,
    ("Set14", 2): 30.23, ("Set14", 3): 27.54, ("Set14", 4): 26.00,
}


@pytest.fixture(scope="module")
def bicubic_result(data_root):
    return classicsr.evaluate("bicubic", ["Set5", "Set14"], [2, 3, 4],
                              data_root=data_root, progress=False)


@pytest.mark.parametrize("key", sorted(PUBLISHED_BICUBIC))
def test_bicubic_reproduces_published_means(bicubic_result, key):
    dataset, scale = key
    assert abs(bicubic_result.mean(dataset, scale) - PUBLISHED_BICUBIC[key]) <= 0.005


def test_bicubic_means_match_paper_tables_csv(bicubic_result, reference_dir):
    with open(reference_dir / "paper_tables.csv") as handle:
        rows = [r for r in csv.DictReader(handle) if r["method"] == "bicubic"]
    assert len(rows) == 2
    for row in rows:
        for scale in (2, 3, 4):
            assert abs(bicubic_result.mean(row["dataset"], scale) - float(row[f"x{scale}"])) \
                <= 0.005


@pytest.mark.slow
def test_per_image_bicubic_rows_of_selfexsr(data_root, reference_dir):
    """Bicubic of the shared *_LR.png in RGB, then Y: every published row."""
    with open(reference_dir / "per_image_psnr_selfexsr.csv") as handle:
        rows = [r for r in csv.DictReader(handle) if r["method"] == "bicubic"]
    assert len(rows) == 57
    worst_psnr = worst_ssim = 0.0
    for row in rows:
        scale = int(row["scale"])
        folder = data_root / row["dataset"] / f"image_SRF_{scale}"
        hr = read_image(folder / row["file"])
        lr = read_image(folder / row["file"].replace("_HR", "_LR"))
        sr = classicsr.upscale(lr, scale, method="bicubic")
        assert sr.dtype == np.uint8 and sr.shape == hr.shape
        worst_psnr = max(worst_psnr, abs(classicsr.psnr(hr, sr, crop_border=scale)
                                         - float(row["psnr_y"])))
        worst_ssim = max(worst_ssim, abs(classicsr.ssim(hr, sr, crop_border=scale)
                                         - float(row["ssim_y"])))
    assert worst_psnr <= 0.002
    assert worst_ssim <= 0.0002


def test_result_writers(bicubic_result, tmp_path):
    import json

    bicubic_result.to_json(tmp_path / "r.json")
    bicubic_result.to_csv(tmp_path / "r.csv")
    loaded = json.loads((tmp_path / "r.json").read_text())
    assert len(loaded["images"]) == 3 * (5 + 14)
    assert len((tmp_path / "r.csv").read_text().splitlines()) == 1 + 3 * 19
    with pytest.raises(FileExistsError):
        bicubic_result.to_csv(tmp_path / "r.csv")
    text = bicubic_result.table()
    assert "Set14" in text and "33.661" in text
