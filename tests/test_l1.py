"""L1 sparse coding (feature-sign search) against scikit-learn's lasso solvers and KKT."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, lars_path

from classicsr.sparse import sparse_code_l1

# Agreement with scikit-learn: codes and relative objective values.
CODE_ATOL = 1e-6
OBJ_RTOL = 1e-9
# Optimality (KKT) slack on |D^T (y - D x)|.
KKT_ATOL = 1e-8


def random_dictionary(rng, n_features, n_atoms, unit=True):
    D = rng.standard_normal((n_features, n_atoms))
    if unit:
        D /= np.linalg.norm(D, axis=0)
    return D


def random_signals(rng, D, n_signals, k=4, noise=0.05):
    """Half Gaussian signals, half k-sparse combinations of atoms plus noise."""
    n_features, n_atoms = D.shape
    n_gauss = n_signals // 2
    C = np.zeros((n_atoms, n_signals - n_gauss))
    for s in range(C.shape[1]):
        C[rng.choice(n_atoms, k, replace=False), s] = rng.standard_normal(k)
    sparse = D @ C + noise * rng.standard_normal((n_features, C.shape[1]))
    X = np.concatenate([rng.standard_normal((n_features, n_gauss)), sparse], axis=1)
    return X / np.linalg.norm(X, axis=0)


def objective(X, D, C, lam):
    """1/2 ||y - D x||^2 + lam ||x||_1 of every column."""
    return 0.5 * ((X - D @ C) ** 2).sum(axis=0) + lam * np.abs(C).sum(axis=0)


def sklearn_lasso(X, D, lam):
    n_features = D.shape[0]
    model = Lasso(alpha=lam / n_features, fit_intercept=False, tol=1e-12, max_iter=100000)
    return np.stack([model.fit(D, X[:, s]).coef_ for s in range(X.shape[1])], axis=1)


def sklearn_lars(X, D, lam):
    n_features = D.shape[0]
    codes = []
    for s in range(X.shape[1]):
        alphas, _, coefs = lars_path(D, X[:, s], method="lasso", alpha_min=lam / n_features)
        assert alphas[-1] == pytest.approx(lam / n_features)
        codes.append(coefs[:, -1])
    return np.stack(codes, axis=1)


def assert_kkt(X, D, C, lam, atol=KKT_ATOL):
    """|D^T r| <= lam everywhere and D^T r = lam sign(x) on the support."""
    corr = D.T @ (X - D @ C)
    assert np.abs(corr).max() <= lam + atol
    on = C != 0
    np.testing.assert_allclose(corr[on], lam * np.sign(C[on]), rtol=0, atol=atol)


def assert_same_solution(X, D, C, ref, lam):
    np.testing.assert_allclose(C, ref, rtol=0, atol=CODE_ATOL)
    f, f_ref = objective(X, D, C, lam), objective(X, D, ref, lam)
    np.testing.assert_allclose(f, f_ref, rtol=OBJ_RTOL, atol=0)
    # Feature-sign is exact up to rounding: never worse than the reference.
    assert (f <= f_ref * (1 + 1e-13)).all()


# --------------------------------------------------------------------------
# agreement with scikit-learn
# --------------------------------------------------------------------------

PROBLEMS = [(10, 30, 12), (25, 100, 12), (40, 64, 10)]
LAMS = [0.005, 0.05, 0.2]


@pytest.mark.parametrize("n_features, n_atoms, n_signals", PROBLEMS)
@pytest.mark.parametrize("lam", LAMS)
def test_matches_sklearn_lasso(n_features, n_atoms, n_signals, lam):
    rng = np.random.default_rng(n_features * n_atoms)
    D = random_dictionary(rng, n_features, n_atoms)
    X = random_signals(rng, D, n_signals)
    C = sparse_code_l1(X, D, lam)
    assert C.shape == (n_atoms, n_signals) and C.dtype == np.float64
    assert_same_solution(X, D, C, sklearn_lasso(X, D, lam), lam)
    assert_kkt(X, D, C, lam)


@pytest.mark.parametrize("n_features, n_atoms, n_signals", PROBLEMS)
@pytest.mark.parametrize("lam", LAMS)
def test_matches_sklearn_lars_path(n_features, n_atoms, n_signals, lam):
    rng = np.random.default_rng(n_features + n_atoms)
    D = random_dictionary(rng, n_features, n_atoms)
    X = random_signals(rng, D, n_signals)
    C = sparse_code_l1(X, D, lam)
    assert_same_solution(X, D, C, sklearn_lars(X, D, lam), lam)


def test_unnormalised_signals_and_atoms():
    rng = np.random.default_rng(7)
    D = random_dictionary(rng, 20, 50, unit=False) * rng.uniform(0.5, 2, 50)
    X = 3 * rng.standard_normal((20, 10))
    C = sparse_code_l1(X, D, 0.7)
    assert_same_solution(X, D, C, sklearn_lasso(X, D, 0.7), 0.7)
    assert_kkt(X, D, C, 0.7)


def test_scale_equivariance():
    rng = np.random.default_rng(8)
    D = random_dictionary(rng, 16, 48)
    X = random_signals(rng, D, 20)
    C = sparse_code_l1(X, D, 0.05)
    np.testing.assert_allclose(sparse_code_l1(1e4 * X, D, 1e4 * 0.05), 1e4 * C,
                               rtol=1e-9, atol=1e-9)


# --------------------------------------------------------------------------
# optimality conditions
# --------------------------------------------------------------------------

@pytest.mark.parametrize("lam", [0.02, 0.1, 0.3])
def test_kkt_scsr_sized(lam):
    """ScSR's setting: dimension 100, 1024 unit atoms, unit-norm signals."""
    rng = np.random.default_rng(100)
    D = random_dictionary(rng, 100, 1024)
    X = random_signals(rng, D, 100, k=8)
    C, n_iter = sparse_code_l1(X, D, lam, return_n_iter=True)
    assert_kkt(X, D, C, lam)
    assert (np.count_nonzero(C, axis=0) <= 100).all()
    assert (n_iter >= np.count_nonzero(C, axis=0)).all()


def test_small_lam_full_support():
    """Tiny lam: supports of n_features atoms (swaps through singular G_AA)."""
    rng = np.random.default_rng(3)
    D = random_dictionary(rng, 12, 40)
    X = rng.standard_normal((12, 20))
    for lam in (1e-4, 1e-3):
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            C = sparse_code_l1(X, D, lam)
        assert (np.count_nonzero(C, axis=0) == 12).any()
        assert_kkt(X, D, C, lam, atol=1e-9)
        # Coordinate descent crawls here; the LARS homotopy is exact.
        assert_same_solution(X, D, C, sklearn_lars(X, D, lam), lam)


def test_degenerate_dictionary():
    """Repeated, parallel (rescaled) and zero atoms; the minimiser is then not unique."""
    rng = np.random.default_rng(4)
    D = random_dictionary(rng, 15, 30)
    D = np.concatenate([D, D[:, :4], -D[:, 4:6], 3 * D[:, 6:9], np.zeros((15, 2))], axis=1)
    X = rng.standard_normal((15, 25))
    for lam in (0.01, 0.1, 1.0):
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            C = sparse_code_l1(X, D, lam)
        assert_kkt(X, D, C, lam)
        assert not C[-2:].any()
        # The 3x atoms are cheaper than their originals: only they are used.
        assert not C[6:9].any()
        np.testing.assert_allclose(objective(X, D, C, lam),
                                   objective(X, D, sklearn_lasso(X, D, lam), lam),
                                   rtol=OBJ_RTOL)


def test_orthonormal_dictionary_is_soft_thresholding():
    rng = np.random.default_rng(5)
    Q, _ = np.linalg.qr(rng.standard_normal((30, 30)))
    X = rng.standard_normal((30, 40))
    lam = 0.4
    B = Q.T @ X
    expected = np.sign(B) * np.maximum(np.abs(B) - lam, 0)
    np.testing.assert_allclose(sparse_code_l1(X, Q, lam), expected, rtol=0, atol=1e-12)


# --------------------------------------------------------------------------
# zero codes and special cases
# --------------------------------------------------------------------------

def test_zero_signal_gives_zero_code():
    rng = np.random.default_rng(6)
    D = random_dictionary(rng, 20, 60)
    X = rng.standard_normal((20, 5))
    X[:, 2] = 0.0
    C, n_iter = sparse_code_l1(X, D, 0.1, return_n_iter=True)
    assert not C[:, 2].any() and n_iter[2] == 0
    assert C[:, [0, 1, 3, 4]].any(axis=0).all()
    code, it = sparse_code_l1(np.zeros(20), D, 0.1, return_n_iter=True)
    assert code.shape == (60,) and not code.any() and it == 0


def test_large_lam_gives_zero_code_and_threshold_is_exact():
    rng = np.random.default_rng(9)
    D = random_dictionary(rng, 20, 60)
    y = rng.standard_normal(20)
    b = D.T @ y
    lam_max = np.abs(b).max()
    assert not sparse_code_l1(y, D, lam_max).any()
    assert not sparse_code_l1(y, D, 10 * lam_max).any()
    # Just below lam_max, one atom: x_i = (b_i - lam sign(b_i)) / ||d_i||^2.
    lam = lam_max * (1 - 1e-3)
    code = sparse_code_l1(y, D, lam)
    i = np.argmax(np.abs(b))
    assert np.flatnonzero(code).tolist() == [i]
    assert code[i] == pytest.approx(b[i] - lam * np.sign(b[i]), rel=1e-12)


def test_undercomplete_dictionary():
    rng = np.random.default_rng(10)
    D = random_dictionary(rng, 40, 8, unit=False)
    X = rng.standard_normal((40, 10))
    C = sparse_code_l1(X, D, 0.01)
    assert_same_solution(X, D, C, sklearn_lasso(X, D, 0.01), 0.01)


def test_gram_sparse_and_1d_outputs():
    rng = np.random.default_rng(11)
    D = random_dictionary(rng, 16, 40)
    X = random_signals(rng, D, 15)
    C = sparse_code_l1(X, D, 0.1)
    assert C.flags.f_contiguous
    np.testing.assert_array_equal(sparse_code_l1(X, D, 0.1, gram=D.T @ D), C)
    S = sparse_code_l1(X, D, 0.1, sparse=True)
    assert S.shape == C.shape and S.has_sorted_indices
    np.testing.assert_array_equal(S.toarray(), C)
    assert S.nnz == np.count_nonzero(C)
    np.testing.assert_array_equal(sparse_code_l1(X[:, 3], D, 0.1), C[:, 3])
    S1 = sparse_code_l1(X[:, 3], D, 0.1, sparse=True)
    assert S1.shape == (40, 1)
    np.testing.assert_array_equal(S1.toarray()[:, 0], C[:, 3])
    C_int = sparse_code_l1(np.round(10 * X).astype(np.int64), D, 1)
    np.testing.assert_array_equal(C_int, sparse_code_l1(np.round(10 * X), D, 1.0))


def test_deterministic_and_independent_of_batch_and_threads():
    from thread_counts import one_thread_and_all

    rng = np.random.default_rng(12)
    D = random_dictionary(rng, 30, 120)
    X = random_signals(rng, D, 41)
    C = sparse_code_l1(X, D, 0.05)
    np.testing.assert_array_equal(sparse_code_l1(X, D, 0.05), C)
    # Each signal alone, and a permuted batch, give bit-identical codes.
    np.testing.assert_array_equal(sparse_code_l1(X[:, 17], D, 0.05), C[:, 17])
    perm = rng.permutation(41)
    np.testing.assert_array_equal(sparse_code_l1(X[:, perm], D, 0.05), C[:, perm])
    one, many = one_thread_and_all(lambda: sparse_code_l1(X, D, 0.05))
    np.testing.assert_array_equal(one, C)
    np.testing.assert_array_equal(many, C)


def test_max_iter_warns():
    rng = np.random.default_rng(13)
    D = random_dictionary(rng, 20, 60)
    X = random_signals(rng, D, 6)
    with pytest.warns(ConvergenceWarning, match="reached max_iter=2"):
        C, n_iter = sparse_code_l1(X, D, 0.01, max_iter=2, return_n_iter=True)
    assert (n_iter <= 2).all() and np.isfinite(C).all()


# --------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, error, match", [
    ({"X": np.array(["a", "b"])}, TypeError, "X must hold real numbers"),
    ({"X": np.ones(4, dtype=complex)}, TypeError, "X must hold real numbers"),
    ({"X": np.full((4, 3), np.nan)}, ValueError, "X contains NaN"),
    ({"X": np.ones((4, 3, 2))}, ValueError, "X must be 1-D or 2-D"),
    ({"X": np.ones((4, 0))}, ValueError, "X is empty"),
    ({"X": np.ones((5, 3))}, ValueError, "X has 5 features .* D has 4"),
    ({"D": np.ones(4)}, ValueError, "D must be 2-D"),
    ({"D": np.ones((4, 0))}, ValueError, "D is empty"),
    ({"D": np.full((4, 6), np.inf)}, ValueError, "D contains NaN or infinite"),
    ({"lam": 0.0}, ValueError, "lam must be a finite number > 0"),
    ({"lam": -0.1}, ValueError, "lam must be a finite number > 0"),
    ({"lam": np.inf}, ValueError, "lam must be a finite number > 0"),
    ({"lam": "0.1"}, TypeError, "lam must be a finite number > 0"),
    ({"lam": np.array([0.1, 0.2])}, TypeError, "lam must be a finite number > 0"),
    ({"lam": True}, TypeError, "lam must be a finite number > 0"),
    ({"max_iter": 0}, ValueError, "max_iter must be an integer >= 1"),
    ({"max_iter": 10.0}, TypeError, "max_iter must be an integer"),
    ({"tol": -1.0}, ValueError, "tol must be a finite number >= 0"),
    ({"tol": None}, TypeError, "tol must be a finite number >= 0"),
    ({"gram": np.eye(5)}, ValueError, r"gram must be D.T @ D of shape \(6, 6\)"),
    ({"gram": np.ones((6, 6), dtype=bool)}, TypeError, "gram must hold real numbers"),
    ({"sparse": "yes"}, TypeError, "sparse must be True or False"),
    ({"return_n_iter": 1}, TypeError, "return_n_iter must be True or False"),
])
def test_bad_input(kwargs, error, match):
    args = {"X": np.ones((4, 3)), "D": np.eye(4, 6), "lam": 0.1}
    args.update(kwargs)
    with pytest.raises(error, match=match):
        sparse_code_l1(**args)


def test_numpy_scalar_lam_accepted():
    D = np.eye(3)
    y = np.array([2.0, -0.5, 0.05])
    expected = np.array([1.9, -0.4, 0.0])
    np.testing.assert_allclose(sparse_code_l1(y, D, np.float32(0.1)), expected, atol=1e-7)
    np.testing.assert_allclose(sparse_code_l1(y, D, 1), [1.0, 0.0, 0.0])
