"""Dense motion (``motion='flow'``): operator, flow, confidence, local-motion results, API, CLI."""

import numpy as np
import pytest
from skimage import data

import classicsr
from classicsr.cli import main
from classicsr.io import read_image, write_image
from classicsr.multiframe import reconstruct, simulate
from classicsr.multiframe.algorithms import Problem, l1btv
from classicsr.multiframe.flow import estimate_flow, flow_pair
from classicsr.multiframe.operators import FLOW_OPERATORS, OPERATORS
from classicsr.multiframe.simulation import random_motion, simulate_local

MULTIFRAME = ("shift_add", "ibp", "pocs", "map", "l1btv")

#: Seeds of :func:`simulate_local` held apart: never used to choose anything
#: (the flow settings were chosen on seeds 100-102, benchmarks/bench_flow.py --tune).
TEST_SEEDS = (0, 1, 2)


def _astronaut_grey():
    from skimage.color import rgb2gray

    return (rgb2gray(data.astronaut())[128:384, 128:384] * 255).round().astype(np.uint8)


def _psnr(a, b):
    return 10 * np.log10(1.0 / np.mean((a - b) ** 2))


def local_gains(truth, sr, bicubic, object_mask, border=4, block=32, stride=16):
    """Gain (dB) over bicubic on the whole image, on the object, and the worst
    ``block`` x ``block`` window (every ``stride`` pixels), border shaved."""
    inner = np.s_[border:-border, border:-border]
    t, s, b, m = truth[inner], sr[inner], bicubic[inner], object_mask[inner]
    whole = _psnr(t, s) - _psnr(t, b)
    obj = _psnr(t[m], s[m]) - _psnr(t[m], b[m])
    worst = min(_psnr(t[i:i + block, j:j + block], s[i:i + block, j:j + block])
                - _psnr(t[i:i + block, j:j + block], b[i:i + block, j:j + block])
                for i in range(0, t.shape[0] - block + 1, stride)
                for j in range(0, t.shape[1] - block + 1, stride))
    return whole, obj, worst


# --- operator ---------------------------------------------------------------------------

@pytest.mark.parametrize("model", sorted(FLOW_OPERATORS))
@pytest.mark.parametrize("scale", [1, 2, 3])
def test_flow_operator_adjoint_is_exact(model, scale):
    rng = np.random.default_rng(scale)
    # displacements up to several pixels, many of them outside the frame
    flow = rng.normal(0.0, 3.0, (5, 13, 11, 2))
    op = FLOW_OPERATORS[model](flow, (13, 11), scale, psf_sigma=1.2)
    x = rng.standard_normal(op.hr_shape)
    y = rng.standard_normal((5, 13, 11))
    lhs = float(np.sum(op.forward(x) * y))
    rhs = float(np.sum(x * op.adjoint(y)))
    assert abs(lhs - rhs) <= 1e-10 * max(1.0, abs(lhs))
    one = op.frame(2)
    np.testing.assert_array_equal(one.forward(x)[0], op.forward(x)[2])


@pytest.mark.parametrize("model", sorted(FLOW_OPERATORS))
def test_flow_operator_is_its_sparse_matrix_and_a_translation(model):
    rng = np.random.default_rng(0)
    op = FLOW_OPERATORS[model](rng.normal(0.0, 2.0, (3, 9, 10, 2)), (9, 10), 2)
    matrix = op.to_sparse()
    x = rng.random(op.hr_shape)
    y = rng.random((3, 9, 10))
    np.testing.assert_allclose(matrix @ x.ravel(), op.forward(x).ravel(), atol=1e-12)
    np.testing.assert_allclose(matrix.T @ y.ravel(), op.adjoint(y).ravel(), atol=1e-12)
    # a flow that is the same at every pixel is a translation
    motion = random_motion(4, "translation", (9, 10), rng)
    flow = np.broadcast_to(motion[:, None, None, :2, 2], (4, 9, 10, 2))
    np.testing.assert_allclose(FLOW_OPERATORS[model](flow, (9, 10), 2).forward(x),
                               OPERATORS[model](motion, (9, 10), 2).forward(x), atol=1e-12)


# --- simulation, flow and confidence ----------------------------------------------------

def test_simulate_local_is_seeded_and_its_flow_explains_the_frames():
    sim = simulate_local(_astronaut_grey(), 2, 6, seed=5)
    assert sim.frames.shape == (6, 128, 128) and sim.frames.dtype == np.uint8
    assert sim.truth.shape == (256, 256) and sim.object_mask.sum() == 48 * 48
    assert 1.0 <= np.linalg.norm(sim.velocity) <= 3.0
    np.testing.assert_array_equal(sim.flow[0], 0.0)
    again = simulate_local(_astronaut_grey(), 2, 6, seed=5)
    np.testing.assert_array_equal(sim.frames, again.frames)
    # the true flow predicts frame k from frame 0 far better than no motion
    from classicsr.multiframe.flow import _sample

    y = sim.frames / 255.0
    visible = ~sim.occluded[5]
    moved, _ = _sample(y[0], sim.flow[5])
    assert (np.abs(y[5] - moved)[visible].mean()
            < 0.5 * np.abs(y[5] - y[0])[visible].mean())


def test_flow_of_a_known_shift():
    frames, truth = simulate(_astronaut_grey(), 2, n_frames=6, seed=3)
    y = frames / 255.0
    shifts = truth[:, None, None, :2, 2]
    # DIS alone; measured: median error 0.042 LR px, 90th percentile 0.18
    raw = np.stack([flow_pair(y[0], y[k]) for k in range(1, 6)])
    error = np.linalg.norm(raw - shifts[1:], axis=-1)[:, 8:-8, 8:-8]
    assert np.median(error) < 0.05 and np.percentile(error, 90) < 0.22
    # with the dominant motion; measured: median 0.013, 90th percentile 0.035; median
    # confidence 0.99
    flow, confidence, dominant = estimate_flow(y)
    error = np.linalg.norm(flow - shifts, axis=-1)[1:, 8:-8, 8:-8]
    assert np.median(error) < 0.02 and np.percentile(error, 90) < 0.05
    assert np.median(confidence[1:, 8:-8, 8:-8]) > 0.97
    np.testing.assert_array_equal(dominant[0], np.eye(3))
    np.testing.assert_array_equal(flow[0], 0.0)
    np.testing.assert_array_equal(confidence[0], 1.0)


def test_confidence_is_low_where_nothing_corresponds():
    sim = simulate_local(_astronaut_grey(), 2, 16, seed=TEST_SEEDS[0])
    _, confidence, _ = estimate_flow(sim.frames / 255.0)
    on_object = np.abs(sim.flow - sim.motion[:, None, None, :2, 2]).sum(-1) > 0
    background = ~sim.occluded & ~on_object
    background[:, :4] = background[:, -4:] = False
    background[:, :, :4] = background[:, :, -4:] = False
    # measured: 0.023 on background the object hides in the reference, 0.90 elsewhere
    assert confidence[1:][sim.occluded[1:]].mean() < 0.1
    assert confidence[1:][background[1:]].mean() > 0.88
    assert 0 <= confidence.min() and confidence.max() <= 1


# --- the local-motion criteria --------------------------------------------------

# measured (dB over bicubic; whole, object, worst 32x32 window), l1btv with
# motion='flow', uint8 output: seed 0 +5.64 / +2.09 / +0.17, seed 1 +6.16 / +6.45 / +0.85,
# seed 2 +5.94 / +2.69 / +0.70; one global translation (float output): -3.2 / -12.6 /
# -22.1, -5.2 / -12.9 / -28.3, -1.4 / -11.5 / -28.4. The issue asks for +3 / +1.5 / -0.3.
@pytest.mark.parametrize("seed, whole_min, object_min, worst_min", [
    (TEST_SEEDS[0], 5.4, 1.9, 0.0),
    (TEST_SEEDS[1], 5.9, 6.2, 0.65),
    (TEST_SEEDS[2], 5.7, 2.5, 0.5),
])
def test_local_motion_gains(seed, whole_min, object_min, worst_min):
    sim = simulate_local(_astronaut_grey(), 2, 16, seed=seed)
    sr = reconstruct(sim.frames, 2, motion="flow") / 255.0
    bicubic = np.clip(classicsr.imresize(sim.frames[0] / 255.0, 2), 0, 1)
    whole, obj, worst = local_gains(sim.truth, sr, bicubic, sim.object_mask)
    assert whole > whole_min and obj > object_min and worst > worst_min


def test_confidence_down_weights_outlier_frames():
    # frames with occluding blocks: the flow's confidence is an observation weight, so the
    # least-squares map no longer follows them; measured (dB over bicubic): map +6.00 with
    # motion='flow' against +3.68 with one registered translation per frame
    from skimage.color import rgb2gray

    hr = rgb2gray(data.astronaut())[128:384, 128:384]
    frames, _ = simulate(hr, 2, n_frames=16, seed=3, outlier_frames=3)
    bicubic = np.clip(classicsr.imresize(frames[0], 2), 0, 1)
    sr = reconstruct(frames, 2, method="map", motion="flow")
    assert (classicsr.psnr(hr, sr, crop_border=4, data_range=1.0)
            - classicsr.psnr(hr, bicubic, crop_border=4, data_range=1.0)) > 5.8


def test_unexplained_regions_keep_the_bicubic_upscale():
    sim = simulate_local(_astronaut_grey()[:160, :160], 2, 4, seed=3, speed=(1.0, 2.0))
    y = sim.frames / 255.0
    weights = np.ones(y.shape)
    weights[1:, 20:50, 20:50] = 0.0  # no frame but the reference explains this block
    problem = Problem(y, None, 2, 1.0, flow=sim.flow, weights=weights)
    sr = l1btv(problem)
    explained = problem.explained()
    assert explained[50:90, 50:90].max() == 0.0 and explained.max() == 1.0
    np.testing.assert_allclose(sr[50:90, 50:90], problem.bicubic()[50:90, 50:90], atol=1e-12)
    assert np.abs(sr - problem.bicubic()).max() > 0.05


# --- API, threads, CLI, bad input -------------------------------------------------------

@pytest.fixture(scope="module")
def small_local():
    hr = _astronaut_grey()[:128, :128]
    return simulate_local(hr, 2, 6, object_size=24, speed=(1.0, 2.0), seed=7)


# measured: gains over bicubic +1.57 (shift_add), +2.62 (ibp), +2.65 (pocs), +3.62 (map),
# +3.72 (l1btv) dB on this small sequence (6 frames of 64x64, a 24 px object)
@pytest.mark.parametrize("method, minimum", [
    ("shift_add", 1.4), ("ibp", 2.4), ("pocs", 2.5), ("map", 3.4), ("l1btv", 3.5)])
def test_every_method_takes_flow(small_local, method, minimum):
    sim = small_local
    sr = reconstruct(sim.frames, 2, method=method, motion="flow", n_threads=1)
    assert sr.shape == (128, 128) and sr.dtype == np.uint8
    bicubic = np.clip(classicsr.imresize(sim.frames[0] / 255.0, 2), 0, 1)
    assert local_gains(sim.truth, sr / 255.0, bicubic, sim.object_mask)[0] > minimum


def test_warp_first_model_with_flow(small_local):
    # measured: +3.69 dB over bicubic (blur-first: +3.72)
    sim = small_local
    sr = reconstruct(sim.frames / 255.0, 2, motion="flow", model="warp-first")
    bicubic = np.clip(classicsr.imresize(sim.frames[0] / 255.0, 2), 0, 1)
    assert local_gains(sim.truth, sr, bicubic, sim.object_mask)[0] > 3.5


def test_given_flow_and_weights(small_local):
    sim = small_local
    frames = sim.frames / 255.0
    by_true = reconstruct(frames, 2, motion=sim.flow, weights=(~sim.occluded).astype(float))
    assert by_true.shape == (128, 128) and by_true.dtype == np.float64
    # weights all ones = no weights
    np.testing.assert_array_equal(reconstruct(frames, 2, method="map", motion=sim.flow),
                                  reconstruct(frames, 2, method="map", motion=sim.flow,
                                              weights=np.ones(frames.shape)))


def test_flow_to_another_reference(small_local):
    frames = small_local.frames / 255.0
    flow, confidence, dominant = estimate_flow(frames, reference=2)
    np.testing.assert_array_equal(flow[2], 0.0)
    np.testing.assert_array_equal(confidence[2], 1.0)
    np.testing.assert_array_equal(dominant[2], np.eye(3))
    assert reconstruct(frames, 2, motion="flow", reference=2, iterations=2).shape == (128, 128)


def test_weights_with_matrix_motion():
    frames, truth = simulate(_astronaut_grey()[:96, :96], 2, n_frames=4, seed=2)
    frames = frames / 255.0
    # no frame but the reference is trusted anywhere: every method gives the bicubic upscale
    weights = np.zeros(frames.shape)
    weights[0] = 1.0
    bicubic = classicsr.imresize(frames[0], 2)
    for method in MULTIFRAME:
        out = reconstruct(frames, 2, method=method, motion=truth, weights=weights)
        np.testing.assert_allclose(out, np.clip(bicubic, 0, 1), atol=1e-12)
    # all-ones weights are no weights, bit for bit
    np.testing.assert_array_equal(reconstruct(frames, 2, motion=truth),
                                  reconstruct(frames, 2, motion=truth,
                                              weights=np.ones(frames.shape)))


def test_flow_result_does_not_depend_on_the_thread_count(small_local):
    import cv2
    import numba

    counts = [1, 2] if numba.config.NUMBA_NUM_THREADS >= 2 else [1]
    previous = cv2.getNumThreads()
    try:
        results = []
        for n in counts:
            cv2.setNumThreads(n)
            results.append(reconstruct(small_local.frames, 2, motion="flow", n_threads=n))
    finally:
        cv2.setNumThreads(previous)
    for other in results[1:]:
        np.testing.assert_array_equal(results[0], other)


def test_colour_frames_with_flow():
    sim = simulate_local(_astronaut_grey()[:128, :128], 2, 4, object_size=24, seed=1,
                         speed=(1.0, 2.0))
    colour = np.repeat(sim.frames[..., None], 3, axis=-1)
    out = reconstruct(colour, 2, motion="flow", channels="all", iterations=2)
    assert out.shape == (128, 128, 3) and out.dtype == np.uint8


def test_cli_multiframe_flow(tmp_path, capsys):
    sim = simulate_local(_astronaut_grey()[:128, :128], 2, 5, object_size=24, seed=2,
                         speed=(1.0, 2.0))
    folder = tmp_path / "burst"
    for k, frame in enumerate(sim.frames):
        write_image(folder / f"frame_{k:02d}.png", frame)
    out = tmp_path / "sr.png"
    assert main(["multiframe", str(folder), str(out), "--scale", "2", "--motion", "flow",
                 "--method", "map"]) == 0
    assert read_image(out).shape == (128, 128)
    printed = capsys.readouterr().out
    assert "flow confidence per frame" in printed and "5 frames" in printed
    assert main(["multiframe", str(folder), str(out), "--scale", "2", "--motion", "flow",
                 "--reference", "9", "--overwrite"]) == 1
    assert "--reference must be an integer >= 0 and <= 4, got 9" in capsys.readouterr().err


GOOD = np.zeros((2, 16, 16), np.uint8)


@pytest.mark.parametrize("call, error, message", [
    (lambda: reconstruct(GOOD, 2, motion="optical"), ValueError,
     "unknown motion 'optical'; known: affine, flow, homography, translation"),
    (lambda: reconstruct(GOOD, 2, motion=np.zeros((2, 16, 15, 2))), ValueError,
     r"motion as a dense flow must have shape \(2, 16, 16, 2\) .*got shape \(2, 16, 15, 2\)"),
    (lambda: reconstruct(GOOD, 2, motion=np.full((2, 16, 16, 2), np.nan)), ValueError,
     "motion contains NaN"),
    (lambda: reconstruct(GOOD, 2, motion="flow", weights=np.ones((2, 16))), ValueError,
     (r"weights must have shape \(2, 16, 16\) \(one weight per pixel of every frame\), "
      r"got shape \(2, 16\)")),
    (lambda: reconstruct(GOOD, 2, motion="flow", weights=np.full((2, 16, 16), 1.5)),
     ValueError, r"weights must hold finite values in \[0, 1\], got values from 1.5 to 1.5"),
    (lambda: reconstruct(GOOD, 2, motion="flow", weights="ones"), TypeError,
     "weights must be None or an array of shape"),
    (lambda: simulate_local(np.zeros((64, 64)), 2), ValueError,
     "too small for an object of 48 px moving up to 45 px"),
    (lambda: simulate_local(np.zeros((128, 128, 3)), 2), ValueError,
     r"hr must be a greyscale \(H, W\) image"),
    (lambda: simulate_local(np.zeros((128, 128)), 2, speed=(3, 1)), ValueError,
     "speed must be a .low, high. pair with 0 <= low <= high, got .3, 1."),
    (lambda: simulate_local(np.zeros((128, 128)), 2, object_size=2), ValueError,
     "object_size must be an integer >= 4, got 2"),
])
def test_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()
