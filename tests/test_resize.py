"""imresize against the MATLAB-semantics oracle, and its properties."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classicsr import imresize
from classicsr.resize import RESIZE_METHODS


@pytest.fixture(scope="module")
def oracle(reference_dir):
    cases = json.loads((reference_dir / "imresize_cases.json").read_text())
    arrays = np.load(reference_dir / "imresize_cases.npz", allow_pickle=False)
    return cases, arrays


def test_oracle_all_cases(oracle):
    cases, arrays = oracle
    assert len(cases) == 341
    failures = []
    for case in cases:
        src, expected = arrays[case["input"]], arrays[case["output"]]
        got = imresize(src, case["scale"], method=case["method"],
                       antialias=case["antialias"])
        if got.shape != expected.shape or got.dtype != expected.dtype:
            failures.append((case["id"], "shape/dtype", got.shape, got.dtype))
        elif expected.dtype.kind == "f":
            err = np.abs(got - expected).max()
            if err > 1e-12:
                failures.append((case["id"], "float error", err))
        elif not np.array_equal(got, expected):
            failures.append((case["id"], "integer pixels differ", int((got != expected).sum())))
    assert not failures, failures[:10]


def test_oracle_output_shape_form(oracle):
    """``output_shape`` gives the same result when the scale is out/in exactly."""
    cases, arrays = oracle
    for case in cases:
        if case["scale"] in (0.5, 2, 4, 0.25):
            src, expected = arrays[case["input"]], arrays[case["output"]]
            got = imresize(src, output_shape=expected.shape[:2], method=case["method"],
                           antialias=case["antialias"])
            # out/in equals the scale only when the sizes divide exactly
            if all(o == case["scale"] * i for o, i in zip(expected.shape[:2], src.shape[:2])):
                np.testing.assert_allclose(got.astype(float), expected.astype(float),
                                           rtol=0, atol=1e-12)


def _image(rng, shape, dtype):
    if dtype == np.uint8:
        return rng.integers(0, 256, shape, dtype=np.uint8)
    if dtype == np.uint16:
        return rng.integers(0, 65536, shape, dtype=np.uint16)
    return rng.random(shape).astype(dtype)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.float64])
@pytest.mark.parametrize("shape", [(9, 13), (12, 7, 3), (5, 6, 1), (8, 8, 4)])
def test_dtype_and_shape_preserved(dtype, shape):
    img = _image(np.random.default_rng(0), shape, dtype)
    out = imresize(img, 1.5)
    assert out.dtype == img.dtype
    assert out.shape[2:] == shape[2:]
    assert out.shape[:2] == tuple(int(np.ceil(1.5 * n)) for n in shape[:2])


@pytest.mark.parametrize("method", RESIZE_METHODS)
@pytest.mark.parametrize("scale", [0.25, 1 / 3, 0.6, 1.7, 3])
def test_constant_image_stays_constant(method, scale):
    img = np.full((17, 11, 3), 0.37)
    out = imresize(img, scale, method=method)
    np.testing.assert_allclose(out, 0.37, atol=1e-12)
    img8 = np.full((17, 11), 201, np.uint8)
    assert (imresize(img8, scale, method=method) == 201).all()


@pytest.mark.parametrize("method", ["nearest", "bilinear", "bicubic"])
@pytest.mark.parametrize("dtype", [np.uint8, np.float64])
def test_scale_one_is_identity(method, dtype):
    img = _image(np.random.default_rng(1), (10, 12, 3), dtype)
    np.testing.assert_array_equal(imresize(img, 1, method=method), img)


@settings(max_examples=25, deadline=None)
@given(
    h=st.integers(2, 24), w=st.integers(2, 24),
    scale=st.sampled_from([0.25, 0.5, 0.6, 1.25, 2.0, 3.0]),
    method=st.sampled_from(RESIZE_METHODS),
    a=st.floats(-3, 3), b=st.floats(-3, 3), seed=st.integers(0, 2**16),
)
def test_linear_for_float_input(h, w, scale, method, a, b, seed):
    rng = np.random.default_rng(seed)
    x, y = rng.random((h, w)), rng.random((h, w))
    lhs = imresize(a * x + b * y, scale, method=method)
    rhs = a * imresize(x, scale, method=method) + b * imresize(y, scale, method=method)
    np.testing.assert_allclose(lhs, rhs, atol=1e-11)


@settings(max_examples=25, deadline=None)
@given(
    h=st.integers(2, 20), w=st.integers(2, 20),
    scale=st.sampled_from([0.5, 1 / 3, 1.5, 2.0, 4.0]),
    method=st.sampled_from([m for m in RESIZE_METHODS if m != "nearest"]),
    seed=st.integers(0, 2**16),
)
def test_flips_commute_with_resizing(h, w, scale, method, seed):
    """Symmetric kernels commute with flips when the grid is symmetric.

    (``nearest`` is excluded: MATLAB's box kernel is [-0.5, 0.5), so exact
    ties go to one side and a flip moves them.)
    """
    if scale * h != int(scale * h) or scale * w != int(scale * w):
        h, w = 6, 12  # a size whose sampling grid is symmetric for every scale
    img = np.random.default_rng(seed).random((h, w, 3))
    out = imresize(img, scale, method=method)
    np.testing.assert_allclose(imresize(img[::-1], scale, method=method), out[::-1], atol=1e-12)
    np.testing.assert_allclose(imresize(img[:, ::-1], scale, method=method), out[:, ::-1],
                               atol=1e-12)


def test_float32_computed_in_float64():
    img = np.random.default_rng(2).random((20, 20)).astype(np.float32)
    ref = imresize(img.astype(np.float64), 0.5)
    out = imresize(img, 0.5)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, ref.astype(np.float32))


def test_float_output_not_clipped():
    img = np.zeros((8, 8))
    img[3:5, 3:5] = 1.0
    out = imresize(img, 2.0)
    assert out.min() < 0 and out.max() > 1  # bicubic overshoot survives


def test_uint8_rounded_after_each_pass():
    """MATLAB returns the input class from each 1-D pass, so uint8 rounds twice."""
    def rnd(v):
        return np.clip(np.floor(v + 0.5), 0, 255)

    img = np.random.default_rng(3).integers(0, 256, (30, 25), dtype=np.uint8)
    out = imresize(img, 0.6)  # 18 x 15: both scales exactly 0.6
    rows = rnd(imresize(img.astype(np.float64), output_shape=(18, 25)))
    per_pass = rnd(imresize(rows, output_shape=(18, 15)))
    once = rnd(imresize(img.astype(np.float64), 0.6))
    np.testing.assert_array_equal(out, per_pass)
    assert not np.array_equal(out, once)


def test_smaller_scale_resized_first():
    """Rows 4x down, columns 2x up: the 4x axis goes first (MATLAB's order)."""
    img = np.random.default_rng(4).integers(0, 256, (40, 10), dtype=np.uint8)
    out = imresize(img, output_shape=(10, 20))
    cols_first = imresize(imresize(img, output_shape=(40, 20)), output_shape=(10, 20))
    rows_first = imresize(imresize(img, output_shape=(10, 10)), output_shape=(10, 20))
    np.testing.assert_array_equal(out, rows_first)
    assert not np.array_equal(rows_first, cols_first)


def test_nearest_default_has_no_antialiasing():
    img = np.arange(16.0).reshape(4, 4)
    default = imresize(img, 0.5, method="nearest")
    np.testing.assert_array_equal(default, imresize(img, 0.5, method="nearest", antialias=False))
    assert set(default.ravel()) <= set(img.ravel())  # pure sampling, no averaging
    assert not np.allclose(imresize(img, 0.5, method="nearest", antialias=True), default)


@settings(max_examples=30, deadline=None)
@given(
    h=st.integers(1, 40), w=st.integers(1, 40),
    scale=st.sampled_from([1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 0.5, 1 / 3]),
    method=st.sampled_from(RESIZE_METHODS),
    dtype=st.sampled_from([np.uint8, np.uint16, np.float64]),
    channels=st.sampled_from([0, 1, 3, 4]), seed=st.integers(0, 2**16),
)
def test_kernel_paths_agree(h, w, scale, method, dtype, channels, seed):
    """Fused (float and fixed-point), polyphase and tiled kernels agree bit for bit.

    The float kernels run on uint8 or float64 arrays (uint16 through float64,
    rounded and saturated to its ``maxval``), as :func:`imresize` calls them."""
    from classicsr.resize import _kernels
    from classicsr.resize._imresize import _pass_rows
    from classicsr.resize.weights import axis_weights

    shape = (h, w) if channels == 0 else (h, w, channels)
    img = _image(np.random.default_rng(seed), shape, dtype)
    fast = imresize(img, scale, method=method)
    kernel_dtype = np.uint8 if dtype == np.uint8 else np.float64
    src = img.reshape(h, w, -1).astype(kernel_dtype)
    out_h, out_w = fast.shape[:2]
    maxval = {np.uint8: 255.0, np.uint16: 65535.0}.get(dtype, 0.0)
    rows = axis_weights(h, out_h, scale, method, method != "nearest")
    cols = axis_weights(w, out_w, scale, method, method != "nearest")
    mid = np.empty((out_h, w, src.shape[2]), kernel_dtype)
    _pass_rows(src, rows, maxval, mid)
    tiled = np.empty((out_h, out_w, src.shape[2]), kernel_dtype)
    _kernels.resize_axis1(mid, cols.weights, cols.lo, cols.hi, cols.indices, maxval, tiled)
    np.testing.assert_array_equal(fast.reshape(tiled.shape), tiled)
    runs = cols.runs
    poly = np.empty_like(tiled)
    _kernels.resize_axis1_runs(mid, runs.start, runs.period, runs.base, runs.count,
                               runs.taps, runs.weights, runs.irregular, cols.weights,
                               cols.lo, cols.hi, cols.indices, maxval, poly)
    np.testing.assert_array_equal(poly, tiled)


@pytest.mark.parametrize("scale, shift", [(2.0, 7), (4.0, 10)])
def test_bicubic_integer_factors_use_exact_fixed_point(scale, shift):
    """x2/x4 bicubic weights are dyadic, so uint8 takes the int32 kernel."""
    from classicsr.resize.weights import axis_weights

    aw = axis_weights(64, int(64 * scale), scale, "bicubic", True)
    numerators, found = aw.fixed_point
    assert found == shift
    np.testing.assert_array_equal(numerators / 2.0**shift, aw.weights)
    assert aw.fixed_point_fits(255) and aw.fixed_point_fits(65535)
    assert axis_weights(64, 192, 3.0, "bicubic", True).fixed_point is None


def test_fixed_point_rounds_exact_ties_like_matlab():
    """A row 0, 64, 0, ... upscaled x2 hits values k + 0.5 exactly; they round up."""
    img = np.zeros((8, 16), np.uint8)
    img[:, ::2] = 64  # x2 bicubic outputs are multiples of 64 / 128 = 0.5
    out = imresize(img, 2.0)
    from classicsr.resize.weights import axis_weights

    rows = axis_weights(8, 16, 2.0, "bicubic", True)
    cols = axis_weights(16, 32, 2.0, "bicubic", True)
    ref = rows.weights[:, None, :] * img[rows.indices].transpose(0, 2, 1)
    mid = np.floor(ref.sum(axis=2) + 0.5).clip(0, 255)
    full = (cols.weights[None] * mid[:, cols.indices]).sum(axis=2)
    assert np.any(full % 1 == 0.5)
    np.testing.assert_array_equal(out, np.floor(full + 0.5).clip(0, 255))


def test_kernels_are_compiled_for_uint8_and_float64_only():
    """uint16 and float32 images, and read-only arrays, reuse the uint8 / float64
    specialisations of the float kernels (each one more costs seconds to compile)."""
    from numba import types

    from classicsr.resize import _kernels

    rng = np.random.default_rng(3)
    for dtype in (np.uint16, np.float32):
        img = _image(rng, (9, 11, 3), dtype)
        img.flags.writeable = False
        for scale in (0.4, 1.5, 3.0):
            out = imresize(img, scale)
            assert out.dtype == dtype
            np.testing.assert_array_equal(out, imresize(img.copy(), scale))
    kernels = (_kernels.resize_axis0, _kernels.resize_axis1, _kernels.resize_axis1_runs,
               _kernels.resize_fused)
    # the image arguments: the first (source) and the last (output) of each kernel
    images = [a for k in kernels for sig in k.signatures for a in (sig[0], sig[-1])]
    assert images and all(isinstance(a, types.Array) for a in images)
    odd = [a for a in images if a.dtype not in (types.uint8, types.float64) or not a.mutable]
    assert not odd, odd
