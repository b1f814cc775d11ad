"""The seams every method plugs into: image values, the dispatcher, the model store,
the estimators (scikit-learn conformance) and the validation helpers."""

import threading

import numpy as np
import pytest
from skimage import data

import classicsr
from classicsr import _image
from classicsr._dispatch import check_upscale_call, resolve, usable_methods
from classicsr._validation import check_bool, check_choice, check_int, check_real
from classicsr.modelstore import clear_cache, get_model, model_family, shipped_model_path
from classicsr.registry import (LEARNED_SCALES, available_methods, get_method,
                                register_method, unregister_method)

RGB = data.astronaut()[96:160, 160:224]


# --- image values and colour ------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.float64])
def test_unit_round_trip_is_exact(dtype):
    img = (RGB.astype(np.uint16) * 257).astype(dtype) if dtype == np.uint16 else RGB.astype(dtype)
    if np.dtype(dtype).kind == "f":
        img = (RGB / 255.0).astype(dtype)
    x = _image.to_unit(img)
    assert x.dtype == np.float64 and x.min() >= 0 and x.max() <= 1
    np.testing.assert_array_equal(_image.from_unit(x, dtype), img)


def test_from_unit_rounds_half_away_and_saturates():
    x = np.array([-0.1, 0.5 / 255, 1.5 / 255, 254.5 / 255, 1.2])
    np.testing.assert_array_equal(_image.from_unit(x, np.uint8), [0, 1, 2, 255, 255])
    np.testing.assert_array_equal(_image.from_unit(x, np.float32, clip=True),
                                  np.clip(x, 0, 1).astype(np.float32))


@pytest.mark.parametrize("layout", ["grey2d", "grey3d", "rgb", "rgba"])
def test_split_and_merge_give_the_image_back(layout):
    rgb = RGB / 255.0
    img = {"grey2d": rgb[..., 0], "grey3d": rgb[..., :1], "rgb": rgb,
           "rgba": np.dstack([rgb, rgb[..., 1]])}[layout]
    y, rest = _image.split_luminance(img)
    assert y.shape == img.shape[:2]
    np.testing.assert_allclose(_image.merge_luminance(y, rest), img, atol=1e-12)


def test_luminance_is_matlab_y_in_the_image_dtype():
    y = _image.luminance(RGB)
    assert y.dtype == np.uint8 and y.shape == RGB.shape[:2]
    np.testing.assert_array_equal(y, classicsr.rgb2ycbcr(RGB)[..., 0])
    np.testing.assert_array_equal(_image.luminance(RGB[..., :1]), RGB[..., 0])


def test_training_luminance_does_not_depend_on_the_dtype():
    as_uint8 = _image.training_luminance(RGB)
    as_uint16 = _image.training_luminance(RGB.astype(np.uint16) * 257)
    as_float = _image.training_luminance(RGB / 255.0)
    np.testing.assert_allclose(as_uint16, as_uint8, atol=1e-15)
    np.testing.assert_allclose(as_float, as_uint8, atol=1e-15)
    # the luminance, not the red channel
    assert np.abs(as_float - RGB[..., 0] / 255.0).max() > 0.05


# --- the dispatcher ---------------------------------------------------------------------

def test_every_method_declares_its_options():
    for name, info in available_methods("all").items():
        assert all(o.description for o in info.options), name
        if info.needs_model:
            assert "model" in info.option_names, name
    assert get_method("aplus").model == "aplus"
    assert {get_method(m).model for m in ("gr", "anr", "lle", "zeyde")} == {"zeyde"}


def test_a_misspelt_option_is_one_clear_error_everywhere():
    from classicsr.protocol import evaluate_image

    message = r"method 'aplus' got unknown option\(s\) modle; accepted: model=None"
    with pytest.raises(TypeError, match=message):
        classicsr.upscale(RGB, 2, "aplus", modle="x.npz")
    with pytest.raises(TypeError, match=message):
        evaluate_image(RGB, 2, "aplus", modle="x.npz")
    with pytest.raises(TypeError, match=message):
        check_upscale_call("aplus", 2, {"modle": 1, "backprojection": True})
    with pytest.raises(TypeError, match=r"got unknown option\(s\) lamda"):
        classicsr.upscale_frames([RGB, RGB], 2, "l1btv", lamda=0.1)


def test_resolve_checks_the_scale_against_the_method():
    info, scale, options = resolve("bicubic", 2.5, {})
    assert scale == 2.5 and options == {}
    with pytest.raises(ValueError, match="scale=5 is not supported; accepted: 2, 3, 4"):
        resolve("aplus", 5, {})
    with pytest.raises(ValueError, match="unknown method 'aplsu'"):
        resolve("aplsu", 2, {})


def test_plugins_register_through_the_same_dispatcher():
    calls = []

    @register_method("test_double", description="test", reference="-", scales=(2,),
                     channels="luminance", options={"gain": "multiplies the output"})
    def _double(y, scale, gain=1.0):
        calls.append(y.dtype)
        return gain * y.repeat(2, 0).repeat(2, 1)

    try:
        out = classicsr.upscale(RGB, 2, "test_double")
        assert out.shape == (128, 128, 3) and out.dtype == np.uint8 and calls == [np.float64]
        with pytest.raises(TypeError, match="accepted: gain=1.0"):
            classicsr.upscale(RGB, 2, "test_double", gian=2)
        with pytest.raises(ValueError, match="option 'x' is not described"):
            register_method("test_bad", description="-", reference="-")(lambda i, s, x=1: i)
    finally:
        unregister_method("test_double")
        unregister_method("test_bad")


def test_usable_methods_need_their_model_at_that_scale():
    names = usable_methods(3)
    assert {"bicubic", "aplus", "scsr", "gr"} <= set(names)
    assert "l1btv" not in names
    assert "aplus" not in usable_methods(5)


# --- the model store --------------------------------------------------------------------

def test_one_store_for_npz_and_onnx():
    clear_cache()
    zeyde = get_model("zeyde", 3)
    assert get_model("zeyde", 3) is zeyde  # cached
    assert get_model("zeyde", 3, zeyde) is zeyde  # a fitted model is used as it is
    path, entry = shipped_model_path("zeyde", 3)
    assert get_model("zeyde", 3, path).method == "zeyde"
    assert model_family("srcnn").suffix == ".onnx"
    from classicsr.cnn.train import CNNTrainer

    assert model_family("aplus").estimator is not None
    assert model_family("srcnn").estimator is CNNTrainer


def test_model_store_errors(tmp_path):
    png = tmp_path / "some.png"
    png.write_bytes(b"\x89PNG")
    with pytest.raises(ValueError, match="is not a .npz file"):
        get_model("aplus", 3, png)
    with pytest.raises(FileNotFoundError, match="no such model file"):
        get_model("aplus", 3, tmp_path / "missing.npz")
    with pytest.raises(ValueError, match="is zeyde x3, not zeyde x2"):
        get_model("zeyde", 2, shipped_model_path("zeyde", 3)[0])
    with pytest.raises(ValueError, match="is zeyde x3, not aplus"):
        get_model("aplus", 3, _copy_shipped("zeyde", 3, tmp_path))
    with pytest.raises(TypeError, match="model must be None, a path or a fitted APlus, got int"):
        get_model("aplus", 3, 42)
    with pytest.raises(FileNotFoundError, match="no shipped aplus model at scale 5"):
        get_model("aplus", 5)


def _copy_shipped(family, scale, folder):
    import shutil

    target = folder / f"{family}_copy.npz"
    shutil.copy(shipped_model_path(family, scale)[0], target)
    return target


def test_shipped_model_checked_against_the_manifest(tmp_path, monkeypatch):
    import classicsr.modelstore as store

    original = store.read_manifest()
    name = next(n for n, e in original["models"].items() if e["method"] == "zeyde"
                and e["scale"] == 2)
    broken = {"models": {name: {**original["models"][name], "sha256": "0" * 64}}}
    monkeypatch.setattr(store, "read_manifest", lambda: broken)
    clear_cache()
    with pytest.raises(ValueError, match="is corrupt: sha256"):
        get_model("zeyde", 2)
    clear_cache()


def test_the_store_is_thread_safe():
    clear_cache()
    results = []

    def load():
        results.append(get_model("kmeans", 2))

    threads = [threading.Thread(target=load) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 and all(r.method == "kmeans" for r in results)


# --- estimators -------------------------------------------------------------------------

def _estimators():
    from classicsr.example_based import APlus, KMeansRegressors, ScSRDictionary, ZeydeDictionary

    return [ZeydeDictionary, APlus, KMeansRegressors, ScSRDictionary]


@pytest.mark.parametrize("cls", _estimators(), ids=lambda c: c.__name__)
def test_estimators_follow_scikit_learn(cls):
    from sklearn.base import BaseEstimator, clone
    from sklearn.exceptions import NotFittedError

    model = cls(2, random_state=7)
    assert isinstance(model, BaseEstimator)
    params = model.get_params(deep=True)
    assert params["scale"] == 2 and params["random_state"] == 7
    copy = clone(model)
    assert copy is not model and copy.get_params() == model.get_params()
    assert model.set_params(random_state=3) is model and model.random_state == 3
    with pytest.raises(NotFittedError):
        model.upscale(RGB)
    with pytest.raises(NotFittedError):
        model.save("never-written.npz")
    # the same names for the same ideas
    names = set(cls._get_param_names())
    assert not names & {"seed", "max_samples", "n_samples", "projection_dtype",
                        "storage_dtype"}


@pytest.mark.parametrize("check", ["check_no_attributes_set_in_init",
                                   "check_parameters_default_constructible",
                                   "check_get_params_invariance", "check_set_params"])
@pytest.mark.parametrize("cls", _estimators(), ids=lambda c: c.__name__)
def test_scikit_learn_estimator_checks(cls, check):
    """The checks of ``sklearn.utils.estimator_checks`` that apply to estimators
    fitted on lists of images (the others assume ``fit(X, y)`` on a 2-D array)."""
    from sklearn.utils import estimator_checks

    getattr(estimator_checks, check)(cls.__name__, cls())


def test_fit_validates_its_images():
    from classicsr.example_based import ZeydeDictionary

    with pytest.raises(TypeError, match="images must be a list of images"):
        ZeydeDictionary(3).fit(RGB)
    with pytest.raises(ValueError, match="images is empty"):
        ZeydeDictionary(3).fit([])
    with pytest.raises(TypeError, match=r"images\[1\] has dtype int64"):
        ZeydeDictionary(3).fit([RGB, RGB.astype(np.int64)])
    with pytest.raises(ValueError, match="scale=5 is not supported"):
        ZeydeDictionary(5).fit([RGB])


def _small_zeyde(images):
    from classicsr.example_based import ZeydeDictionary

    return ZeydeDictionary(3, n_atoms=32, n_iter=2, random_state=0).fit(images)


def test_zeyde_trains_the_same_model_from_any_dtype():
    hr = data.astronaut()[:120, :120]
    models = [_small_zeyde([img]) for img in
              (hr, hr.astype(np.uint16) * 257, hr / 255.0, (hr / 255.0).astype(np.float32))]
    for other in models[1:3]:
        for name in ("projection_", "dict_lo_", "dict_hi_"):
            np.testing.assert_allclose(getattr(other, name), getattr(models[0], name),
                                       atol=1e-8)
    # float32 input: the same model to float32 precision of the input
    np.testing.assert_allclose(models[3].dict_hi_, models[0].dict_hi_, atol=2e-4)


def test_fitted_model_upscales_through_the_dispatcher(tmp_path):
    from sklearn.base import clone

    hr = data.astronaut()[:120, :120]
    model = _small_zeyde([hr])
    lr = classicsr.degrade(hr, 3)
    direct = model.upscale(lr)
    np.testing.assert_array_equal(direct, classicsr.upscale(lr, 3, "zeyde", model=model))
    assert direct.shape == (120, 120, 3) and direct.dtype == np.uint8
    # GR on this dictionary goes through the same store
    assert classicsr.upscale(lr, 3, "gr", model=model).shape == (120, 120, 3)
    path = tmp_path / "z.npz"
    model.save(path)
    np.testing.assert_array_equal(classicsr.upscale(lr, 3, "zeyde", model=str(path)), direct)
    # a clone is unfitted and refits to the same model (seeded)
    refit = clone(model).fit([hr])
    np.testing.assert_array_equal(refit.dict_hi_, model.dict_hi_)


def test_aplus_takes_its_dictionary_as_a_parameter():
    from sklearn.base import clone

    from classicsr.example_based import APlus

    hr = data.astronaut()[:96, :96]
    zeyde = _small_zeyde([hr])
    aplus = APlus(3, dictionary=zeyde, n_neighbours=64, pyramid_levels=1).fit([hr])
    assert aplus.anchors_.shape[0] == 32
    cloned = clone(aplus)
    assert not cloned.dictionary.is_fitted()  # cloned like any nested estimator
    assert cloned.set_params(dictionary__n_iter=1).dictionary.n_iter == 1
    assert aplus.upscale(classicsr.degrade(hr, 3)).shape == (96, 96, 3)


def test_shipped_models_keep_loading_under_the_new_names():
    aplus = get_model("aplus", 3)
    assert aplus.regressor_dtype == "float16" and aplus.max_patches == 5_000_000
    assert get_model("scsr", 3).n_patches == 100_000
    assert get_model("kmeans", 3).regressor_dtype == "float16"


# --- validation helpers -----------------------------------------------------------------

def test_validation_helpers_speak_one_style():
    assert check_int(3, "n", minimum=1) == 3
    with pytest.raises(TypeError, match=r"n must be an integer >= 1, got float 2.0"):
        check_int(2.0, "n", minimum=1)
    with pytest.raises(TypeError, match="n must be an integer, got bool True"):
        check_int(True, "n")
    with pytest.raises(ValueError, match=r"n must be an integer >= 1 and <= 4, got 5"):
        check_int(5, "n", minimum=1, maximum=4)
    assert check_int(None, "n", allow_none=True) is None
    with pytest.raises(ValueError, match=r"sigma must be a finite number > 0, got 0"):
        check_real(0, "sigma", minimum=0, strict_minimum=True)
    with pytest.raises(ValueError, match="finite"):
        check_real(float("nan"), "sigma")
    with pytest.raises(TypeError, match="flag must be True or False, got int 1"):
        check_bool(1, "flag")
    with pytest.raises(ValueError, match="unknown kernel 'cubic'; known: a, b"):
        check_choice("cubic", "kernel", ("b", "a"))


def test_learned_scales_live_in_the_registry():
    assert LEARNED_SCALES == (2, 3, 4)
    assert get_method("srcnn").scales == LEARNED_SCALES == get_method("aplus").scales


# --- enhanced prediction ----------------------------------------------------------------

def test_ensemble_is_the_mean_over_the_eight_transforms():
    from classicsr._image import dihedral as _transform, undo_dihedral as _untransform

    x = np.random.default_rng(3).random((13, 17, 3))
    for k in range(8):
        np.testing.assert_array_equal(_untransform(_transform(x, k), k), x)
    # interpolation is equivariant: the mean of the 8 equals one run (to rounding)
    one = classicsr.upscale(x, 3, "bicubic")
    np.testing.assert_allclose(classicsr.upscale(x, 3, "bicubic", ensemble=True), one,
                               atol=1e-14)
    # a method that is not: the mean of the transformed runs, transformed back
    lr = classicsr.degrade(classicsr.modcrop(data.chelsea(), 3), 3)
    runs = [_untransform(classicsr.upscale(_transform(lr / 255.0, k), 3, "aplus"), k)
            for k in range(8)]
    expected = _image.from_unit(np.mean(runs, axis=0), np.uint8)
    got = classicsr.upscale(lr, 3, "aplus", ensemble=True)
    assert np.abs(got.astype(int) - expected).max() <= 1  # summation order of the mean


def test_ensemble_improves_the_learnt_methods_on_a_held_out_image():
    """Measured on chelsea x3 (not used to train or tune): A+ 33.468 -> 33.500 dB,
    ANR 33.435 -> 33.468, SRCNN 33.303 -> 33.398."""
    hr = classicsr.modcrop(data.chelsea(), 3)
    lr = classicsr.degrade(hr, 3)
    for method, gain in (("aplus", 0.025), ("anr", 0.025)):
        plain = classicsr.psnr(hr, classicsr.upscale(lr, 3, method), crop_border=3)
        better = classicsr.psnr(hr, classicsr.upscale(lr, 3, method, ensemble=True),
                                crop_border=3)
        assert better - plain > gain, (method, plain, better)
    with pytest.raises(TypeError, match="ensemble must be True or False"):
        classicsr.upscale(lr, 3, "aplus", ensemble=1)


def test_protocol_and_cli_take_the_ensemble(tmp_path):
    from classicsr.cli import main
    from classicsr.protocol import evaluate_image

    hr = data.chelsea()[:150, :150]
    plain = evaluate_image(hr, 3, "aplus")["psnr"]
    assert evaluate_image(hr, 3, "aplus", ensemble=True)["psnr"] > plain
    src = tmp_path / "lr.png"
    from classicsr.io import read_image, write_image

    write_image(src, classicsr.degrade(hr, 3))
    assert main(["upscale", str(src), str(tmp_path / "sr.png"), "--scale", "3",
                 "--method", "aplus", "--ensemble"]) == 0
    np.testing.assert_array_equal(read_image(tmp_path / "sr.png"),
                                  classicsr.upscale(read_image(src), 3, "aplus",
                                                    ensemble=True))


# --- training-set augmentation ----------------------------------------------------------

def test_augment_trains_on_the_eight_rotations_and_flips():
    from sklearn.base import clone

    from classicsr._estimator import augmented
    from classicsr._image import dihedral
    from classicsr.example_based import ZeydeDictionary

    hr = data.astronaut()[:90, :120]
    images = augmented([hr], True)
    assert len(images) == 8 and images[0] is not hr and np.array_equal(images[0], hr)
    assert {im.shape[:2] for im in images} == {(90, 120), (120, 90)}
    np.testing.assert_array_equal(images[5], dihedral(hr, 5))
    assert augmented([hr], False) == [hr]
    with pytest.raises(TypeError, match="augment must be True or False"):
        augmented([hr], "yes")
    plain = ZeydeDictionary(3, n_atoms=32, n_iter=2).fit([hr])
    model = ZeydeDictionary(3, n_atoms=32, n_iter=2, augment=True)
    assert clone(model).augment is True
    model.fit([hr])
    assert model.n_training_patches_ == 8 * plain.n_training_patches_
    # the augmented set is the explicit list of transforms, trained without augment
    explicit = ZeydeDictionary(3, n_atoms=32, n_iter=2).fit(
        [dihedral(hr, k) for k in range(8)])
    np.testing.assert_array_equal(model.dict_hi_, explicit.dict_hi_)
