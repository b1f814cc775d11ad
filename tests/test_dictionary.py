"""Example-based methods: training on small synthetic sets, model files, CLI."""

import json

import numpy as np
import pytest
from skimage import data

import classicsr
from classicsr import modelstore
from classicsr.cli import main
from classicsr.example_based.aplus import APlus
from classicsr.example_based.zeyde import ZeydeDictionary
from classicsr.io import write_image
from classicsr.protocol import evaluate_image


def _training_images():
    grey = [data.camera(), data.coins(), data.moon()]
    colour = [classicsr.rgb2ycbcr(data.astronaut())[..., 0],
              classicsr.rgb2ycbcr(data.coffee())[..., 0]]
    return [img[:200, :200] / 255.0 for img in grey + colour]


@pytest.fixture(scope="module")
def zeyde_x2():
    return ZeydeDictionary(2, n_atoms=64, n_iter=3, max_patches=20000, random_state=0).fit(
        _training_images())


@pytest.fixture(scope="module")
def aplus_x2(zeyde_x2):
    return APlus(2, dictionary=zeyde_x2, n_neighbours=256, pyramid_levels=2,
                 max_patches=20000).fit(_training_images())


HELD_OUT = data.chelsea()[40:200, 100:300]  # not in the training set


@pytest.mark.parametrize("method", ["zeyde", "gr", "anr", "lle", "aplus"])
def test_methods_beat_bicubic(method, zeyde_x2, aplus_x2):
    model = aplus_x2 if method == "aplus" else zeyde_x2
    bicubic = evaluate_image(HELD_OUT, 2, "bicubic")["psnr"]
    ours = evaluate_image(HELD_OUT, 2, method, model=model)["psnr"]
    assert ours > bicubic + 0.1, (method, ours, bicubic)


def test_fitted_shapes(zeyde_x2, aplus_x2):
    d = zeyde_x2.projection_.shape[1]
    assert zeyde_x2.projection_.shape[0] == 4 * 6 * 6
    assert zeyde_x2.dict_lo_.shape == (64, d) and zeyde_x2.dict_hi_.shape == (64, 36)
    np.testing.assert_allclose(np.linalg.norm(zeyde_x2.dict_lo_, axis=1), 1, atol=1e-9)
    assert aplus_x2.regressors_.shape == (64, 36, d)


def test_save_load_round_trip(zeyde_x2, aplus_x2, tmp_path):
    lr = classicsr.degrade(HELD_OUT, 2)
    for model, cls in ((zeyde_x2, ZeydeDictionary), (aplus_x2, APlus)):
        path = tmp_path / f"{model.method}.npz"
        model.save(path)
        with pytest.raises(FileExistsError):
            model.save(path)
        loaded = cls.load(path)
        method = model.method
        np.testing.assert_array_equal(classicsr.upscale(lr, 2, method, model=str(path)),
                                      classicsr.upscale(lr, 2, method, model=model))
        assert loaded.scale == 2
        with np.load(path, allow_pickle=False) as raw:
            assert "__header__" in raw.files


def test_corrupt_and_truncated_models(zeyde_x2, tmp_path, monkeypatch):
    path = tmp_path / "z.npz"
    zeyde_x2.save(path)
    blob = path.read_bytes()
    (tmp_path / "trunc.npz").write_bytes(blob[: len(blob) // 2])
    (tmp_path / "junk.npz").write_bytes(b"not a zip file at all")
    lr = np.zeros((20, 20), np.uint8)
    for name in ("trunc.npz", "junk.npz"):
        with pytest.raises(ValueError, match=f"{name}.*(corrupt|truncated)"):
            classicsr.upscale(lr, 2, "zeyde", model=str(tmp_path / name))
    # a shipped model whose sha256 differs from the manifest is refused
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    (shipped / "zeyde_x2.npz").write_bytes(blob)
    (shipped / "manifest.json").write_text(json.dumps(
        {"models": {"zeyde_x2.npz": {"method": "zeyde", "scale": 2, "sha256": "0" * 64}}}))
    monkeypatch.setattr(modelstore, "shipped_models_dir", lambda: shipped)
    with pytest.raises(ValueError, match="sha256"):
        classicsr.upscale(lr, 2, "zeyde")
    monkeypatch.undo()
    with pytest.raises(ValueError, match="is zeyde x2, not zeyde x3"):
        classicsr.upscale(lr, 3, "zeyde", model=str(path))
    with pytest.raises(FileNotFoundError):
        classicsr.upscale(lr, 2, "zeyde", model=str(tmp_path / "missing.npz"))


def test_colour_and_grey_io(zeyde_x2):
    rgb = classicsr.degrade(HELD_OUT, 2)
    out = classicsr.upscale(rgb, 2, "anr", model=zeyde_x2)
    assert out.dtype == np.uint8 and out.shape == (160, 200, 3)
    grey = classicsr.upscale(rgb[..., 0], 2, "anr", model=zeyde_x2)
    assert grey.shape == (160, 200)
    flt = classicsr.upscale(rgb.astype(np.float32) / 255, 2, "anr", model=zeyde_x2)
    assert flt.dtype == np.float32
    assert np.abs(np.clip(flt, 0, 1) * 255 - out).max() <= 0.5 + 1e-3  # uint8 = rounded float


def test_cli_train_and_use(tmp_path, capsys):
    folder = tmp_path / "train"
    for k, img in enumerate(_training_images()[:3]):
        write_image(folder / f"{k}.png", (img * 255).astype(np.uint8))
    model = tmp_path / "m.npz"
    assert main(["train", "zeyde", "--scale", "2", "--images", str(folder), "--out",
                 str(model), "--patches", "3000", "--ksvd-iter", "2", "--seed", "1"]) == 0
    assert model.is_file()
    assert main(["train", "zeyde", "--scale", "2", "--images", str(folder), "--out",
                 str(model)]) == 1
    assert "--overwrite" in capsys.readouterr().err
    lr = tmp_path / "lr.png"
    write_image(lr, classicsr.degrade(HELD_OUT, 2))
    out = tmp_path / "sr.png"
    assert main(["upscale", str(lr), str(out), "--scale", "2", "--method", "zeyde",
                 "--model", str(model)]) == 0
    assert main(["upscale", str(lr), str(tmp_path / "b.png"), "--scale", "2",
                 "--model", str(model)]) == 1


@pytest.mark.parametrize("setup, message", [
    ("empty", "no images"),
    ("tiny", "smaller than"),
    ("missing", "does not exist"),
])
def test_training_folder_errors(tmp_path, setup, message, capsys):
    folder = tmp_path / "imgs"
    if setup != "missing":
        folder.mkdir()
    if setup == "tiny":
        write_image(folder / "a.png", np.zeros((6, 6), np.uint8))
    assert main(["train", "zeyde", "--scale", "3", "--images", str(folder), "--out",
                 str(tmp_path / "m.npz")]) == 1
    assert message in capsys.readouterr().err


def test_train_rejects_bad_scale(tmp_path):
    from classicsr.training import train_model

    with pytest.raises(ValueError, match="scale=5 is not supported"):
        train_model("zeyde", 5, tmp_path)


def test_spherical_kmeans_recovers_antipodal_clusters():
    from classicsr.example_based.kmeans import spherical_kmeans

    rng = np.random.default_rng(0)
    centres = np.linalg.qr(rng.standard_normal((8, 8)))[0][:4]        # 4 orthonormal
    labels = rng.integers(0, 4, 4000)
    signs = rng.choice([-1.0, 1.0], 4000)[:, None]
    x = signs * centres[labels] + 0.05 * rng.standard_normal((4000, 8))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    found, assigned = spherical_kmeans(x.astype(np.float32), 4, random_state=1)
    match = np.abs(found @ centres.T)
    assert (match.max(axis=1) > 0.99).all()                          # each centre found
    # f and -f land in the same cluster
    _, flipped = spherical_kmeans(-x.astype(np.float32), 4, random_state=1)
    np.testing.assert_array_equal(assigned, flipped)


def test_kmeans_method_trains_and_beats_bicubic_on_held_out(zeyde_x2):
    from classicsr.example_based.kmeans import KMeansRegressors

    model = KMeansRegressors(2, dictionary=zeyde_x2, n_clusters=32, n_atoms=8,
                             max_patches=30000, pyramid_levels=2).fit(_training_images())
    assert model.regressors_.shape[:2] == (32, 36)
    bicubic = evaluate_image(HELD_OUT, 2, "bicubic")["psnr"]
    ours = evaluate_image(HELD_OUT, 2, "kmeans", model=model)["psnr"]
    assert ours > bicubic + 0.1


def _lle_in_numpy(features, dict_lo, dict_hi, neighbours, tol):
    """NE+LLE with NumPy (stable sort, batched ``linalg.solve``): the oracle of the kernel."""
    score = np.abs(features @ dict_lo.T)
    hood = np.argsort(-score, axis=1, kind="stable")[:, :neighbours]
    z = dict_lo[hood] - features[:, None, :]
    c = z @ z.transpose(0, 2, 1)
    trace = np.trace(c, axis1=1, axis2=2)
    c += np.where(trace == 0, tol, tol * trace)[:, None, None] * np.eye(neighbours)
    w = np.linalg.solve(c, np.ones((features.shape[0], neighbours, 1)))[..., 0]
    w /= w.sum(axis=1, keepdims=True)
    return np.einsum("nk,nkd->nd", w, dict_hi[hood])


@pytest.mark.parametrize("neighbours", [1, 5, 24])
def test_lle_kernel_matches_numpy(zeyde_x2, neighbours):
    from classicsr.example_based.lle import LLE_TOL, lle_patches

    rng = np.random.default_rng(7)
    lo, hi = zeyde_x2.dict_lo_, zeyde_x2.dict_hi_
    features = np.vstack([rng.standard_normal((500, lo.shape[1])) * 0.1,
                          lo[:5],                   # an atom itself: C singular before the ridge
                          np.zeros((1, lo.shape[1]))])
    got = lle_patches(features, lo, hi, neighbours=neighbours)
    expected = _lle_in_numpy(features, lo, hi, neighbours, LLE_TOL)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9 * np.abs(expected).max())
    if neighbours == 1:  # the weight of a single neighbour is 1
        np.testing.assert_array_equal(got[500:505], hi[:5])
    with pytest.raises(ValueError, match="neighbours must be between 1 and the 64 atoms"):
        lle_patches(features, lo, hi, neighbours=65)
