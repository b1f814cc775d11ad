"""evaluate() on folders the test builds itself (always runs)."""

import numpy as np
import pytest
from skimage import data

import classicsr
from classicsr.io import write_image
from classicsr.protocol import evaluate_image, hr_luminance


@pytest.fixture()
def plain_folder(tmp_path):
    write_image(tmp_path / "astronaut.png", data.astronaut()[:120, :150])
    write_image(tmp_path / "camera.png", data.camera()[200:300, 150:240])
    return tmp_path


def test_evaluate_plain_folder(plain_folder):
    result = classicsr.evaluate("bicubic", plain_folder, [2, 3], progress=False)
    assert [r["image"] for r in result.rows] == ["astronaut", "camera"] * 2
    for row in result.rows:
        assert 20 < row["psnr"] < 50 and 0 < row["ssim"] <= 1 and row["seconds"] >= 0
    nearest = classicsr.evaluate("nearest", plain_folder, 2, progress=False)
    assert result.mean(plain_folder.name, 2) > nearest.mean(plain_folder.name, 2)


def test_protocol_steps_by_hand():
    """evaluate_image is exactly: Y (rounded), float LR, SR, round, shave."""
    hr = data.astronaut()[:90, :96]
    scores = evaluate_image(hr, 3, "bicubic")
    y = hr_luminance(hr)
    lr = classicsr.imresize(y.astype(float), 1 / 3)
    sr = np.clip(np.floor(classicsr.imresize(lr, 3) + 0.5), 0, 255).astype(np.uint8)
    assert scores["psnr"] == pytest.approx(classicsr.psnr(y, sr, crop_border=3), abs=1e-12)
    assert scores["ssim"] == pytest.approx(classicsr.ssim(y, sr, crop_border=3), abs=1e-12)


def test_greyscale_is_not_mapped_through_y():
    grey = data.camera()[:60, :60]
    np.testing.assert_array_equal(hr_luminance(grey), grey)


def test_evaluate_bad_dataset(tmp_path):
    with pytest.raises(FileNotFoundError, match="no HR images"):
        classicsr.evaluate("bicubic", tmp_path, 2, progress=False)
    with pytest.raises(FileNotFoundError, match="not a folder"):
        classicsr.evaluate("bicubic", tmp_path / "missing", 2, progress=False)
    with pytest.raises(ValueError, match="unknown method"):
        classicsr.evaluate("no-such", tmp_path, 2, progress=False)
