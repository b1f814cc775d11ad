"""Face hallucination (classicsr.face) on faces the tests draw: always run, no data needed.

The faces are :func:`classicsr.face.synthetic_faces`: drawn, but aligned like
real ones. Thresholds are just below the values measured here.
"""

import numpy as np
import pytest

import classicsr
from classicsr.cli import main
from classicsr.face import FaceSet, align_face, degrade_face, synthetic_faces
from classicsr.face._solvers import affine_weights, basis_pursuit
from classicsr.face.methods import thresholded_lcr
from classicsr.face.protocol import box_blur, evaluate_faces
from classicsr.io import read_image, write_image

FACE_METHODS = ["face_eigen", "face_lcr", "face_line", "face_lsr", "face_ne", "face_sr",
                "face_tlcr"]
SHAPE = (60, 52)  # HR; 15 x 13 at x4


@pytest.fixture(scope="module")
def faces():
    return synthetic_faces(64, SHAPE, random_state=7)


@pytest.fixture(scope="module")
def face_model(faces):
    return FaceSet(scale=4).fit(faces[:56])


def test_face_methods_are_their_own_kind():
    face = classicsr.available_methods("face")
    assert sorted(face) == FACE_METHODS
    assert all(info.kind == "face" and info.model == "face" for info in face.values())
    assert not set(face) & set(classicsr.available_methods())  # compare/demo skip them
    assert classicsr.get_method("face_lcr").name == "face_lcr"  # upscale runs them
    assert set(face) <= set(classicsr.available_methods("all"))
    assert [o.name for o in face["face_tlcr"].options][:2] == ["model", "tau"]


def test_box_blur_is_matlab_imfilter_average():
    # imfilter(ones(6)*16, fspecial('average', 4)): zero padding, centre (2, 2)
    out = box_blur(np.full((6, 6), 16.0), 4)
    assert out[0, 0] == 9.0 and out[2, 2] == 16.0 and out[5, 5] == 4.0 and out[4, 4] == 9.0


def test_degrade_face_protocol():
    face = np.full((120, 100), 128, np.uint8)
    lr = degrade_face(face)
    assert lr.dtype == np.uint8 and lr.shape == (30, 25)
    assert lr[5:-5, 5:-5].min() == lr[5:-5, 5:-5].max() == 128
    assert lr[0, 0] < 128  # zero padding darkens the border
    as_float = degrade_face(face.astype(np.float64) / 255)
    assert as_float.dtype == np.float64 and abs(as_float * 255 - lr).max() < 1.0
    with pytest.raises(ValueError, match="not a multiple of scale 4"):
        degrade_face(np.zeros((30, 30), np.uint8))


@pytest.mark.parametrize("method, gain", [  # measured: 6.08 9.27 10.01 10.09 10.86 11.25 11.60
    ("face_eigen", 5.9), ("face_ne", 9.1), ("face_lsr", 9.9), ("face_sr", 9.9),
    ("face_lcr", 10.7), ("face_line", 11.1), ("face_tlcr", 11.4)])
def test_methods_beat_bicubic_on_aligned_faces(faces, face_model, method, gain):
    test = faces[56:]
    bicubic = evaluate_faces(test, "bicubic")[0].mean()
    p, s, _ = evaluate_faces(test, method, model=face_model)
    assert p.mean() - bicubic > gain
    assert s.mean() > evaluate_faces(test, "bicubic")[1].mean()


def test_reproducing_learning_improves_tlcr(faces, face_model):
    test = faces[56:60]
    plain = evaluate_faces(test, "face_tlcr", model=face_model)[0].mean()
    rl = evaluate_faces(test, "face_tlcr", model=face_model, reproducing=2)[0].mean()
    assert rl > plain + 0.15  # measured +0.17


def test_upscale_dtype_in_dtype_out_and_deterministic(faces, face_model):
    lr = degrade_face(faces[60])
    out = classicsr.upscale(lr, 4, method="face_lcr", model=face_model)
    assert out.dtype == np.uint8 and out.shape == SHAPE
    again = classicsr.upscale(lr, 4, method="face_lcr", model=face_model)
    assert np.array_equal(out, again)
    rgb = np.repeat(lr[:, :, None], 3, axis=2)
    assert classicsr.upscale(rgb, 4, method="face_lcr", model=face_model).shape == SHAPE + (3,)


def test_float32_gram_changes_tlcr_by_a_hair(faces, face_model):
    lr = degrade_face(faces[61]).astype(np.float64)
    a = thresholded_lcr(lr, face_model)
    b = thresholded_lcr(lr, face_model, precision=np.float64)
    assert np.abs(a - b).max() < 0.01  # grey levels


def test_input_size_must_match_the_model(face_model):
    with pytest.raises(ValueError, match=r"is 20x20 pixels but this face model hallucinates "
                                         r"15x13 faces"):
        classicsr.upscale(np.zeros((20, 20), np.uint8), 4, method="face_lcr",
                          model=face_model)


def test_face_set_errors(faces):
    with pytest.raises(ValueError, match="too few faces: got 3"):
        FaceSet().fit(faces[:3])
    mixed = faces[:12] + [np.zeros((64, 52), np.uint8)]
    with pytest.raises(ValueError, match="one size: face 0 is 60x52, face 12 is 64x52"):
        FaceSet().fit(mixed)
    with pytest.raises(ValueError, match="scale 4 does not divide the face size 62x52"):
        FaceSet().fit([np.zeros((62, 52), np.uint8)] * 12)
    with pytest.raises(ValueError, match="scale=5 is not supported"):
        FaceSet(scale=5).fit(faces[:12])
    with pytest.raises(TypeError, match="list of images"):
        FaceSet().fit(np.stack(faces[:12]))


def test_bad_options_are_named(face_model):
    lr = np.zeros((15, 13))
    with pytest.raises(ValueError, match="tau must be"):
        classicsr.upscale(lr, 4, method="face_lcr", model=face_model, tau=-1)
    with pytest.raises(ValueError, match="multiples of the scale 4"):
        classicsr.upscale(lr, 4, method="face_lsr", model=face_model, patch=10)
    with pytest.raises(TypeError, match="unknown option"):
        classicsr.upscale(lr, 4, method="face_lcr", model=face_model, K=5)
    with pytest.raises(ValueError, match="not eigen x4|is face x4"):
        classicsr.upscale(lr, 3, method="face_lcr", model=face_model)


def test_save_load_round_trip(tmp_path, faces, face_model):
    path = tmp_path / "faces.npz"
    face_model.save(path)
    with pytest.raises(FileExistsError):
        face_model.save(path)
    loaded = FaceSet.load(path)
    assert loaded.hr_shape == SHAPE and loaded.n_faces == 56
    with np.load(path, allow_pickle=False) as data:
        assert data["hr"].dtype == np.uint8  # 8-bit faces stored exactly
    lr = degrade_face(faces[62])
    for method in ("face_lcr", "face_tlcr"):
        assert np.array_equal(classicsr.upscale(lr, 4, method=method, model=face_model),
                              classicsr.upscale(lr, 4, method=method, model=str(path)))


def test_cli_train_face_and_upscale(tmp_path, faces, capsys):
    folder = tmp_path / "faces"
    folder.mkdir()
    for k, face in enumerate(faces[:20]):
        write_image(folder / f"{k:02d}.png", face)
    out = tmp_path / "faces.npz"
    assert main(["train", "face", "--images", str(folder), "--scale", "4", "--out",
                 str(out)]) == 0
    assert "20 faces of 60x52 (inputs 15x13)" in capsys.readouterr().out
    assert main(["train", "face", "--images", str(folder), "--scale", "4", "--out",
                 str(out)]) == 1
    assert "--overwrite" in capsys.readouterr().err
    lr_path = tmp_path / "lr.png"
    write_image(lr_path, degrade_face(faces[63]))
    assert main(["upscale", str(lr_path), str(tmp_path / "sr.png"), "--scale", "4",
                 "--method", "face_lcr", "--model", str(out)]) == 0
    assert read_image(tmp_path / "sr.png").shape == SHAPE
    write_image(folder / "odd.png", np.zeros((64, 52), np.uint8))
    assert main(["train", "face", "--images", str(folder), "--scale", "4", "--out",
                 str(tmp_path / "bad.npz")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "one size" in err
    assert main(["train", "face", "--scale", "4", "--out", str(tmp_path / "x.npz")]) == 1
    assert "--images is needed" in capsys.readouterr().err


def test_align_face_undoes_a_similarity(faces):
    from skimage.transform import SimilarityTransform, warp

    face = faces[0].astype(np.float64) / 255
    eyes = np.array([[25.2, 16.0], [25.2, 36.0]])  # (row, col) in the face
    move = SimilarityTransform(scale=2.5, rotation=0.3, translation=(40, 10))
    photo = warp(face, move.inverse, output_shape=(200, 200), order=3)
    photo_eyes = move(eyes[:, ::-1])[:, ::-1]
    aligned = align_face(photo, photo_eyes, eyes, SHAPE)
    inner = (slice(10, -10), slice(10, -10))
    assert np.abs(aligned[inner] - face[inner]).mean() < 0.02
    with pytest.raises(ValueError, match="eyes must be 2-D"):
        align_face(photo, [1, 2, 3], eyes, SHAPE)
    with pytest.raises(ValueError, match="shape \\(2, 2\\)"):
        align_face(photo, [[1, 2, 3], [4, 5, 6]], eyes, SHAPE)
    with pytest.raises(ValueError, match="same point"):
        align_face(photo, [[5, 5], [5, 5]], eyes, SHAPE)


def test_affine_weights_equal_the_direct_solve():
    rng = np.random.default_rng(1)
    z = rng.normal(size=(3, 40, 9))
    lam = rng.uniform(0.1, 2.0, size=(3, 40))
    w = affine_weights(z, lam)
    for b in range(3):
        c = z[b] @ z[b].T + np.diag(lam[b])
        direct = np.linalg.solve(c, np.ones(40))
        assert np.allclose(w[b], direct / direct.sum(), rtol=1e-9, atol=1e-12)


def test_basis_pursuit_reaches_the_l1_minimum():
    from scipy.optimize import linprog

    rng = np.random.default_rng(2)
    a = rng.normal(size=(4, 9, 60))
    b = rng.normal(size=(4, 9))
    w = basis_pursuit(a, b, tol=1e-8)
    for k in range(4):
        lp = linprog(np.ones(120), A_eq=np.hstack([a[k], -a[k]]), b_eq=b[k],
                     bounds=(0, None), method="highs")
        assert np.allclose(a[k] @ w[k], b[k], atol=1e-6)
        assert abs(np.abs(w[k]).sum() - lp.fun) < 1e-5


def test_tlcr_does_not_depend_on_the_thread_count(faces, face_model):
    import numba

    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs NUMBA_NUM_THREADS >= 2")
    lr = degrade_face(faces[63]).astype(np.float64)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = thresholded_lcr(lr, face_model, reproducing=1)
        numba.set_num_threads(2)
        two = thresholded_lcr(lr, face_model, reproducing=1)
    finally:
        numba.set_num_threads(before)
    assert np.array_equal(one, two)
