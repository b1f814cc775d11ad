"""ScSR (Yang et al. 2010): the L1 dictionary learning and the reconstruction steps."""

import numpy as np
import pytest
from skimage import data

from classicsr import imresize
from classicsr.example_based.scsr import (
    ScSRDictionary,
    joint_training_signals,
    patch_grid_1d,
    prune_smooth_pairs,
    sample_training_pairs,
    scsr_filtered,
)
from classicsr.sparse.l1_dictionary import L1DictionaryLearning, lagrange_dual_dictionary


def _primal(X, S, D):
    return float(np.sum((X - S @ D) ** 2))


def test_lagrange_dual_matches_constrained_least_squares():
    """The dual solution is feasible and as good as SLSQP on the primal."""
    from scipy.optimize import minimize

    rng = np.random.default_rng(0)
    S = rng.standard_normal((40, 4)) * (rng.random((40, 4)) < 0.6)
    X = 3.0 * rng.standard_normal((40, 6))  # large signals: the norm bounds bind
    D, dual = lagrange_dual_dictionary(X, S)
    assert np.all(np.linalg.norm(D, axis=1) <= 1 + 1e-9)
    assert np.any(dual > 0)
    constraints = [{"type": "ineq", "fun": lambda d, k=k: 1 - np.sum(d.reshape(4, 6)[k] ** 2)}
                   for k in range(4)]
    reference = minimize(lambda d: _primal(X, S, d.reshape(4, 6)), np.zeros(24),
                         constraints=constraints, method="SLSQP",
                         options={"ftol": 1e-12, "maxiter": 500})
    assert _primal(X, S, D) <= reference.fun * (1 + 1e-6)


def test_lagrange_dual_is_plain_least_squares_when_bounds_are_slack():
    rng = np.random.default_rng(1)
    S = rng.standard_normal((60, 5))
    X = 0.01 * rng.standard_normal((60, 7))
    D, dual = lagrange_dual_dictionary(X, S)
    np.testing.assert_allclose(D, np.linalg.lstsq(S, X, rcond=None)[0], atol=1e-8)
    np.testing.assert_allclose(dual, 0.0, atol=1e-8)


def test_l1_dictionary_learning_lowers_the_objective_every_iteration():
    rng = np.random.default_rng(2)
    atoms = rng.standard_normal((12, 10))
    codes = rng.standard_normal((400, 12)) * (rng.random((400, 12)) < 0.2)
    X = codes @ atoms + 0.01 * rng.standard_normal((400, 10))
    est = L1DictionaryLearning(n_atoms=12, lam=0.1, n_iter=6, random_state=0).fit(X)
    assert est.dictionary_.shape == (12, 10)
    assert np.all(np.linalg.norm(est.dictionary_, axis=1) <= 1 + 1e-9)
    steps = np.diff(est.objective_)
    assert np.all(steps <= 1e-9 * est.objective_[0]), est.objective_
    assert est.objective_[-1] < 0.7 * est.objective_[0]
    again = L1DictionaryLearning(n_atoms=12, lam=0.1, n_iter=6, random_state=0).fit(X)
    np.testing.assert_array_equal(again.dictionary_, est.dictionary_)  # seeded


def test_patch_grid_is_scsr_m_grid():
    # MATLAB: gridx = 3 : 5 - 4 : 20 - 5 - 2 = 3:13, then 13 again (1-based)
    np.testing.assert_array_equal(patch_grid_1d(20, 5, 4), [*range(2, 13), 12])
    # overlap 2 (step 3): 3:3:13 = 3, 6, 9, 12, then 13
    np.testing.assert_array_equal(patch_grid_1d(20, 5, 2), [2, 5, 8, 11, 12])
    assert patch_grid_1d(8, 5, 4).size == 0


def test_features_are_conv2_same_of_the_yang_filters():
    img = np.random.default_rng(3).random((9, 11))
    f = scsr_filtered(img)
    # conv2(I, [-1 0 1], 'same')(i, j) = I(i, j - 1) - I(i, j + 1), zero outside
    padded = np.pad(img, 2)
    np.testing.assert_allclose(f[0], padded[2:-2, 1:-3] - padded[2:-2, 3:-1])
    np.testing.assert_allclose(f[1], padded[1:-3, 2:-2] - padded[3:-1, 2:-2])
    np.testing.assert_allclose(
        f[3], padded[:-4, 2:-2] - 2 * img + padded[4:, 2:-2])


def test_training_pairs_pruning_and_joint_signals():
    img = data.camera()[:160, :160] / 255.0
    hr, lr = sample_training_pairs([img], 3, n_samples=2000, random_state=0)
    assert hr.shape == (2000, 25) and lr.shape == (2000, 100)
    np.testing.assert_allclose(hr.mean(axis=1), 0, atol=1e-9)
    kept_hr, kept_lr = prune_smooth_pairs(hr, lr, 10)
    assert 1700 <= kept_hr.shape[0] <= 1800
    assert kept_hr.var(axis=1, ddof=1).min() > np.percentile(hr.var(axis=1, ddof=1), 9)
    joint = joint_training_signals(kept_hr, kept_lr)
    np.testing.assert_allclose(np.linalg.norm(joint, axis=1), 1.0)
    # halves weighted by the square roots of their dimensions: 5 : 10
    ratio = np.linalg.norm(joint[:, :25], axis=1) / np.linalg.norm(joint[:, 25:], axis=1)
    np.testing.assert_allclose(ratio, 0.5)


@pytest.fixture(scope="module")
def small_model():
    images = [data.camera()[:200, :200] / 255.0, data.coins()[:200, :200] / 255.0]
    return ScSRDictionary(2, n_atoms=64, n_patches=4000, n_iter=4, random_state=0).fit(images)


def test_scsr_reconstruction_steps(small_model):
    hr = data.astronaut()[100:196, 100:196, 1].astype(np.float64)
    lr = imresize(hr, 0.5)
    rough = small_model.sparse_reconstruction(lr)
    assert rough.shape == hr.shape
    np.testing.assert_array_equal(rough, np.clip(np.round(rough), 0, 255))  # uint8(hIm)
    mid = imresize(lr, 2).astype(np.float32).astype(np.float64)
    border = np.clip(np.floor(mid + 0.5), 0, 255)
    np.testing.assert_array_equal(rough[:2], border[:2])  # uncovered: bicubic
    np.testing.assert_array_equal(rough[:, -2:], border[:, -2:])
    assert np.abs(rough[2:-2, 2:-2] - border[2:-2, 2:-2]).max() > 1  # patches did work

    def residual(x):
        return np.sqrt(np.mean((imresize(x, 0.5) - lr) ** 2))

    final = small_model.predict_luminance(lr / 255.0) * 255.0
    assert residual(final) < 0.5 * residual(rough)  # back-projection onto the LR image


def test_scsr_model_round_trip(small_model, tmp_path):
    path = tmp_path / "scsr.npz"
    small_model.save(path)
    loaded = ScSRDictionary.load(path)
    lr = data.camera()[::8, ::8][:24, :24] / 255.0
    np.testing.assert_array_equal(loaded.predict_luminance(lr), small_model.predict_luminance(lr))
    np.testing.assert_array_equal(loaded.upscale(lr), small_model.upscale(lr))
    import classicsr

    out = classicsr.upscale((lr * 255).astype(np.uint8), 2, method="scsr", model=str(path))
    assert out.shape == (48, 48) and out.dtype == np.uint8
