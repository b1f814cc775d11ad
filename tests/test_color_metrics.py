"""MATLAB-compatible colour conversion and the PSNR/SSIM of the literature."""

import numpy as np
import pytest
from skimage import data

from classicsr import psnr, rgb2ycbcr, ssim, ycbcr2rgb


def test_rgb2ycbcr_uint8_matches_matlab_formula():
    rgb = data.astronaut()[:64, :64]
    y = rgb2ycbcr(rgb)[..., 0]
    r, g, b = (rgb[..., k].astype(np.float64) for k in range(3))
    expected = np.floor(16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255 + 0.5)
    np.testing.assert_array_equal(y, expected)


def test_rgb2ycbcr_known_values():
    white = np.full((1, 1, 3), 255, np.uint8)
    black = np.zeros((1, 1, 3), np.uint8)
    np.testing.assert_array_equal(rgb2ycbcr(white)[0, 0], [235, 128, 128])
    np.testing.assert_array_equal(rgb2ycbcr(black)[0, 0], [16, 128, 128])
    np.testing.assert_allclose(rgb2ycbcr(np.ones((1, 1, 3)))[0, 0],
                               [235 / 255, 128 / 255, 128 / 255], atol=1e-12)
    np.testing.assert_array_equal(rgb2ycbcr(np.full((1, 1, 3), 65535, np.uint16))[0, 0],
                                  [235 * 257, 128 * 257, 128 * 257])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_round_trip(dtype):
    rgb = np.random.default_rng(0).random((9, 7, 3)).astype(dtype)
    back = ycbcr2rgb(rgb2ycbcr(rgb))
    assert back.dtype == dtype
    np.testing.assert_allclose(back, rgb, atol=1e-5 if dtype == np.float32 else 1e-12)


def test_uint8_round_trip_within_one_level():
    rgb = data.astronaut()
    back = ycbcr2rgb(rgb2ycbcr(rgb))
    assert np.abs(back.astype(int) - rgb).max() <= 2


def test_psnr_known_value_and_identity():
    a = np.zeros((10, 10), np.uint8)
    b = a.copy()
    b[0, 0] = 10
    assert psnr(a, b) == pytest.approx(10 * np.log10(255**2 / (100 / 100)))
    assert psnr(a, a) == float("inf")
    assert psnr(a.astype(float), b.astype(float), data_range=255) == pytest.approx(psnr(a, b))


def test_psnr_crop_border_ignores_the_border():
    a = np.zeros((12, 12), np.uint8)
    b = a.copy()
    b[:2] = 255
    assert psnr(a, b, crop_border=2) == float("inf")
    assert psnr(a, b, crop_border=1) == pytest.approx(10.0)  # 1 row of 10 left at 255


def test_psnr_colour_uses_y_channel():
    rgb = data.astronaut()[:40, :40]
    noisy = np.clip(rgb.astype(int) + np.random.default_rng(1).integers(-9, 10, rgb.shape),
                    0, 255).astype(np.uint8)
    y1, y2 = rgb2ycbcr(rgb)[..., 0], rgb2ycbcr(noisy)[..., 0]
    assert psnr(rgb, noisy) == pytest.approx(psnr(y1, y2))
    assert psnr(rgb, noisy, y_channel=False) != pytest.approx(psnr(rgb, noisy))


def _ssim_index_reference(img1, img2, L=255.0):
    """Direct transcription of ssim_index.m with dense 2-D 'valid' filtering."""
    from scipy.signal import correlate2d

    x = np.arange(11) - 5.0
    w = np.exp(-(x[:, None] ** 2 + x[None, :] ** 2) / (2 * 1.5**2))
    w /= w.sum()

    def f(a):
        return correlate2d(a, w, mode="valid")

    c1, c2 = (0.01 * L) ** 2, (0.03 * L) ** 2
    mu1, mu2 = f(img1), f(img2)
    s1 = f(img1 * img1) - mu1**2
    s2 = f(img2 * img2) - mu2**2
    s12 = f(img1 * img2) - mu1 * mu2
    m = ((2 * mu1 * mu2 + c1) * (2 * s12 + c2)) / ((mu1**2 + mu2**2 + c1) * (s1 + s2 + c2))
    return m.mean()


def test_ssim_matches_dense_transcription():
    cam = data.camera()[100:180, 120:200]
    noisy = np.clip(cam + np.random.default_rng(2).normal(0, 12, cam.shape), 0, 255)
    noisy = noisy.astype(np.uint8)
    expected = _ssim_index_reference(cam.astype(float), noisy.astype(float))
    assert ssim(cam, noisy) == pytest.approx(expected, abs=1e-12)
    assert ssim(cam, cam) == pytest.approx(1.0)


def test_ssim_needs_window_size():
    with pytest.raises(ValueError, match="11x11"):
        ssim(np.zeros((12, 12), np.uint8), np.zeros((12, 12), np.uint8), crop_border=1)


def test_float_metrics_need_data_range():
    a = np.zeros((16, 16))
    with pytest.raises(ValueError, match="data_range"):
        psnr(a, a)
