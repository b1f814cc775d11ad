"""Multi-frame reconstruction: operators, registration, methods, API, CLI, bad input."""

import numpy as np
import pytest
from skimage import data

import classicsr
from classicsr.cli import main
from classicsr.io import read_image, write_image
from classicsr.multiframe import (motion_error, read_frames, reconstruct, register,
                                  simulate, upscale_frames)
from classicsr.multiframe.algorithms import median_shift_and_add
from classicsr.multiframe.motion import translations
from classicsr.multiframe.operators import (OPERATORS, ShiftedDifferences, btv_shifts,
                                            gaussian_psf_taps)
from classicsr.multiframe.simulation import random_motion
from classicsr.multiframe.solvers import conjugate_gradient, gradient_descent

MOTIONS = ("translation", "affine", "homography")
MULTIFRAME = {"shift_add", "ibp", "pocs", "map", "l1btv", "irwsr", "bayesian"}


def _astronaut_grey():
    from skimage.color import rgb2gray

    return rgb2gray(data.astronaut())[128:384, 128:384]


def _gain(hr, frames, sr, scale):
    bicubic = np.clip(classicsr.imresize(frames[0], scale), 0, 1)
    return (classicsr.psnr(hr, sr, crop_border=4, data_range=1.0)
            - classicsr.psnr(hr, bicubic, crop_border=4, data_range=1.0))


# --- operators --------------------------------------------------------------------------

@pytest.mark.parametrize("operator", sorted(OPERATORS))
@pytest.mark.parametrize("model", MOTIONS)
@pytest.mark.parametrize("scale", [1, 2, 3])
def test_adjoint_is_exact(operator, model, scale):
    rng = np.random.default_rng(scale)
    motion = random_motion(5, model, (13, 11), rng)
    op = OPERATORS[operator](motion, (13, 11), scale, psf_sigma=1.2)
    x = rng.standard_normal(op.hr_shape)
    y = rng.standard_normal((5, 13, 11))
    lhs = float(np.sum(op.forward(x) * y))
    rhs = float(np.sum(x * op.adjoint(y)))
    assert abs(lhs - rhs) <= 1e-10 * max(1.0, abs(lhs))


@pytest.mark.parametrize("operator", sorted(OPERATORS))
def test_sparse_matrix_is_the_same_operator(operator):
    rng = np.random.default_rng(0)
    op = OPERATORS[operator](random_motion(3, "homography", (9, 10), rng), (9, 10), 2)
    matrix = op.to_sparse()
    assert matrix.shape == op.shape
    x = rng.random(op.hr_shape)
    y = rng.random((3, 9, 10))
    np.testing.assert_allclose(matrix @ x.ravel(), op.forward(x).ravel(), atol=1e-12)
    np.testing.assert_allclose(matrix.T @ y.ravel(), op.adjoint(y).ravel(), atol=1e-12)


def test_operator_samples_the_matlab_grid():
    # no blur, no motion: LR pixel i is HR pixel (i + 0.5) s - 0.5 (bilinear for even s)
    hr = np.add.outer(np.arange(12.0), 100 * np.arange(12.0))
    for name in OPERATORS:
        op = OPERATORS[name](np.eye(3)[None], (4, 4), 3, psf_sigma=0)
        np.testing.assert_allclose(op.forward(hr)[0], hr[1::3, 1::3])
        op2 = OPERATORS[name](np.eye(3)[None], (6, 6), 2, psf_sigma=0)
        np.testing.assert_allclose(op2.forward(hr)[0], (hr[0::2, 0::2] + hr[1::2, 1::2]
                                                        + hr[0::2, 1::2] + hr[1::2, 0::2]) / 4)


def test_psf_taps_and_differences():
    taps = gaussian_psf_taps(1.0)
    assert taps.size == 7 and taps.sum() == pytest.approx(1.0)
    np.testing.assert_array_equal(gaussian_psf_taps(0), [1.0])
    shifts, weights = btv_shifts(2, 0.7)
    assert len(shifts) == 12 and weights.max() == pytest.approx(0.7)
    rng = np.random.default_rng(1)
    diff = ShiftedDifferences(shifts)
    x, z = rng.random((9, 7)), rng.random((9, 7))
    w = rng.random((12, 9, 7))
    assert np.sum(w * diff.apply(z) * diff.apply(x)) == pytest.approx(
        np.sum(x * diff.weighted_normal(z, w)), abs=1e-12)


@pytest.mark.parametrize("shape", [(1, 1), (2, 3), (5, 4), (9, 8), (12, 17)])
@pytest.mark.parametrize("n_taps", [1, 3, 7, 9])
def test_blur_kernels_and_their_adjoints(shape, n_taps):
    """The separable blur (edge replication) against SciPy, and each adjoint against
    the transpose of the blur's matrix, on images narrower than the filter too."""
    from scipy.ndimage import correlate1d

    from classicsr.multiframe import _kernels

    rng = np.random.default_rng(n_taps)
    taps = rng.random(n_taps)
    x, y = rng.standard_normal(shape), rng.standard_normal(shape)
    for axis, (blur, adjoint) in enumerate(
            [(_kernels.blur_rows, _kernels.blur_rows_adjoint),
             (_kernels.blur_cols, _kernels.blur_cols_adjoint)]):
        out = np.empty(shape)
        blur(x, taps, out)
        np.testing.assert_allclose(out, correlate1d(x, taps, axis=axis, mode="nearest"),
                                   rtol=0, atol=1e-13)
        matrix = np.empty((x.size, x.size))
        for i in range(x.size):
            blur(np.eye(x.size)[i].reshape(shape), taps, out)
            matrix[:, i] = out.ravel()
        adjoint(y, taps, out)
        np.testing.assert_allclose(out.ravel(), matrix.T @ y.ravel(), rtol=0, atol=1e-13)


def test_robust_weights_and_median_shift_and_add_kernels_match_numpy():
    """The one-pass L1 weights equal NumPy's ``c / sqrt(v^2 + eps^2)`` bit for bit, and
    the per-pixel medians of shift-and-add those of a full lexicographic sort."""
    from classicsr.multiframe._kernels import group_medians
    from classicsr.multiframe.algorithms import EPS, _robust_weights

    rng = np.random.default_rng(5)
    values = rng.standard_normal((4, 9, 7)) * rng.choice([1e-6, 1e-2, 1.0, 50.0], (4, 9, 7))
    coefs = rng.random(4)
    np.testing.assert_array_equal(_robust_weights(values, "l1", coefs=coefs),
                                  coefs[:, None, None] * (1.0 / np.sqrt(values ** 2 + EPS ** 2)))
    np.testing.assert_array_equal(_robust_weights(values, "l1"),
                                  1.0 / np.sqrt(values * values + EPS * EPS))
    index = rng.integers(0, 50, 400)
    samples = np.round(rng.random(400) * 8) / 8  # ties
    index = np.concatenate([index, np.full(40, 3)])
    samples = np.concatenate([samples, rng.random(40)])  # a group of more than 32
    z, counts = np.full(60, -1.0), np.empty(60, dtype=np.int64)
    group_medians(index, samples, z, counts)
    np.testing.assert_array_equal(counts, np.bincount(index, minlength=60))
    for g in range(60):
        members = np.sort(samples[index == g])
        expected = -1.0 if members.size == 0 else 0.5 * (
            members[(members.size - 1) // 2] + members[members.size // 2])
        assert z[g] == expected, g


# --- simulation and registration --------------------------------------------------------

def test_simulate_shapes_reference_and_seed():
    hr = data.camera()[:64, :96]
    frames, motion = simulate(hr, 2, n_frames=5, seed=1, outlier_frames=2)
    assert frames.shape == (5, 32, 48) and frames.dtype == np.uint8
    np.testing.assert_array_equal(motion[0], np.eye(3))
    again, _ = simulate(hr, 2, n_frames=5, seed=1, outlier_frames=2)
    np.testing.assert_array_equal(frames, again)
    colour, _ = simulate(data.astronaut()[:48, :48] / 255.0, 3, n_frames=3, seed=0)
    assert colour.shape == (3, 16, 16, 3) and colour.dtype == np.float64


def test_registration_translation_below_005_lr_pixels():
    frames, truth = simulate(_astronaut_grey(), 2, n_frames=16, seed=3)
    assert motion_error(register(frames), truth, frames.shape[1:]) < 0.05
    camera = data.camera()[100:356, 100:356]
    frames, truth = simulate(camera, 2, n_frames=8, seed=11, outlier_frames=2)
    assert motion_error(register(frames), truth, frames.shape[1:]) < 0.05


@pytest.mark.parametrize("model", ["affine", "homography"])
def test_registration_affine_and_homography(model):
    frames, truth = simulate(_astronaut_grey(), 2, n_frames=6, motion=model, seed=4)
    assert motion_error(register(frames, motion=model), truth, frames.shape[1:]) < 0.05


def test_registration_to_another_reference():
    frames, truth = simulate(_astronaut_grey(), 2, n_frames=4, seed=5)
    estimated = register(frames, reference=2)
    # frame_k(p) = f0(P_k p) and f2(p) = f0(P_2 p)  =>  frame_k(p) = f2(P_2^-1 P_k p)
    expected = np.linalg.inv(truth[2]) @ truth
    assert motion_error(estimated, expected, frames.shape[1:]) < 0.05


# --- the protocol ---------------------------------------------------------------

@pytest.fixture(scope="module")
def protocol():
    hr = _astronaut_grey()
    frames, _ = simulate(hr, 2, n_frames=16, motion="translation", psf_sigma=1.0,
                         noise_sigma=2 / 255, seed=3)
    return hr, frames


# Thresholds sit 0.1-0.3 dB below the gains measured (rounded down to 0.1 dB); measured,
# dB over bicubic: l1btv +6.43, map btv +6.19, ibp +4.80, pocs +4.81, shift_add +4.68.
# (The must-show gains, 3 / 3 / 2 / 2 / 0 dB, are checked by
# benchmarks/bench_multiframe.py.)
@pytest.mark.parametrize("method, options, minimum", [
    ("l1btv", {}, 6.2),
    ("map", {"prior": "btv"}, 5.9),
    ("ibp", {}, 4.6),
    ("pocs", {}, 4.6),
    ("shift_add", {}, 4.4),
])
def test_protocol_gains(protocol, method, options, minimum):
    hr, frames = protocol
    sr = reconstruct(frames, 2, method=method, psf_sigma=1.0, **options)
    assert sr.shape == hr.shape and sr.dtype == np.float64
    assert _gain(hr, frames, sr, 2) > minimum


def test_l1btv_is_robust_to_outlier_frames(protocol):
    hr, clean_frames = protocol
    frames, _ = simulate(hr, 2, n_frames=16, psf_sigma=1.0, noise_sigma=2 / 255, seed=3,
                         outlier_frames=3)
    clean = _gain(hr, clean_frames, reconstruct(clean_frames, 2, psf_sigma=1.0), 2)
    corrupted = _gain(hr, frames, reconstruct(frames, 2, psf_sigma=1.0), 2)
    # measured: +6.43 dB clean, +6.40 dB with 3 outlier frames (a loss of 0.03 dB)
    assert corrupted >= clean - 0.15


def test_x3_and_affine_gain():
    # measured: x3 +6.79 dB, affine +6.00 dB
    hr = _astronaut_grey()[:192, :192]
    frames, _ = simulate(hr, 3, n_frames=16, seed=3)
    assert _gain(hr, frames, reconstruct(frames, 3), 3) > 6.5
    frames, _ = simulate(hr, 2, n_frames=12, motion="affine", seed=3)
    assert _gain(hr, frames, reconstruct(frames, 2, motion="affine"), 2) > 5.7


def test_known_motion_and_other_priors():
    hr = _astronaut_grey()[:96, :96]
    frames, truth = simulate(hr, 2, n_frames=8, seed=2)
    shifts = truth[:, :2, 2]
    by_matrix = reconstruct(frames, 2, method="map", motion=truth, prior="tikhonov")
    by_shifts = reconstruct(frames, 2, method="map", motion=shifts, prior="tikhonov")
    np.testing.assert_allclose(by_matrix, by_shifts)
    # measured: huber +5.74 dB, tikhonov +5.07 dB, l1btv gradient +4.95 dB, warp-first +6.14 dB
    for prior, minimum in (("huber", 5.5), ("tikhonov", 4.8)):
        sr = reconstruct(frames, 2, method="map", motion=truth, prior=prior)
        assert _gain(hr, frames, sr, 2) > minimum
    sr = reconstruct(frames, 2, method="l1btv", motion=truth, solver="gradient")
    assert _gain(hr, frames, sr, 2) > 4.7
    sr = reconstruct(frames, 2, method="l1btv", motion=truth, model="warp-first")
    assert _gain(hr, frames, sr, 2) > 5.9


def test_median_shift_and_add_places_samples():
    rng = np.random.default_rng(0)
    hr = rng.random((8, 8))
    shifts = [(0.0, 0.0), (0.5, 0.0), (0.0, 0.5), (0.5, 0.5)]
    # scale 2: LR centre j of a frame shifted by d lands on HR 2 j + 0.5 + 2 d,
    # rounded (halves up) to 2 j + 1 + 2 d
    frames = np.zeros((4, 4, 4))
    for k, (dx, dy) in enumerate(shifts):
        rows = np.minimum(2 * np.arange(4) + 1 + int(2 * dy), 7)
        cols = np.minimum(2 * np.arange(4) + 1 + int(2 * dx), 7)
        frames[k] = hr[np.ix_(rows, cols)]
    z, counts = median_shift_and_add(frames, translations(shifts), 2)
    covered = counts > 0
    assert covered[1:, 1:].all() and not covered[0].any() and not covered[:, 0].any()
    assert counts.max() == 1
    np.testing.assert_array_equal(z[covered], hr[covered])
    # the median rejects one outlier among three samples
    frames3 = np.stack([frames[0], frames[0], frames[0] + 1.0])
    z, counts = median_shift_and_add(frames3, translations(np.zeros((3, 2))), 2)
    np.testing.assert_array_equal(z[counts > 0], frames[0].ravel())


# --- API: dtypes, colour, registry ------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.float64])
def test_dtype_round_trip_grey(dtype):
    hr = data.camera()[200:264, 200:264]  # textured (the top-left is sky)
    frames, _ = simulate(hr, 2, n_frames=4, seed=0)
    full = {np.uint8: 255, np.uint16: 65535}.get(dtype, 1)
    frames = (frames / 255.0 * full)
    frames = frames.round().astype(dtype) if full > 1 else frames.astype(dtype)
    out = upscale_frames(list(frames), 2, method="shift_add")
    assert out.dtype == dtype and out.shape == (64, 64)
    if full == 1:
        assert 0 <= out.min() and out.max() <= 1


# measured: luminance +2.08 (uint8) / +2.10 (float64) dB, all +2.09 / +2.12 dB
@pytest.mark.parametrize("channels, dtype, minimum", [
    ("luminance", np.uint8, 1.8), ("luminance", np.float64, 1.9),
    ("all", np.uint8, 1.8), ("all", np.float64, 1.9),
])
def test_colour_frames(channels, dtype, minimum):
    hr = data.astronaut()[20:84, 180:244]
    data_range = None
    if dtype == np.float64:
        hr, data_range = hr / 255.0, 1.0
    frames, _ = simulate(hr, 2, n_frames=6, seed=0)
    out = reconstruct(frames, 2, method="l1btv", channels=channels)
    assert out.dtype == dtype and out.shape == (64, 64, 3)
    bicubic = classicsr.imresize(frames[0], 2)
    gain = (classicsr.psnr(hr, out, crop_border=4, data_range=data_range)
            - classicsr.psnr(hr, bicubic, crop_border=4, data_range=data_range))
    assert gain > minimum


def test_grey_frames_with_a_channel_axis():
    frames, _ = simulate(data.camera()[200:264, 200:264], 2, n_frames=3, seed=0)
    out = reconstruct(frames[..., None], 2, method="shift_add")
    assert out.shape == (64, 64, 1) and out.dtype == np.uint8


def test_registry_kinds_and_entry_points():
    single = classicsr.available_methods()
    multi = classicsr.available_methods("multiframe")
    assert set(multi) == MULTIFRAME and not MULTIFRAME & set(single)
    from classicsr.registry import METHOD_KINDS

    every_kind = set().union(*(classicsr.available_methods(k) for k in METHOD_KINDS))
    assert set(classicsr.available_methods("all")) == every_kind >= set(single) | set(multi)
    assert all(info.kind == "multiframe" for info in multi.values())
    assert all(info.kind == "single" for info in single.values())
    img = np.zeros((16, 16), np.uint8)
    with pytest.raises(ValueError, match="multi-frame method; use classicsr.upscale_frames"):
        classicsr.upscale(img, 2, method="l1btv")
    with pytest.raises(ValueError, match="single-image method; use classicsr.upscale"):
        upscale_frames([img, img], 2, method="bicubic")
    with pytest.raises(ValueError, match="kind must be one of"):
        classicsr.available_methods("video")


def test_registered_options_are_the_real_defaults(capsys):
    import inspect

    from classicsr.multiframe.algorithms import MAP_LAMBDA

    for name, info in classicsr.available_methods("multiframe").items():
        params = inspect.signature(info.function).parameters
        assert info.option_names == tuple(p for p in list(params)[1:]
                                          if p not in ("callback", "progress"))
        assert all(o.default == params[o.name].default for o in info.options)
    multi = classicsr.available_methods("multiframe")
    l1btv = {o.name: o.default for o in multi["l1btv"].options}
    assert (l1btv["lam"], l1btv["alpha"], l1btv["radius"]) == (0.02, 0.7, 2)
    lam = next(o for o in multi["map"].options if o.name == "lam")
    assert lam.default is None and all(f"{p} {v:g}" in lam.description
                                       for p, v in MAP_LAMBDA.items())
    assert main(["methods", "l1btv"]) == 0
    assert "lam = 0.02: " in capsys.readouterr().out


def test_callback_progress_and_stop():
    frames, truth = simulate(data.camera()[:64, :64], 2, n_frames=4, seed=0)
    seen = []

    def stop_after_two(iteration, x):
        seen.append((iteration, x.shape))
        return iteration >= 2

    reconstruct(frames, 2, motion=truth, callback=stop_after_two, progress=True)
    assert seen == [(1, (64, 64)), (2, (64, 64))]


def test_solvers():
    rng = np.random.default_rng(0)
    m = rng.standard_normal((20, 20))
    m = m @ m.T + 20 * np.eye(20)
    b = rng.standard_normal(20)
    x, info = conjugate_gradient(lambda v: m @ v, b, np.zeros(20), max_iter=100, tol=1e-12)
    np.testing.assert_allclose(m @ x, b, atol=1e-9)
    assert info["converged"]
    step = 1.0 / np.linalg.eigvalsh(m).max()
    x, info = gradient_descent(lambda v: m @ v - b, np.zeros(20), step=step, max_iter=5000,
                               tol=1e-12)
    np.testing.assert_allclose(m @ x, b, atol=1e-6)


# --- bad input --------------------------------------------------------------------------

GOOD = np.zeros((16, 16), np.uint8)


@pytest.mark.parametrize("call, error, message", [
    (lambda: reconstruct([GOOD], 2), ValueError, "at least 2 frames"),
    (lambda: reconstruct([], 2), ValueError, "at least 2 frames"),
    (lambda: reconstruct([GOOD, np.zeros((16, 18), np.uint8)], 2), ValueError,
     r"same size: frames\[0\] has shape \(16, 16\), frames\[1\] has shape \(16, 18\)"),
    (lambda: reconstruct([GOOD, GOOD.astype(np.uint16)], 2), TypeError, "same dtype"),
    (lambda: reconstruct([np.zeros((16, 16)), np.full((16, 16), np.nan)], 2), ValueError,
     r"frames\[1\] contains NaN"),
    (lambda: reconstruct("frames", 2), TypeError, "frames must be a list of images"),
    (lambda: reconstruct(np.zeros((3, 4, 4)), 2), ValueError, "at least 8x8"),
    (lambda: reconstruct([GOOD, GOOD], 2.5), ValueError, "scale must be an integer"),
    (lambda: reconstruct([GOOD, GOOD], 0), ValueError, "scale must be a finite number > 0"),
    (lambda: reconstruct([GOOD, GOOD], 16), ValueError, "scale=16 is not supported"),
    (lambda: reconstruct([GOOD, GOOD], 2, method="bicubic"), ValueError,
     "'bicubic' is a single-image method; use classicsr.upscale"),
    (lambda: reconstruct([GOOD, GOOD], 2, method="nope"), ValueError, "unknown method 'nope'"),
    (lambda: reconstruct([GOOD, GOOD], 2, method="l1btv", prior="btv"), TypeError,
     "prior is only for method='map'"),
    (lambda: reconstruct([GOOD, GOOD], 2, method="map", prior="lasso"), ValueError,
     "unknown prior 'lasso'"),
    (lambda: reconstruct([GOOD, GOOD], 2, sharpen=1), TypeError,
     r"method 'l1btv' got unknown option\(s\) sharpen; accepted: lam=0.02, "),
    (lambda: reconstruct([GOOD, GOOD], 2, psf_sigma=-1), ValueError,
     "psf_sigma must be a finite number >= 0 or None, got -1"),
    (lambda: reconstruct([GOOD, GOOD], 2, psf_sigma="1"), TypeError, "psf_sigma must be"),
    (lambda: reconstruct([GOOD, GOOD], 2, reference=2), ValueError,
     "reference must be an integer >= 0 and <= 1, got 2"),
    (lambda: reconstruct([GOOD, GOOD], 2, motion="rigid"), ValueError, "unknown motion"),
    (lambda: reconstruct([GOOD, GOOD], 2, motion=np.zeros((3, 2))), ValueError,
     r"motion must have shape \(2, 3, 3\) or \(2, 2\)"),
    (lambda: reconstruct([GOOD, GOOD], 2, channels="rgb"), ValueError, "unknown channels"),
    (lambda: reconstruct([GOOD, GOOD], 2, iterations=-1), ValueError,
     "iterations must be an integer >= 0 or None, got -1"),
    (lambda: reconstruct([GOOD, GOOD], 2, iterations=2.0), TypeError,
     "iterations must be an integer >= 0 or None, got float 2.0"),
    (lambda: reconstruct([GOOD, GOOD], 2, method="ibp", iterations=None), TypeError,
     "iterations must be an integer >= 0, got NoneType"),
    (lambda: reconstruct([GOOD, GOOD], 2, lam=-0.1), ValueError, "lam must be a finite number"),
    (lambda: reconstruct([GOOD, GOOD], 2, method="map", lam=np.nan), ValueError,
     "lam must be a finite number >= 0 or None, got nan"),
    (lambda: reconstruct([GOOD, GOOD], 2, solver="newton"), ValueError,
     "unknown solver 'newton'; known: gradient, irls"),
    (lambda: reconstruct([GOOD, GOOD], 2, method="pocs", relaxation=3), ValueError,
     "relaxation must be a finite number > 0 and <= 2"),
    (lambda: reconstruct([GOOD, GOOD], 2, method="shift_add", deblur=1), TypeError,
     "deblur must be True or False"),
    (lambda: reconstruct([GOOD, GOOD], 2, callback=1), TypeError,
     "callback must be callable or None, got int"),
    (lambda: reconstruct([GOOD, GOOD], 2, n_threads=0), ValueError, "n_threads must be"),
    (lambda: reconstruct([GOOD, GOOD], 2, n_threads=1.0), TypeError, "n_threads must be"),
    (lambda: register([GOOD, GOOD], motion="similarity"), ValueError, "unknown motion"),
    (lambda: simulate(GOOD, 3), ValueError, "not a multiple of scale=3"),
    (lambda: simulate(GOOD, 2, n_frames=1), ValueError, "n_frames must be an integer >= 2"),
    (lambda: simulate(GOOD, 2, n_frames=3, outlier_frames=3), ValueError,
     "outlier_frames must be an integer >= 0 and <= 2, got 3"),
    (lambda: simulate(GOOD, 2, noise_sigma=None), TypeError, "noise_sigma must be"),
    (lambda: register([GOOD, GOOD], robust="yes"), TypeError, "robust must be True or False"),
    (lambda: read_frames(3), TypeError, "path must be a path"),
    (lambda: read_frames(".", max_frames=2.5), TypeError, "max_frames must be an integer"),
    (lambda: upscale_frames([GOOD, GOOD], 2, method="nope"), ValueError,
     "unknown method 'nope'; known methods: bayesian, ibp, irwsr, l1btv, map, pocs, "
     "shift_add"),
])
def test_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_read_frames_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such video file or folder"):
        read_frames(tmp_path / "missing")
    (tmp_path / "notes.txt").write_text("no images here")
    with pytest.raises(ValueError, match="holds no image files"):
        read_frames(tmp_path)
    bad_video = tmp_path / "clip.avi"
    bad_video.write_bytes(b"RIFF not really a video")
    with pytest.raises(ValueError, match="cannot open video"):
        read_frames(bad_video)
    write_image(tmp_path / "one.png", GOOD)
    with pytest.raises(ValueError, match="single image"):
        read_frames(tmp_path / "one.png")
    with pytest.raises(ValueError, match="max_frames must be an integer >= 2 or None, got 1"):
        read_frames(tmp_path, max_frames=1)


def test_read_frames_from_a_video(tmp_path):
    import cv2

    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (40, 32))
    if not writer.isOpened():
        pytest.skip("this OpenCV build cannot write MJPG AVI")
    rgb = data.astronaut()[:32, :40]
    for _ in range(5):
        writer.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    writer.release()
    frames = read_frames(path, max_frames=3)
    assert len(frames) == 3 and frames[0].shape == (32, 40, 3)
    assert np.abs(frames[0].astype(int) - rgb).mean() < 10  # RGB order, lossy codec


# --- command line -----------------------------------------------------------------------

@pytest.fixture()
def frame_folder(tmp_path):
    frames, _ = simulate(data.astronaut()[100:196, 100:196], 2, n_frames=5, seed=0)
    folder = tmp_path / "burst"
    for k, frame in enumerate(frames):
        write_image(folder / f"frame_{k:02d}.png", frame)
    return folder


def test_cli_multiframe_writes_and_refuses_to_overwrite(frame_folder, tmp_path, capsys):
    out = tmp_path / "sr.png"
    assert main(["multiframe", str(frame_folder), str(out), "--scale", "2",
                 "--method", "shift_add", "--frames", "4"]) == 0
    assert read_image(out).shape == (96, 96, 3)
    assert "4 frames" in capsys.readouterr().out
    before = out.read_bytes()
    assert main(["multiframe", str(frame_folder), str(out), "--scale", "2"]) == 1
    assert "exists; use --overwrite" in capsys.readouterr().err
    assert out.read_bytes() == before
    assert main(["multiframe", str(frame_folder), str(out), "--scale", "2", "--overwrite",
                 "--method", "l1btv", "--frames", "3"]) == 0
    assert read_image(out).shape == (96, 96, 3)
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize("args, message", [
    (["multiframe", "{empty}", "o.png", "--scale", "2"], "holds no image files"),
    (["multiframe", "{video}", "o.png", "--scale", "2"], "cannot open video"),
    (["multiframe", "{missing}", "o.png", "--scale", "2"], "no such video file or folder"),
    (["multiframe", "{folder}", "o.png", "--scale", "2", "--frames", "1"], "--frames"),
    (["multiframe", "{folder}", "o.png", "--scale", "0"], "scale must be a finite number"),
])
def test_cli_multiframe_errors_are_one_line(args, message, frame_folder, tmp_path, capsys,
                                            monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    video = tmp_path / "broken.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42 truncated")
    monkeypatch.chdir(tmp_path)
    args = [a.format(empty=empty, video=video, missing=tmp_path / "nowhere",
                     folder=frame_folder) for a in args]
    assert main(args) == 1
    err = capsys.readouterr().err.strip()
    assert message in err and "Traceback" not in err and len(err.splitlines()) == 1


def test_cli_lists_multiframe_methods(capsys):
    assert main(["methods"]) == 0
    listing = capsys.readouterr().out
    assert all(f"\n{name} " in "\n" + listing for name in MULTIFRAME)
    with pytest.raises(SystemExit):
        main(["upscale", "x.png", "y.png", "--scale", "2", "--method", "l1btv"])


@pytest.mark.parametrize("model", ["blur-first", "warp-first"])
def test_result_does_not_depend_on_the_thread_count(model):
    """Bit for bit: the adjoint's private buffers are a fixed number, not one per thread."""
    import numba

    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("Numba has a single thread here")
    hr = classicsr.protocol.hr_luminance(data.astronaut())[:96, :96] / 255.0
    frames, motion = simulate(hr, 2, n_frames=10, motion="affine", seed=1)
    one, two = (reconstruct(frames, 2, motion=motion, model=model, n_threads=n)
                for n in (1, 2))
    np.testing.assert_array_equal(one, two)


def test_n_threads_is_set_for_the_solve_and_restored():
    import numba

    frames, truth = simulate(data.camera()[:64, :64], 2, n_frames=4, seed=0)
    before = numba.get_num_threads()
    counts = list(range(1, min(numba.config.NUMBA_NUM_THREADS, 2) + 1))
    for n_threads in counts + [None]:
        seen = set()
        reconstruct(frames, 2, motion=truth, n_threads=n_threads, iterations=2,
                    callback=lambda iteration, x: seen.add(numba.get_num_threads()))
        assert seen == {before if n_threads is None else n_threads}
        assert numba.get_num_threads() == before
    too_many = numba.config.NUMBA_NUM_THREADS + 1
    with pytest.raises(ValueError, match=f"n_threads must be an integer >= 1 and <= "
                                         f"{too_many - 1} or None, got {too_many}"):
        reconstruct(frames, 2, motion=truth, n_threads=too_many)
    assert numba.get_num_threads() == before
