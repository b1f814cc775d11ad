"""PatchMatch (against brute force) and SelfExSR (against the authors' per-image table)."""

import csv

import numpy as np
import pytest
from self_example_cases import small_case
from thread_counts import one_thread_and_all
from skimage import data
from skimage.transform import rotate

import classicsr
from classicsr.io import read_image
from classicsr.self_examples import selfexsr
from classicsr.self_examples.patchmatch import (
    exhaustive_nearest_neighbour_field,
    nearest_neighbour_field,
)
from classicsr.self_examples.selfexsr import selfexsr_affine

CAMERA = data.camera() / 255.0


# --- PatchMatch -----------------------------------------------------------------------------

def test_translations_find_the_exhaustive_matches():
    """A noisy crop of a textured source (every patch unique, unlike flat sky whose
    brute-force matches fit the noise anywhere): PatchMatch finds the brute-force match."""
    rng = np.random.default_rng(0)
    source = rng.random((80, 80))
    target = source[8:58, 5:55] + rng.normal(0, 0.05, (50, 50))
    pm = nearest_neighbour_field(target, source, iterations=5)
    bf = exhaustive_nearest_neighbour_field(target, source)
    inner = (slice(2, -2), slice(2, -2))
    same = np.all(pm.positions[inner] == bf.positions[inner], axis=-1)
    assert same.mean() >= 0.99  # measured 1.0
    assert np.mean(pm.cost[inner] <= bf.cost[inner] * (1 + 1e-9)) >= 0.99
    assert np.isnan(pm.positions[0, 0]).all() and np.isnan(pm.cost[-1, -1])
    assert np.array_equal(pm.transforms[5, 5], np.eye(2))


def test_affine_matches_are_better_than_exhaustive_translations():
    """A rotated target: transformed patches fit better than any translated one."""
    source = CAMERA[220:300, 160:240]
    target = rotate(source, 25.0, resize=False, mode="reflect")[15:65, 15:65]
    pm = nearest_neighbour_field(target, source, iterations=6, affine=True)
    bf = exhaustive_nearest_neighbour_field(target, source)
    inner = (slice(2, -2), slice(2, -2))
    # measured: mean cost 0.00074 against 0.00274, lower on 98.4 % of the patches
    assert pm.cost[inner].mean() < 0.3 * bf.cost[inner].mean()
    assert np.mean(pm.cost[inner] <= bf.cost[inner]) > 0.97


def test_patchmatch_is_seeded_and_thread_independent():
    source = CAMERA[100:160, 100:170]
    target = CAMERA[300:340, 200:250]
    one, many = one_thread_and_all(lambda: nearest_neighbour_field(
        target, source, iterations=3, affine=True, random_state=3))
    for a, b in zip(one, many):
        assert np.array_equal(a, b, equal_nan=True)
    other = nearest_neighbour_field(target, source, iterations=3, affine=True, random_state=4)
    assert not np.array_equal(other.cost, one.cost, equal_nan=True)


@pytest.mark.parametrize("use_bias", [0.0, 1.0])
def test_cost_early_exit_rejects_only_what_the_full_cost_rejects(use_bias):
    """``_cost`` with a bound: a finite result is the full cost bit for bit, and ``inf``
    only where the full cost is not below the bound (so no decision changes)."""
    import math

    from classicsr.self_examples import _kernels as k

    rng = np.random.default_rng(5)
    target = rng.random((21, 21, 3))
    source = rng.random((30, 34, 3))
    source_args = (np.ascontiguousarray(source).ravel(), np.zeros(1, np.int64),
                   np.array([30], np.int64), np.array([34], np.int64), np.ones(1))
    # SelfExSR's form: Gaussian weights, bias clamped to +-0.1, a scale penalty, weight 1
    params = np.array([2.0, math.log(0.8), use_bias, -0.1, 0.1, 0.5, 1.25, 1.0, 0.0])
    offsets = np.arange(-2, 3)
    weights = np.exp(-(offsets[:, None] ** 2 + offsets[None, :] ** 2) / 4.0).ravel()
    bias, sums = np.empty(3), np.empty(9)
    rejected = kept = 0
    for _ in range(400):
        a = np.eye(2) + 0.2 * rng.normal(size=(2, 2))
        t = np.array([a[0, 0], a[1, 0], 0.0, a[0, 1], a[1, 1], 0.0,
                      rng.uniform(8, 27), rng.uniform(8, 23), 1.0])
        y, x = rng.integers(2, 19, 2)
        full = k._cost(target, y, x, t, *source_args, params, weights, bias, sums,
                      np.inf)  # no bound, passed as the kernels pass it
        for bound in (full * rng.uniform(0.2, 1.0), full, full * rng.uniform(1.0, 3.0)):
            got = k._cost(target, y, x, t, *source_args, params, weights, bias, sums, bound)
            if got == np.inf:
                rejected += 1
                assert full >= bound
            else:
                kept += 1
                assert got == full
    # of the 400 bounds below the full cost, 393 (no bias) and 381 (bias) were rejected
    # early; the 800 at or above it are always kept
    assert rejected > 370 and kept >= 800


def test_patchmatch_bad_input():
    x = np.zeros((20, 20))
    with pytest.raises(ValueError, match="patch_size must be odd"):
        nearest_neighbour_field(x, x, patch_size=4)
    with pytest.raises(ValueError, match="same channels"):
        nearest_neighbour_field(x, np.zeros((20, 20, 3)))
    with pytest.raises(ValueError, match="smaller than patch_size"):
        nearest_neighbour_field(x[:3], x)
    with pytest.raises(TypeError, match="target"):
        nearest_neighbour_field([[0.0]], x)
    with pytest.raises(TypeError, match="scale_range"):
        nearest_neighbour_field(x, x, affine=True, scale_range=2.0)


# --- SelfExSR -------------------------------------------------------------------------------


@pytest.mark.parametrize("scale", [2, 3])
def test_selfexsr_beats_bicubic_and_is_deterministic(scale):
    hr, lr = small_case(scale)
    sr = classicsr.upscale(lr, scale, method="selfexsr_affine")
    assert sr.dtype == np.uint8 and sr.shape == hr.shape
    gain = (classicsr.psnr(hr, sr, crop_border=scale)
            - classicsr.psnr(hr, classicsr.upscale(lr, scale, method="bicubic"),
                             crop_border=scale))
    assert gain > {2: 1.0, 3: 0.4}[scale]  # measured: +1.02 (x2), +0.43 (x3)
    one, many = one_thread_and_all(lambda: selfexsr_affine(lr, scale))
    assert np.array_equal(one, many) and np.array_equal(many, sr)
    assert np.array_equal(selfexsr(lr, scale, planes=False), sr)


def test_selfexsr_grey_and_options():
    hr, lr = small_case(2)
    grey = classicsr.rgb2ycbcr(lr)[..., 0]
    out = selfexsr(grey, 2)
    assert out.shape == (hr.shape[0], hr.shape[1]) and out.dtype == grey.dtype
    fixed = selfexsr(lr, 2, authors_composition=False, random_state=1)
    assert fixed.shape == hr.shape
    with pytest.raises(ValueError, match="scale must be one of"):
        selfexsr(lr, 5)
    with pytest.raises(TypeError, match="authors_composition"):
        selfexsr(lr, 2, authors_composition="yes")
    info = classicsr.available_methods()["selfexsr_affine"]
    assert "no plane detection" in info.description and info.scales == (2, 3, 4)


# measured against the authors' results (per_image_psnr_selfexsr.csv, Y, scale shaved)
SET5_X2_MEASURED = {"selfexsr": 36.486, "selfexsr_affine": 36.494}


@pytest.mark.slow
@pytest.mark.parametrize("method", ["selfexsr", "selfexsr_affine"])
def test_selfexsr_set5_x2_against_the_authors(data_root, reference_dir, method):
    with open(reference_dir / "per_image_psnr_selfexsr.csv") as handle:
        rows = [r for r in csv.DictReader(handle)
                if r["method"] == "selfexsr2015" and r["dataset"] == "Set5" and r["scale"] == "2"]
    ours = []
    for row in rows:
        folder = data_root / "Set5" / "image_SRF_2"
        hr = read_image(folder / row["file"])
        lr = read_image(folder / row["file"].replace("_HR", "_LR"))
        ours.append(classicsr.psnr(hr, classicsr.upscale(lr, 2, method=method), crop_border=2))
        if method == "selfexsr_affine":  # every image within 0.1 dB (the planes' butterfly:
            # -0.104, their VPs are not the authors'; the issue asks it of the means)
            assert abs(ours[-1] - float(row["psnr_y"])) < 0.1, row["image"]
    authors = np.mean([float(r["psnr_y"]) for r in rows])
    assert abs(np.mean(ours) - authors) < 0.1
    assert np.mean(ours) > SET5_X2_MEASURED[method] - 0.01
