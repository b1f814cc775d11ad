"""ScSR with an external dictionary in the layout of Yang's MATLAB code (``.mat``)."""

import numpy as np
import pytest
from scipy.io import savemat
from skimage import data

import classicsr
from classicsr.cli import main
from classicsr.example_based.scsr import (
    SCSR_FILTERS,
    ScSRDictionary,
    _features,
    scsr_filtered,
)
from classicsr.modelstore import get_model


def _yang_layout(model):
    """``Dh``, ``Dl`` as Yang's code holds them: atoms as columns, each p x p block
    flattened in MATLAB's column-major order (``(:)``), written here independently of
    the loader: ``patch.flatten(order="F")`` on row-major patches."""
    p, k = model.patch_size, model.dict_hi_.shape[0]
    dh = np.stack([a.reshape(p, p).flatten(order="F") for a in model.dict_hi_], axis=1)
    # lImfea(y:y+p-1, x:x+p-1, :)(:) of an (h, w, 4) array
    dl = np.stack([a.reshape(4, p, p).transpose(1, 2, 0).flatten(order="F")
                   for a in model.dict_lo_], axis=1)
    assert dh.shape == (p * p, k) and dl.shape == (4 * p * p, k)
    return dh, dl


def _lr():
    """A small LR image (ScSR codes every pixel's patch: seconds)."""
    return data.camera()[200:236, 220:260]


@pytest.fixture(scope="module")
def shipped_x2():
    return get_model("scsr", 2)


@pytest.fixture(scope="module")
def yang_mat(shipped_x2, tmp_path_factory):
    path = tmp_path_factory.mktemp("scsr") / "D_1024_0.15_5.mat"
    dh, dl = _yang_layout(shipped_x2)
    savemat(path, {"Dh": dh, "Dl": dl})
    return path


def test_matlab_order_is_what_scsr_m_computes(tmp_path):
    """A random Yang dictionary applied as ScSR.m applies it (``Dl' * mPatchFea(:)``,
    ``reshape(Dh * w, [p, p])``) equals the loaded one applied in this package's layout."""
    rng = np.random.default_rng(0)
    p, k = 5, 7
    dh, dl = rng.standard_normal((p * p, k)), rng.standard_normal((4 * p * p, k))
    mid = rng.random((20, 23)) * 255
    filtered = scsr_filtered(mid)
    assert len(filtered) == len(SCSR_FILTERS) == 4
    lim_fea = filtered.transpose(1, 2, 0)  # MATLAB's lImfea, (h, w, 4)
    y, x = 6, 9
    matlab_features = lim_fea[y:y + p, x:x + p, :].flatten(order="F")
    w = rng.standard_normal(k)
    savemat(tmp_path / "d.mat", {"Dh": dh, "Dl": dl})
    model = ScSRDictionary.from_mat(tmp_path / "d.mat", 2)
    ours = _features(filtered, p, np.array([y]), np.array([x]))[0]
    np.testing.assert_allclose(ours @ model.dict_lo_.T, matlab_features @ dl, rtol=1e-12)
    np.testing.assert_allclose((w @ model.dict_hi_).reshape(p, p),
                               np.reshape(dh @ w, (p, p), order="F"), rtol=1e-12)
    assert (model.n_atoms, model.patch_size, model.scale) == (k, p, 2)


def test_round_trip_gives_the_native_output(shipped_x2, yang_mat, tmp_path):
    """The shipped x2 dictionary written in Yang's layout and read back gives the same
    image, through ``model=PATH.mat``, a loaded model and the command line."""
    lr = _lr()
    loaded = ScSRDictionary.from_mat(yang_mat, 2)
    np.testing.assert_array_equal(loaded.dict_hi_, shipped_x2.dict_hi_)
    np.testing.assert_array_equal(loaded.dict_lo_, shipped_x2.dict_lo_)
    native = classicsr.upscale(lr, 2, method="scsr")
    np.testing.assert_array_equal(classicsr.upscale(lr, 2, method="scsr", model=yang_mat),
                                  native)
    np.testing.assert_array_equal(classicsr.upscale(lr, 2, method="scsr", model=loaded), native)
    src, out, ref = tmp_path / "lr.png", tmp_path / "out.png", tmp_path / "ref.png"
    classicsr.io.write_image(src, lr)
    assert main(["upscale", str(src), str(out), "--scale", "2", "--method", "scsr",
                 "--model", str(yang_mat)]) == 0
    assert main(["upscale", str(src), str(ref), "--scale", "2", "--method", "scsr"]) == 0
    np.testing.assert_array_equal(classicsr.io.read_image(out), classicsr.io.read_image(ref))


def test_settings_are_passed(yang_mat):
    model = ScSRDictionary.from_mat(str(yang_mat), 3, lam=0.1, backprojection_iterations=0)
    assert (model.scale, model.lam, model.backprojection_iterations) == (3, 0.1, 0)
    assert model.is_fitted() and model.n_atoms == 1024


def test_bad_files(tmp_path):
    rng = np.random.default_rng(1)
    no_keys = tmp_path / "no_keys.mat"
    savemat(no_keys, {"D": rng.random((125, 8)), "Dh": rng.random((25, 8))})
    with pytest.raises(ValueError, match=r"no Dl: found keys \['D', 'Dh'\]"):
        ScSRDictionary.from_mat(no_keys, 2)
    wrong = tmp_path / "wrong.mat"
    savemat(wrong, {"Dh": rng.random((25, 8)), "Dl": rng.random((80, 8))})
    with pytest.raises(ValueError, match=r"found Dh \(25, 8\) and Dl \(80, 8\).*Dl \(100, 8\)"):
        ScSRDictionary.from_mat(wrong, 2)
    with pytest.raises(ValueError, match=r"found Dh \(25, 8\) and Dl \(80, 8\)"):
        classicsr.upscale(_lr(), 2, method="scsr", model=wrong)
    not_square = tmp_path / "not_square.mat"
    savemat(not_square, {"Dh": rng.random((24, 8)), "Dl": rng.random((96, 8))})
    with pytest.raises(ValueError, match=r"Dh \(p\*p, K\) for an integer patch side"):
        ScSRDictionary.from_mat(not_square, 2)
    nan = tmp_path / "nan.mat"
    savemat(nan, {"Dh": np.full((25, 2), np.nan), "Dl": np.ones((100, 2))})
    with pytest.raises(ValueError, match="finite"):
        ScSRDictionary.from_mat(nan, 2)
    garbage = tmp_path / "garbage.mat"
    garbage.write_bytes(b"not a mat file at all" * 20)
    with pytest.raises(ValueError, match="not a readable MATLAB .mat file"):
        ScSRDictionary.from_mat(garbage, 2)
    with pytest.raises(FileNotFoundError, match="no such dictionary file"):
        ScSRDictionary.from_mat(tmp_path / "absent.mat", 2)
    with pytest.raises(FileNotFoundError, match="no such dictionary file"):
        classicsr.upscale(_lr(), 2, method="scsr", model=tmp_path / "absent.mat")
    with pytest.raises(TypeError, match="path must be a str or Path"):
        ScSRDictionary.from_mat(3, 2)
    with pytest.raises(TypeError, match="unknown ScSRDictionary parameters"):
        ScSRDictionary.from_mat(wrong, 2, lambda_=0.1)
    with pytest.raises(TypeError, match="n_atoms"):
        ScSRDictionary.from_mat(wrong, 2, n_atoms=8)
    ok = tmp_path / "ok.mat"
    savemat(ok, {"Dh": rng.random((25, 8)), "Dl": rng.random((100, 8))})
    with pytest.raises(ValueError, match="scale"):
        ScSRDictionary.from_mat(ok, 5)
