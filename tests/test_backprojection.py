"""Iterative back-projection: convergence, the ScSR MATLAB code, and the wiring."""

import json

import numpy as np
import pytest
from skimage import data

import classicsr
from classicsr.backprojection import backproject
from classicsr.cli import main
from classicsr.io import read_image, write_image
from classicsr.protocol import evaluate_image
from classicsr.registry import register_method, unregister_method


def _camera(scale, size=192):
    """A natural image (the centre of skimage's camera) in [0, 1], its LR and bicubic SR."""
    hr = data.camera()[160:160 + size, 160:160 + size] / 255.0
    lr = classicsr.imresize(hr, 1 / scale)
    return hr, lr, classicsr.imresize(lr, scale)


def _selfexsr_backprojection(im_h, im_l, n_iter):
    """Line-by-line transcription of SelfExSR's ``sr_backprojection.m``: the same kernel,
    ``imfilter(., f, 'conv', 'same', 'replicate')`` and ``sr_clamp(., 0, 1)`` per step."""
    x, y = np.meshgrid(np.arange(-2.0, 3.0), np.arange(-2.0, 3.0))
    f = np.exp(-(x * x + y * y) / 2.0)
    f = f / f.sum()
    f = f ** 2
    f = f / f.sum()
    im_h = im_h.copy()
    for _ in range(n_iter):
        im_l_s = classicsr.imresize(im_h, output_shape=im_l.shape)
        diff = classicsr.imresize(im_l - im_l_s, output_shape=im_h.shape)
        padded = np.pad(diff, 2, mode="edge")
        conv = np.zeros_like(diff)
        for i in range(5):
            for j in range(5):
                conv += f[4 - i, 4 - j] * padded[i:i + diff.shape[0], j:j + diff.shape[1]]
        im_h = np.clip(im_h + conv, 0.0, 1.0)
    return im_h


def test_replicated_borders_and_clamping_match_selfexsr():
    from classicsr.backprojection import backproject_trusted

    rng = np.random.default_rng(2)
    lr = rng.random((10, 12))
    sr = classicsr.imresize(lr, 2) + 0.2 * rng.standard_normal((20, 24))
    out = backproject_trusted(sr, lr, 5, padding="replicate", clip=(0.0, 1.0))
    np.testing.assert_allclose(out, _selfexsr_backprojection(sr, lr, 5), rtol=0, atol=1e-12)
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert not np.allclose(out, backproject_trusted(sr, lr, 5))


def _matlab_backprojection(im_h, im_l, max_iter, gaussian=True):
    """Line-by-line transcription of ScSR's ``backprojection.m``, with a dense 2-D conv2."""
    x, y = np.meshgrid(np.arange(-2.0, 3.0), np.arange(-2.0, 3.0))
    h = np.exp(-(x * x + y * y) / 2.0)          # fspecial('gaussian', 5, 1)
    h[h < np.finfo(float).eps * h.max()] = 0
    h = h / h.sum()
    p = h ** 2                                  # p = p.^2
    p = p / p.sum()                             # p = p./sum(p(:))
    im_h = im_h.copy()
    for _ in range(max_iter):
        im_l_s = classicsr.imresize(im_h, output_shape=im_l.shape)
        im_diff = classicsr.imresize(im_l - im_l_s, output_shape=im_h.shape)
        if gaussian:
            # conv2(im_diff, p, 'same'): zero padding, true convolution
            padded = np.pad(im_diff, 2)
            conv = np.zeros_like(im_diff)
            for i in range(5):
                for j in range(5):
                    conv += p[4 - i, 4 - j] * padded[i:i + im_diff.shape[0],
                                                     j:j + im_diff.shape[1]]
            im_diff = conv
        im_h = im_h + im_diff
    return im_h


@pytest.mark.parametrize("kernel", ["gaussian", "bicubic"])
@pytest.mark.parametrize("scale", [2, 3])
def test_lr_residual_decreases_monotonically(scale, kernel):
    _, lr, sr = _camera(scale)
    residuals = []
    out = backproject(sr, lr, scale, 20, kernel,
                      callback=lambda i, r: residuals.append((i, r)))
    assert [i for i, _ in residuals] == list(range(21))
    values = np.array([r for _, r in residuals])
    assert np.all(np.diff(values) < 0)
    assert values[-1] < 0.1 * values[0]
    direct = np.sqrt(np.mean((classicsr.imresize(out, 1 / scale) - lr) ** 2))
    assert direct == pytest.approx(values[-1], rel=1e-12)


def test_consistent_sr_is_a_fixed_point():
    rng = np.random.default_rng(0)
    x = rng.random((36, 42))
    lr = classicsr.imresize(x, output_shape=(12, 14))
    for kernel in ("gaussian", "bicubic"):
        np.testing.assert_allclose(backproject(x, lr, 3, 20, kernel), x, rtol=0, atol=1e-10)


@pytest.mark.parametrize("kernel", ["gaussian", "bicubic"])
def test_matches_the_scsr_matlab_code(kernel):
    rng = np.random.default_rng(1)
    lr = rng.random((9, 11))
    sr = classicsr.imresize(lr, 3) + 0.05 * rng.standard_normal((27, 33))
    expected = _matlab_backprojection(sr, lr, 4, gaussian=kernel == "gaussian")
    np.testing.assert_allclose(backproject(sr, lr, 3, 4, kernel), expected,
                               rtol=0, atol=1e-12)


def test_iterations_zero_returns_the_input_as_float64():
    _, lr, sr = _camera(2, size=32)
    out = backproject(sr.astype(np.float32), lr, 2, iterations=0)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, sr.astype(np.float32))


def test_colour_is_per_channel_and_non_integer_scale():
    rng = np.random.default_rng(2)
    lr = rng.random((10, 13, 3))
    sr = classicsr.imresize(lr, 2.5)
    assert sr.shape == (25, 33, 3)
    out = backproject(sr, lr, 2.5, 5)
    for c in range(3):
        np.testing.assert_allclose(out[:, :, c], backproject(sr[:, :, c], lr[:, :, c], 2.5, 5),
                                   rtol=0, atol=1e-12)


def test_tol_stops_early_without_raising_the_residual():
    _, lr, sr = _camera(3, size=96)
    seen = []
    backproject(sr, lr, 3, 200, tol=1e-4, callback=lambda i, r: seen.append(r))
    assert 2 <= len(seen) < 201
    assert seen[-2] - seen[-1] <= 1e-4 and np.all(-np.diff(seen[:-1]) > 1e-4)


@pytest.mark.parametrize("call, error, message", [
    (lambda sr, lr: backproject(sr.tolist(), lr, 2), TypeError, "sr must be a numpy.ndarray"),
    (lambda sr, lr: backproject(sr, (lr * 255).astype(np.uint8), 2), TypeError,
     "lr must be a float32 or float64 array"),
    (lambda sr, lr: backproject(sr[:-1], lr, 2), ValueError, "expected 16x16 pixels"),
    (lambda sr, lr: backproject(sr, lr, 3), ValueError, "sr must be lr upscaled by scale=3"),
    (lambda sr, lr: backproject(sr, np.dstack([lr] * 3), 2), ValueError, "same number of"),
    (lambda sr, lr: backproject(np.where(sr > 0.5, np.nan, sr), lr, 2), ValueError,
     "sr contains NaN"),
    (lambda sr, lr: backproject(sr, lr, 2, iterations=-1), ValueError,
     "iterations must be an integer >= 0, got -1"),
    (lambda sr, lr: backproject(sr, lr, 2, iterations=2.0), TypeError,
     "iterations must be an integer"),
    (lambda sr, lr: backproject(sr, lr, 2, kernel="box"), ValueError, "unknown kernel 'box'"),
    (lambda sr, lr: backproject(sr, lr, 2, tol=-1.0), ValueError, "tol must be"),
    (lambda sr, lr: backproject(sr, lr, 2, callback=3), TypeError, "callback must be"),
    (lambda sr, lr: backproject(sr, lr, 0), ValueError, "scale must be a finite number > 0"),
    (lambda sr, lr: classicsr.upscale((lr * 255).astype(np.uint8), 2, backprojection="yes"),
     TypeError, "backprojection must be True or False"),
    (lambda sr, lr: classicsr.upscale(lr, 2, backprojection=True,
                                      backprojection_iterations=-2),
     ValueError, "backprojection_iterations must be an integer >= 0, got -2"),
    (lambda sr, lr: classicsr.upscale(lr, 2, backprojection=True, model="x.npz"),
     TypeError, "unknown option(s) model"),
])
def test_bad_inputs_raise_clear_errors(call, error, message):
    rng = np.random.default_rng(3)
    lr = rng.random((8, 8))
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        call(classicsr.imresize(lr, 2), lr)


@pytest.mark.parametrize("img", [
    data.astronaut()[:24, :20],
    data.camera()[:24, :20],
    data.astronaut()[:24, :20].astype(np.float32) / 255,
    data.camera()[:24, :20, None] / 255.0,
], ids=["uint8-rgb", "uint8-grey", "float32-rgb", "float64-grey1"])
@pytest.mark.parametrize("method", ["bicubic", "aplus"])
def test_upscale_backprojection_keeps_dtype_and_shape(img, method):
    out = classicsr.upscale(img, 3, method=method, backprojection=True,
                            backprojection_iterations=5)
    assert out.dtype == img.dtype and out.shape == (72, 60) + img.shape[2:]
    plain = classicsr.upscale(img, 3, method=method)
    assert np.any(out != plain)


@pytest.fixture()
def recording_methods():
    calls = []

    @register_method("_bp_lum", description="test", reference="-", channels="luminance")
    def _lum(y, scale):
        return classicsr.imresize(y, scale)

    # every option must be declared (no **options): the method gets only its own,
    # so the dispatcher would fail if it passed it a back-projection option
    @register_method("_bp_all", description="test", reference="-",
                     options={"flag": "a declared option of its own"})
    def _all(img, scale, flag=None):
        calls.append((img.dtype, flag))
        return classicsr.imresize(img, scale)

    yield calls
    unregister_method("_bp_lum")
    unregister_method("_bp_all")


def test_upscale_backprojects_y_of_luminance_methods(recording_methods):
    rgb = data.astronaut()[:30, :30] / 255.0
    out = classicsr.upscale(rgb, 2, method="_bp_lum", backprojection=True)
    y = classicsr.rgb2ycbcr(rgb)[:, :, 0]
    expected = backproject(classicsr.imresize(y, 2), y, 2, 20)
    np.testing.assert_allclose(classicsr.rgb2ycbcr(out)[:, :, 0], expected, atol=1e-12)


def test_all_channel_methods_run_in_float_and_never_see_the_option(recording_methods):
    img = data.astronaut()[:30, :30]
    out = classicsr.upscale(img, 2, method="_bp_all", backprojection=True,
                            backprojection_iterations=3)
    assert recording_methods == [(np.float64, None)]
    x = img / 255.0
    expected = backproject(classicsr.imresize(x, 2), x, 2, 3)
    np.testing.assert_array_equal(out, classicsr.color.to_dtype(expected * 255, np.uint8))
    recording_methods.clear()
    classicsr.upscale(img, 2, method="_bp_all", backprojection=True, flag="own")
    assert recording_methods == [(np.float64, "own")]  # its own options still reach it
    with pytest.raises(TypeError, match=r"unknown option\(s\) model"):
        classicsr.upscale(img, 2, method="bicubic", model="x.npz")


def test_protocol_backprojection_improves_bicubic_on_a_held_out_image():
    hr = data.chelsea()  # not used to develop the method
    plain = evaluate_image(hr, 3, "bicubic")
    refined = evaluate_image(hr, 3, "bicubic", backprojection=True)
    # observed: 32.876 -> 33.411 dB (+0.535 dB)
    assert refined["psnr"] - plain["psnr"] > 0.25
    assert refined["ssim"] > plain["ssim"]
    flat = classicsr.upscale(np.full((6, 6), 80 / 255), 2, "bicubic", backprojection=True,
                             backprojection_iterations=2)
    np.testing.assert_allclose(flat, 80 / 255, atol=1e-12)


def test_cli_flags(tmp_path, capsys):
    lr = tmp_path / "lr.png"
    write_image(lr, data.astronaut()[:30, :36])
    plain, refined = tmp_path / "plain.png", tmp_path / "bp.png"
    assert main(["upscale", str(lr), str(plain), "--scale", "2"]) == 0
    assert main(["upscale", str(lr), str(refined), "--scale", "2", "--backprojection",
                 "--bp-iterations", "5"]) == 0
    assert "back-projection" in capsys.readouterr().out
    a, b = read_image(plain), read_image(refined)
    assert b.shape == a.shape == (60, 72, 3) and np.any(a != b)
    assert main(["upscale", str(lr), str(tmp_path / "x.png"), "--scale", "2",
                 "--bp-iterations", "5"]) == 1
    assert "--bp-iterations needs --backprojection" in capsys.readouterr().err

    folder = tmp_path / "set"
    write_image(folder / "a.png", data.chelsea()[:60, :66])
    scores = {}
    for flags in ([], ["--backprojection"]):
        out = tmp_path / f"scores{len(flags)}.json"
        assert main(["evaluate", "--method", "bicubic", "--dataset", str(folder),
                     "--scale", "2", "--json", str(out), *flags]) == 0
        scores[bool(flags)] = json.loads(out.read_text())["means"][0]["psnr"]
    assert scores[True] > scores[False]


@pytest.mark.parametrize("shape", [(1, 1), (2, 3), (4, 9), (37, 20), (23, 31, 3)])
@pytest.mark.parametrize("replicate", [False, True])
def test_back_projection_filter_is_scipys_to_the_bit(shape, replicate):
    from scipy.ndimage import correlate1d

    from classicsr.backprojection import _separable_blur, gaussian_taps

    taps = gaussian_taps()
    img = np.random.default_rng(sum(shape)).standard_normal(shape)
    mode = "nearest" if replicate else "constant"
    expected = correlate1d(correlate1d(img, taps, 0, mode=mode), taps, 1, mode=mode)
    np.testing.assert_array_equal(_separable_blur(img, taps, replicate), expected)
