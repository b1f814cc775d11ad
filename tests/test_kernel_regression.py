"""Kernel regression SR: Kim & Kwon (sparse KRR) and Ni & Nguyen (SVR)."""

import csv

import numpy as np
import pytest
from skimage import data

import classicsr
from classicsr.io import read_image
from classicsr.kernel_regression import KimKwon, SupportVectorRegression, _sparse_krr
from classicsr.kernel_regression._patches import (
    combine_candidates,
    dense_patches,
    sample_pairs,
)
from classicsr.kernel_regression.kim_kwon import natural_image_prior
from classicsr.resize._imresize import resize_trusted

CAMERA = data.camera() / 255.0
# training crops (top half of the camera image and two other scenes), test crop below them
TRAIN = [CAMERA[:200, :256], CAMERA[:200, 256:], data.moon()[:200, :200] / 255.0,
         data.coins()[:200, :200] / 255.0]
TEST = CAMERA[300:420, 120:240]
SMALL_KK = {"n_basis": 40, "n_patches": 6000, "n_select": 3000, "n_candidates": 400,
                "refine_iterations": 5, "prior_iterations": 5}
SMALL_SVR = {"n_components": 100, "n_patches": 6000}


def _psnr(reference, estimate, scale):
    est = np.round(np.clip(estimate, 0, 1) * 255)
    ref = np.round(reference * 255)
    err = (est - ref)[scale:-scale, scale:-scale]
    return 10 * np.log10(255 ** 2 / np.mean(err ** 2))


@pytest.fixture(scope="module")
def kk2():
    return KimKwon(2, random_state=0, **SMALL_KK).fit(TRAIN)


@pytest.fixture(scope="module")
def svr2():
    return SupportVectorRegression(2, random_state=0, **SMALL_SVR).fit(TRAIN)


# --- the sparse kernel ridge regression -----------------------------------------------------

@pytest.mark.parametrize("linear", [False, True])
def test_basis_gradient_matches_finite_differences(linear):
    rng = np.random.default_rng(0)
    x, y, b = rng.normal(size=(120, 4)), rng.normal(size=(120, 3)), rng.normal(size=(6, 4))
    _, grad = _sparse_krr._objective(b.ravel(), x, y, 3.0, 0.2, b.shape, linear)
    numeric = np.empty_like(grad)
    for i in range(grad.size):
        step = np.zeros_like(grad)
        step[i] = 1e-6
        numeric[i] = (_sparse_krr._objective(b.ravel() + step, x, y, 3.0, 0.2, b.shape,
                                             linear)[0]
                      - _sparse_krr._objective(b.ravel() - step, x, y, 3.0, 0.2, b.shape,
                                               linear)[0]) / 2e-6
    assert np.allclose(grad, numeric, rtol=1e-4, atol=1e-8)


def test_matching_pursuit_finds_the_generating_basis():
    """Targets built from 5 of the candidates' kernel columns: the pursuit picks them."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(400, 3))
    candidates = x[:60]
    true = [3, 17, 29, 41, 55]
    y = _sparse_krr.gaussian_kernel(x, candidates[true], 1.0) @ rng.normal(size=(5, 2))
    chosen = _sparse_krr.kernel_matching_pursuit(x, y, candidates, 1.0, 5)
    assert sorted(chosen.tolist()) == true


def test_refinement_lowers_the_training_error():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(300, 3))
    y = np.sin(x[:, :1] * 2) + x[:, 1:2] ** 2
    basis = x[:8].copy()
    before = _sparse_krr._objective(basis.ravel(), x, y, 2.0, 1e-3, basis.shape, False)[0]
    moved = _sparse_krr.refine_basis(x, y, basis, 2.0, 1e-3, 20)
    after = _sparse_krr._objective(moved.ravel(), x, y, 2.0, 1e-3, basis.shape, False)[0]
    assert after < 0.8 * before


def test_combination_of_candidates():
    shape = (6, 7)
    constant = np.full((42, 25), 0.3)
    assert np.allclose(combine_candidates(constant, None, shape), 0.3)
    # patch centred on pixel p predicting "p + offset": the mean of the candidates of
    # a pixel covered by all 25 patches is the pixel's own index
    index = np.arange(42.0)[:, None]
    offsets = (np.arange(25) // 5 - 2) * 7 + (np.arange(25) % 5 - 2)
    combined = combine_candidates(index + offsets[None, :], np.ones((42, 25)), shape)
    assert np.isclose(combined[2, 3], 2 * 7 + 3)
    assert dense_patches(np.arange(20.0).reshape(4, 5), 3).shape == (20, 9)


def test_training_pairs_of_largest_contrast_in_random_order():
    images = [TRAIN[0], np.full((60, 60), 0.5), TRAIN[2]]
    everything, _ = sample_pairs(images, 2, 7, 5, 3000, np.random.default_rng(1))
    x, y = sample_pairs(images, 2, 7, 5, 300, np.random.default_rng(1), contrast_fraction=0.1)
    assert x.shape == (300, 49) and y.shape == (300, 25)
    assert np.allclose(x.mean(1), 0, atol=1e-6)
    # the same 3000 draws: the 300 of largest norm are kept, none of the flat image
    norms = np.sort(np.linalg.norm(everything, axis=1))[::-1]
    assert np.allclose(np.sort(np.linalg.norm(x, axis=1))[::-1], norms[:300], rtol=1e-5)
    assert np.linalg.norm(x, axis=1).min() > 0
    # random order: the first pairs come from every image, not from the first one only
    first = np.linalg.norm(sample_pairs(images[1:], 2, 7, 5, 2000,
                                        np.random.default_rng(1))[0][:200], axis=1)
    assert (first == 0).any() and (first > 0).any()


def test_prior_step_back_projects():
    lr = resize_trusted(TEST, 0.5)
    blurred = resize_trusted(lr, 2)
    refined = natural_image_prior(blurred, lr, 10, 0.0)
    consistency = np.abs(resize_trusted(refined, output_shape=lr.shape) - lr).mean()
    assert consistency < 0.2 * np.abs(resize_trusted(blurred, output_shape=lr.shape) - lr).mean()


# --- the estimators ------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["kk2", "svr2"])
def test_models_beat_bicubic_and_round_trip(name, request, tmp_path):
    model = request.getfixturevalue(name)
    lr = resize_trusted(TEST, 0.5)
    sr = model.predict_luminance(lr)
    gain = _psnr(TEST, sr, 2) - _psnr(TEST, resize_trusted(lr, 2), 2)
    # measured on these crops (tiny models): SVR +0.579 dB; Kim & Kwon +0.842 dB
    # (random_state 0) on an AVX-512 machine, and +0.730 / 0.709 / 0.879 / 0.781 /
    # 0.876 / 0.690 for random_state 0-5 on an AMD EPYC one (OpenBLAS's Haswell
    # kernels): the greedy basis selection of this tiny model turns rounding
    # differences into another draw, so its bound sits below the spread of draws
    assert gain > {"kk2": 0.68, "svr2": 0.56}[name], gain
    path = tmp_path / "m.npz"
    model.save(path)
    again = type(model).load(path)
    assert np.allclose(again.predict_luminance(lr), sr, atol=1e-5)
    # through the registry, on a colour image
    rgb = (np.dstack([lr] * 3) * 255).round().astype(np.uint8)
    out = classicsr.upscale(rgb, 2, method=model.method, model=model)
    assert out.shape == (120, 120, 3) and out.dtype == np.uint8


def test_seeded_training_is_reproducible(kk2):
    again = KimKwon(2, random_state=0, **SMALL_KK).fit(TRAIN)
    assert np.array_equal(again.basis_, kk2.basis_)
    other = KimKwon(2, random_state=1, **SMALL_KK).fit(TRAIN)
    assert not np.array_equal(other.basis_, kk2.basis_)


def test_bad_parameters():
    with pytest.raises(ValueError, match="input_size must be odd"):
        KimKwon(2, input_size=6).fit(TRAIN)
    with pytest.raises(ValueError, match="combine"):
        KimKwon(2, combine="median").fit(TRAIN)
    with pytest.raises(ValueError, match="relative_width"):
        KimKwon(2, relative_width=-1.0).fit(TRAIN)
    with pytest.raises(ValueError, match="contrast_fraction"):
        KimKwon(2, contrast_fraction=1.5).fit(TRAIN)
    with pytest.raises(ValueError, match="patch_size must be odd"):
        SupportVectorRegression(2, patch_size=4).fit(TRAIN)
    with pytest.raises(ValueError, match="scale"):
        SupportVectorRegression(5).fit(TRAIN)
    with pytest.raises(TypeError, match="lam"):
        KimKwon(2, lam="small").fit(TRAIN)
    with pytest.raises(ValueError, match="regressor_dtype"):
        SupportVectorRegression(2, regressor_dtype="float64").fit(TRAIN)
    with pytest.raises(TypeError, match="images"):
        KimKwon(2).fit(TEST)


def test_registered_and_trainable():
    from classicsr.training import trainable_methods

    methods = classicsr.available_methods()
    assert methods["kim_kwon"].model == "kim_kwon" and methods["svr"].model == "svr"
    assert {"kim_kwon", "svr"} <= set(trainable_methods())


# --- shipped models against the published numbers (need ../shared) ------------------------

# measured with the shipped models on the *_LR.png files (RGB in, Y compared; the grey
# Set14 image compared grey, as the authors' rows): (dataset, scale) -> mean PSNR; the
# authors' means are 36.240 / 32.300 / 30.073 and 32.136 / 28.959 / 27.184.
# Set5 x3 paper protocol: svr 31.591 dB, gr 31.404 dB
KIM_KWON_MEASURED = {("Set5", 2): 36.257, ("Set5", 3): 32.375, ("Set5", 4): 30.039,
                     ("Set14", 2): 32.128, ("Set14", 3): 28.986, ("Set14", 4): 27.141}
SVR_OVER_GR_SET5_X3 = 0.187

def _shipped(method, scale):
    from classicsr.modelstore import read_manifest

    if f"{method}_x{scale}.npz" not in read_manifest().get("models", {}):
        pytest.skip(f"no shipped {method} x{scale} model")


#: Set5 at every scale and Set14 at x3: Set14 x2 and x4 took 100 s of the suite
#: together and take no path of the code that these do not (each scale has its own
#: model, each checked on Set5); benchmarks/bench_kernel_regression.py measures them.
KIM_KWON_CHECKED = [("Set5", 2), ("Set5", 3), ("Set5", 4), ("Set14", 3)]


@pytest.mark.slow
@pytest.mark.parametrize(("dataset", "scale"), KIM_KWON_CHECKED)
def test_kim_kwon_against_the_published_table(data_root, reference_dir, dataset, scale):
    """RGB ``*_LR.png`` in, Y compared (as per_image_psnr_selfexsr.csv): within 0.1 dB
    of the authors' mean (issue 19) and not below what the shipped model measured."""
    _shipped("kim_kwon", scale)
    with open(reference_dir / "per_image_psnr_selfexsr.csv") as handle:
        rows = [r for r in csv.DictReader(handle) if r["method"] == "kim_kwon2010"
                and r["dataset"] == dataset and r["scale"] == str(scale)]
    ours = []
    for row in rows:
        folder = data_root / dataset / f"image_SRF_{scale}"
        hr = read_image(folder / row["file"])
        lr = read_image(folder / row["file"].replace("_HR", "_LR"))
        ours.append(classicsr.psnr(hr, classicsr.upscale(lr, scale, method="kim_kwon"),
                                   crop_border=scale))
    authors = np.mean([float(r["psnr_y"]) for r in rows])
    assert np.mean(ours) > KIM_KWON_MEASURED[dataset, scale] - 0.01
    assert np.mean(ours) > authors - 0.1


@pytest.mark.slow
def test_svr_beats_gr_under_the_paper_protocol(data_root):
    _shipped("svr", 3)
    svr = classicsr.evaluate("svr", ["Set5"], [3], data_root=data_root, progress=False)
    gr = classicsr.evaluate("gr", ["Set5"], [3], data_root=data_root, progress=False)
    assert svr.means()[0]["psnr"] > gr.means()[0]["psnr"] + SVR_OVER_GR_SET5_X3 - 0.01




def test_cli_trains_svr(tmp_path):
    from classicsr.cli import main
    from classicsr.io import write_image

    folder = tmp_path / "images"
    folder.mkdir()
    for k, img in enumerate(TRAIN[:2]):
        write_image(folder / f"{k}.png", (img * 255).round().astype(np.uint8))
    out = tmp_path / "svr_x2.npz"
    assert main(["train", "svr", "--scale", "2", "--images", str(folder), "--patches", "2000",
                 "--out", str(out), "-q"]) == 0
    model = SupportVectorRegression.load(out)
    assert model.n_patches == 2000 and model.n_training_patches_ == 2000


def test_prediction_does_not_depend_on_thread_count(kk2, svr2):
    from thread_counts import one_thread_and_all

    lr = resize_trusted(TEST, 0.5)
    for model in (kk2, svr2):
        one, many = one_thread_and_all(lambda: model.predict_luminance(lr))
        # Numba kernels are exact; OpenBLAS double-precision products may differ
        # in the last bits (measured 1e-15), which never moves a rounded pixel
        assert np.abs(one - many).max() < 1e-12
        assert np.array_equal(np.round(one * 255), np.round(many * 255))
