"""CNNTrainer: SRCNN / FSRCNN / ESPCN training as a scikit-learn estimator on the model store.

The parameter and validation tests run without torch; the fits (tiny networks,
a few steps) need torch and onnx (the ``train`` extra) and ONNX Runtime, and
are skipped with the reason when one is missing.
"""

import copy
import pickle
import subprocess
import sys

import numpy as np
import pytest
from skimage import data

import classicsr
import classicsr.training
from classicsr.cnn.train import DEFAULTS, CNNTrainer
from classicsr.modelstore import get_model, model_family

CPU = "CPUExecutionProvider"
RGB = data.astronaut()[96:192, 160:256]      # uint8 RGB, 96 x 96
GREY = data.camera()[200:272, 220:300]      # uint8 grey, 72 x 80
#: Tiny networks and runs: seconds on one CPU thread.
TINY = {"srcnn": {"network": {"n1": 8, "n2": 4}, "iterations": 20, "batch_size": 8},
        "fsrcnn": {"network": {"d": 8, "s": 4, "m": 1}, "iterations": 20, "batch_size": 8},
        "espcn": {"network": {"n1": 8, "n2": 4}, "iterations": 20, "batch_size": 8}}


def _trainer(method="srcnn", scale=3, **params):
    return CNNTrainer(method, scale, **{"random_state": 2, "threads": 1, "verbose": False,
                                        **TINY[method], **params})


def _fitted(method, scale, images, **params):
    return _trainer(method, scale, **params).fit(images)


@pytest.fixture(scope="module")
def training():
    """torch, onnx and onnxruntime, or a skip that says what to install."""
    reason = 'needs the train extra (pip install "classicsr[train]") and onnxruntime'
    pytest.importorskip("torch", reason=reason)
    pytest.importorskip("onnx", reason=reason)
    pytest.importorskip("onnxruntime", reason=reason)


@pytest.fixture(scope="module")
def srcnn_uint8(training):
    return _fitted("srcnn", 3, [RGB, GREY])


@pytest.fixture(scope="module")
def fsrcnn_x2(training):
    return _fitted("fsrcnn", 2, [RGB, GREY])


@pytest.fixture(scope="module")
def espcn_x4(training):
    return _fitted("espcn", 4, [RGB, GREY])


# --- parameters, without torch ---------------------------------------------------------

def test_parameters_without_torch():
    """Constructing, cloning and listing the parameters imports neither torch nor onnx;
    fit then names the extra to install."""
    code = """
import sys

class NoTorch:  # an import of torch or onnx fails, as when they are not installed
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("torch", "onnx"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)

sys.meta_path.insert(0, NoTorch())
import numpy as np
from sklearn.base import clone
import classicsr
import classicsr.training
from classicsr.cnn.train import CNNTrainer
classicsr.get_method("srcnn")
model = CNNTrainer("fsrcnn", 2, iterations=5, random_state=7)
copy = clone(model)
assert copy.get_params() == model.get_params() and copy is not model
assert copy.set_params(lr=1e-4).lr == 1e-4
try:
    model.fit([np.zeros((40, 40), np.uint8)])
except ModuleNotFoundError as exc:
    print(exc)
print(sorted(model.get_params()))
assert "torch" not in sys.modules and "onnx" not in sys.modules
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert 'pip install "classicsr[train]"' in out.stdout
    assert "'random_state'" in out.stdout and "'method'" in out.stdout


def test_get_params_clone_set_params():
    from sklearn.base import clone

    model = CNNTrainer("fsrcnn", 4, iterations=50, network={"d": 32}, random_state=5)
    params = model.get_params()
    assert params["method"] == "fsrcnn" and params["scale"] == 4
    assert params["iterations"] == 50 and params["network"] == {"d": 32}
    assert params["random_state"] == 5 and params["checkpoint_every"] == 1000
    assert set(params) == {"method", "scale", "iterations", "batch_size", "lr", "lr_min",
                           "network", "random_state", "device", "threads", "checkpoint_dir",
                           "checkpoint_every", "validate_every", "validation", "verbose"}
    twin = clone(model)
    assert twin is not model and twin.get_params() == params
    assert model.set_params(lr=1e-4, scale=2) is model and (model.lr, model.scale) == (1e-4, 2)
    # None means the paper defaults, stored as given (no validation in __init__)
    default = CNNTrainer()
    assert (default.method, default.scale, default.iterations) == ("srcnn", 3, None)
    assert CNNTrainer(method="nonsense", scale=7).scale == 7
    assert DEFAULTS["srcnn"]["iterations"] == 15000
    # the same names for the same ideas as the other trainable models
    assert not set(params) & {"seed", "max_samples", "n_samples"}


@pytest.mark.parametrize("check", ["check_no_attributes_set_in_init",
                                   "check_parameters_default_constructible",
                                   "check_get_params_invariance", "check_set_params"])
def test_scikit_learn_estimator_checks(check):
    from sklearn.utils import estimator_checks

    getattr(estimator_checks, check)("CNNTrainer", CNNTrainer())


def test_not_fitted(tmp_path):
    from sklearn.exceptions import NotFittedError

    model = CNNTrainer("srcnn", 3)
    assert not model.is_fitted()
    with pytest.raises(NotFittedError):
        model.upscale(RGB)
    with pytest.raises(NotFittedError):
        model.export(tmp_path / "never.onnx")
    assert not (tmp_path / "never.onnx").exists()
    with pytest.raises(NotFittedError):
        classicsr.upscale(RGB, 3, method="srcnn", model=model)


def test_fit_validates_its_images():
    model = _trainer()
    with pytest.raises(TypeError, match="images must be a list of images"):
        model.fit(RGB)
    with pytest.raises(TypeError, match="read_training_images"):
        model.fit("some/folder")
    with pytest.raises(ValueError, match="images is empty"):
        model.fit([])
    with pytest.raises(TypeError, match=r"images\[1\] has dtype int64"):
        model.fit([RGB, GREY.astype(np.int64)])
    with pytest.raises(ValueError, match=r"images\[0\] contains NaN"):
        model.fit([np.full((40, 40), np.nan)])
    with pytest.raises(ValueError, match="method"):
        CNNTrainer("vdsr", 3).fit([RGB])
    with pytest.raises(ValueError, match="scale"):
        CNNTrainer("srcnn", 5).fit([RGB])
    with pytest.raises(ValueError, match="lr_min <= lr"):
        CNNTrainer("srcnn", 3, lr=1e-5, lr_min=1e-3).fit([RGB])
    with pytest.raises(TypeError, match="random_state"):
        CNNTrainer("srcnn", 3, random_state=1.5).fit([RGB])
    assert not model.is_fitted()


def test_model_store_family():
    for method in ("srcnn", "fsrcnn", "espcn"):
        family = model_family(method)
        assert family.estimator is CNNTrainer and family.model_type is CNNTrainer
        assert family.adapt is not None and family.suffix == ".onnx"
    assert {"srcnn", "fsrcnn", "espcn"} <= set(classicsr.training.trainable_methods())
    with pytest.raises(TypeError, match="model must be None, a path or a fitted CNNTrainer, "
                                        "got int"):
        get_model("srcnn", 3, 3)


def test_train_help_lists_the_cnns():
    out = subprocess.run([sys.executable, "-m", "classicsr", "train", "--help"],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert "srcnn" in out.stdout and "fsrcnn" in out.stdout and "espcn" in out.stdout


# --- fitting (torch, onnx, onnxruntime) ------------------------------------------------

def test_fit_is_seeded_and_dtype_independent(training, srcnn_uint8):
    import torch

    model = srcnn_uint8
    assert model.is_fitted() and model.network_ is not None
    assert isinstance(model.onnx_model_, bytes) and model.onnx_max_abs_diff_ <= 1e-5
    assert model.n_sub_images_ == model.n_training_patches_ > 0
    assert model.training_seconds_ > 0 and model.history_[-1]["step"] == 20
    assert model.config_.network["n1"] == 8 and model.seed_ == 2
    again = _fitted("srcnn", 3, [RGB, GREY])
    assert again.onnx_model_ == model.onnx_model_  # same seed, same network, same file
    as_uint16 = _fitted("srcnn", 3, [RGB.astype(np.uint16) * 257, GREY.astype(np.uint16) * 257])
    as_float = _fitted("srcnn", 3, [RGB / 255.0, (GREY / 255.0).astype(np.float32)])
    lr = classicsr.imresize(RGB, 1 / 3) / 255.0
    expected = model.upscale(lr, providers=CPU)
    for other in (as_uint16, as_float):  # the same pictures: the same network to float32
        for a, b in zip(model.network_.state_dict().values(),
                        other.network_.state_dict().values()):
            torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-4)
        np.testing.assert_allclose(other.upscale(lr, providers=CPU), expected, atol=1e-5)
    other_seed = _fitted("srcnn", 3, [RGB, GREY], random_state=3)
    assert other_seed.onnx_model_ != model.onnx_model_


@pytest.mark.parametrize("which", ["srcnn_uint8", "fsrcnn_x2", "espcn_x4"])
def test_upscale_is_the_dispatcher_and_the_exported_file(which, request, tmp_path):
    model = request.getfixturevalue(which)
    scale = model.scale
    for lr in (classicsr.imresize(RGB, 1 / scale), GREY[:30, :27] / 255.0):
        got = model.upscale(lr, providers=CPU)
        assert got.shape[:2] == (scale * lr.shape[0], scale * lr.shape[1])
        assert got.dtype == lr.dtype
        same = classicsr.upscale(lr, scale, method=model.method, model=model, providers=CPU)
        np.testing.assert_array_equal(got, same)
        path = model.export(tmp_path / f"{which}.onnx", overwrite=True)
        assert path.read_bytes() == model.onnx_model_
        from_file = classicsr.upscale(lr, scale, method=model.method, model=path,
                                      providers=CPU)
        np.testing.assert_array_equal(got, from_file)
        tiled = model.upscale(lr, providers=CPU, tile_size=7)
        np.testing.assert_array_equal(got, tiled)
    # the network is loaded once per choice of providers
    net = get_model(model.method, scale, model, providers=(CPU,), provider_options=None)
    assert net is model.onnx_network(CPU)
    assert net.method == model.method and net.scale == scale and net.providers[0] == CPU


def test_model_object_checks(training, srcnn_uint8, fsrcnn_x2, espcn_x4, tmp_path):
    lr = GREY[:20, :20] / 255.0
    with pytest.raises(ValueError, match="is espcn x4, not fsrcnn x4"):
        classicsr.upscale(lr, 4, method="fsrcnn", model=espcn_x4)
    with pytest.raises(ValueError, match="is espcn x4, not espcn x2"):
        classicsr.upscale(lr, 2, method="espcn", model=espcn_x4)
    with pytest.raises(ValueError, match="is srcnn x3, not srcnn x2"):
        classicsr.upscale(lr, 2, method="srcnn", model=srcnn_uint8)
    with pytest.raises(ValueError, match="is fsrcnn x2, not srcnn x2"):
        classicsr.upscale(lr, 2, method="srcnn", model=fsrcnn_x2)
    srcnn_uint8.export(tmp_path / "a.onnx")
    with pytest.raises(FileExistsError):
        srcnn_uint8.export(tmp_path / "a.onnx")
    with pytest.raises(ValueError, match=r"\.onnx file"):
        srcnn_uint8.export(tmp_path / "a.npz")


def test_fitted_model_copies(training, fsrcnn_x2):
    from sklearn.base import clone

    lr = GREY[:24, :30]
    expected = fsrcnn_x2.upscale(lr, providers=CPU)
    for twin in (pickle.loads(pickle.dumps(fsrcnn_x2)), copy.deepcopy(fsrcnn_x2)):
        assert twin.onnx_model_ == fsrcnn_x2.onnx_model_
        np.testing.assert_array_equal(twin.upscale(lr, providers=CPU), expected)
    fresh = clone(fsrcnn_x2)
    assert not fresh.is_fitted() and fresh.get_params() == fsrcnn_x2.get_params()


def test_fit_resumes_from_its_checkpoint(training, tmp_path):
    first = _fitted("fsrcnn", 3, [GREY], checkpoint_dir=tmp_path, checkpoint_every=5)
    assert (tmp_path / "last.pt").is_file()
    again = _fitted("fsrcnn", 3, [GREY], checkpoint_dir=tmp_path, checkpoint_every=5)
    assert again.onnx_model_ == first.onnx_model_
    with pytest.raises(ValueError, match="is of another run"):
        _fitted("fsrcnn", 3, [GREY], checkpoint_dir=tmp_path, random_state=9)


def test_fit_gives_the_network_of_train(training, tmp_path):
    """What data/recipes/train_cnn.py records: CNNTrainer(random_state=seed).fit(images)
    then export writes the file train(seed=seed) then export_onnx wrote."""
    from classicsr.cnn.export import export_onnx
    from classicsr.cnn.train import train
    from classicsr.datasets import read_training_images
    from classicsr.io import write_image

    write_image(tmp_path / "t91" / "a.png", RGB)
    write_image(tmp_path / "t91" / "b.png", GREY)
    images = read_training_images(tmp_path / "t91", paper_luminance=True)
    settings = TINY["fsrcnn"]
    result = train("fsrcnn", 3, images=images, seed=4, threads=1, progress=False,
                   log=lambda line: None, **settings)
    export_onnx(result.network, tmp_path / "train.onnx")
    model = _fitted("fsrcnn", 3, images, random_state=4)
    model.export(tmp_path / "fit.onnx")
    assert (tmp_path / "fit.onnx").read_bytes() == (tmp_path / "train.onnx").read_bytes()
    assert model.n_sub_images_ == result.n_sub_images and model.config_ == result.config
