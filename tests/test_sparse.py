"""Batch-OMP against scikit-learn, exact recovery, and K-SVD dictionary learning."""

import subprocess
import sys

import numpy as np
import pytest
from sklearn.linear_model import orthogonal_mp_gram

from classicsr.sparse import KSVD, batch_omp


def random_dictionary(rng, n_features, n_atoms, unit=True):
    D = rng.standard_normal((n_features, n_atoms))
    if unit:
        D /= np.linalg.norm(D, axis=0)
    return D


def sparse_codes(rng, n_atoms, n_signals, k):
    """Random k-sparse codes (columns) with magnitudes in [1, 2]."""
    C = np.zeros((n_atoms, n_signals))
    for s in range(n_signals):
        C[rng.choice(n_atoms, k, replace=False), s] = (
            rng.choice([-1.0, 1.0], k) * rng.uniform(1, 2, k))
    return C


# --------------------------------------------------------------------------
# batch_omp
# --------------------------------------------------------------------------

@pytest.mark.parametrize("n_features, n_atoms, n_signals, unit", [
    (30, 64, 200, True), (16, 256, 300, True), (64, 100, 150, True),
    (8, 40, 100, False),
])
def test_batch_omp_matches_sklearn_sparsity(n_features, n_atoms, n_signals, unit):
    rng = np.random.default_rng(n_features * n_atoms)
    D = random_dictionary(rng, n_features, n_atoms, unit)
    X = rng.standard_normal((n_features, n_signals))
    G = D.T @ D
    for k in range(1, 6):
        got = batch_omp(X, D, n_nonzero_coefs=k)
        expected = orthogonal_mp_gram(G, D.T @ X, n_nonzero_coefs=k)
        assert got.shape == (n_atoms, n_signals)
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-8)
        assert (np.count_nonzero(got, axis=0) == k).all()


@pytest.mark.parametrize("n_features, n_atoms", [(30, 64), (16, 256), (64, 100)])
@pytest.mark.parametrize("fraction", [0.05, 0.3, 0.9])
def test_batch_omp_matches_sklearn_tol(n_features, n_atoms, fraction):
    rng = np.random.default_rng(n_atoms)
    D = random_dictionary(rng, n_features, n_atoms)
    X = rng.standard_normal((n_features, 200))
    norms = (X ** 2).sum(axis=0)
    tol = fraction * norms.min()  # below every ||x||^2: sklearn's rule agrees
    got = batch_omp(X, D, tol=tol)
    expected = orthogonal_mp_gram(D.T @ D, D.T @ X, tol=tol, norms_squared=norms)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-8)
    residual = ((X - D @ got) ** 2).sum(axis=0)
    assert (residual <= tol * (1 + 1e-9)).all()


def test_batch_omp_single_signal_gram_and_sparse_output():
    rng = np.random.default_rng(1)
    D = random_dictionary(rng, 20, 50)
    X = rng.standard_normal((20, 40))
    dense = batch_omp(X, D, 4)
    G = D.T @ D
    np.testing.assert_array_equal(batch_omp(X, D, 4, gram=G), dense)
    one = batch_omp(X[:, 3], D, 4)
    assert one.shape == (50,)
    np.testing.assert_allclose(one, orthogonal_mp_gram(G, D.T @ X[:, 3], n_nonzero_coefs=4),
                               rtol=0, atol=1e-8)
    codes = batch_omp(X, D, 4, sparse=True)
    assert codes.shape == (50, 40) and codes.nnz == 160
    np.testing.assert_array_equal(codes.toarray(), dense)
    np.testing.assert_allclose(D @ codes, D @ dense, rtol=0, atol=1e-12)


def test_batch_omp_default_sparsity_is_ten_percent():
    rng = np.random.default_rng(2)
    D = random_dictionary(rng, 30, 100)
    codes = batch_omp(rng.standard_normal((30, 10)), D)
    assert (np.count_nonzero(codes, axis=0) == 10).all()


@pytest.mark.parametrize("n_features, n_atoms", [(64, 128), (32, 64)])
def test_batch_omp_exact_recovery(n_features, n_atoms):
    rng = np.random.default_rng(3)
    D = random_dictionary(rng, n_features, n_atoms)
    C = sparse_codes(rng, n_atoms, 1000, 3)
    X = D @ C
    got = batch_omp(X, D, 3)
    exact = (np.abs(got - C) < 1e-10).all(axis=0)
    assert exact.mean() >= 0.99
    # with a zero error target the pursuit stops at the true support
    by_tol = batch_omp(X[:, exact], D, tol=1e-20)
    np.testing.assert_allclose(by_tol, C[:, exact], rtol=0, atol=1e-10)


def test_batch_omp_orthonormal_dictionary_recovers_every_signal():
    rng = np.random.default_rng(4)
    Q = np.linalg.qr(rng.standard_normal((40, 40)))[0]
    C = sparse_codes(rng, 40, 300, 5)
    np.testing.assert_allclose(batch_omp(Q @ C, Q, 5), C, rtol=0, atol=1e-12)


def test_batch_omp_stopping_rules():
    # an atom twice: the duplicate is linearly dependent and is never added
    e = np.eye(3)
    D = np.column_stack([e[0], e[0], e[1]])
    x = np.array([2.0, -1.0, 0.0])
    np.testing.assert_allclose(batch_omp(x, D, 3), [2.0, 0.0, -1.0])
    # zero signal, and signals already within tol, get an all-zero code
    X = np.column_stack([np.zeros(3), [0.1, 0.0, 0.0], [3.0, 0.0, 0.1]])
    codes = batch_omp(X, np.eye(3), tol=0.02)
    np.testing.assert_allclose(codes, [[0, 0, 3], [0, 0, 0], [0, 0, 0]])
    # at most n_features atoms, however many are asked for
    rng = np.random.default_rng(5)
    D = random_dictionary(rng, 6, 30)
    codes = batch_omp(rng.standard_normal((6, 20)), D, 25)
    assert (np.count_nonzero(codes, axis=0) <= 6).all()


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(X=np.array(["a", "b"])), TypeError, "X must hold real numbers"),
    (dict(X=np.full((4, 3), np.nan)), ValueError, "X contains NaN"),
    (dict(X=np.ones((4, 3, 2))), ValueError, "X must be 1-D or 2-D"),
    (dict(X=np.ones((5, 3))), ValueError, "X has 5 features .* D has 4"),
    (dict(D=np.ones(4)), ValueError, "D must be 2-D"),
    (dict(D=np.ones((4, 0))), ValueError, "D is empty"),
    (dict(n_nonzero_coefs=0), ValueError, "n_nonzero_coefs must be an integer >= 1"),
    (dict(n_nonzero_coefs=2.0), TypeError, "n_nonzero_coefs must be an integer"),
    (dict(tol=-1.0), ValueError, "tol must be a finite number >= 0"),
    (dict(tol="1"), TypeError, "tol must be a finite number >= 0"),
    (dict(gram=np.eye(5)), ValueError, r"gram must be D.T @ D of shape \(6, 6\)"),
    (dict(sparse="yes"), TypeError, "sparse must be True or False"),
])
def test_batch_omp_bad_input(kwargs, error, match):
    args = dict(X=np.ones((4, 3)), D=np.eye(4, 6), n_nonzero_coefs=2)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        batch_omp(**args)


def test_import_compiles_nothing():
    code = ("import sys, classicsr, classicsr.sparse; "
            "assert 'numba' not in sys.modules, 'numba imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------
# K-SVD
# --------------------------------------------------------------------------

def synthetic_training_set(seed, n_features=20, n_atoms=50, n_signals=2000, k=3):
    """Signals (rows) that are k-sparse over a random unit-norm dictionary (rows)."""
    rng = np.random.default_rng(seed)
    D = random_dictionary(rng, n_features, n_atoms).T
    C = np.zeros((n_signals, n_atoms))
    for s in range(n_signals):
        C[s, rng.choice(n_atoms, k, replace=False)] = rng.standard_normal(k)
    return C @ D, D


def test_ksvd_recovers_generating_dictionary():
    X, D_true = synthetic_training_set(0)
    est = KSVD(n_atoms=50, n_nonzero_coefs=3, n_iter=50, random_state=0).fit(X)
    D = est.dictionary_
    assert D.shape == (50, 20)
    np.testing.assert_allclose(np.linalg.norm(D, axis=1), 1.0, rtol=0, atol=1e-12)
    recovered = np.abs(D @ D_true.T).max(axis=0) > 0.99
    assert recovered.mean() >= 0.9
    assert est.error_.shape == (50,) and est.error_[-1] < 0.5 * est.error_[0]


def test_ksvd_reproducible_and_transform():
    X, _ = synthetic_training_set(1, n_signals=500)
    a = KSVD(n_atoms=40, n_nonzero_coefs=2, n_iter=5, random_state=7).fit(X)
    b = KSVD(n_atoms=40, n_nonzero_coefs=2, n_iter=5, random_state=7).fit(X)
    c = KSVD(n_atoms=40, n_nonzero_coefs=2, n_iter=5, random_state=8).fit(X)
    np.testing.assert_array_equal(a.dictionary_, b.dictionary_)
    np.testing.assert_array_equal(a.error_, b.error_)
    assert not np.array_equal(a.dictionary_, c.dictionary_)
    codes = a.transform(X[:30])
    assert codes.shape == (30, 40)
    np.testing.assert_array_equal(codes, batch_omp(X[:30].T, a.dictionary_.T, 2).T)


def test_ksvd_init_array_verbose_and_sklearn_protocol(capsys):
    from sklearn.base import clone

    X, D_true = synthetic_training_set(2, n_signals=300)
    est = KSVD(n_atoms=50, n_nonzero_coefs=3, n_iter=2, init=3 * D_true, verbose=True)
    assert clone(est).get_params()["n_atoms"] == 50
    assert est.set_params(n_iter=3) is est and est.n_iter == 3
    est.fit(X)
    assert "K-SVD" in capsys.readouterr().err
    # started at the generating dictionary (rescaled), K-SVD stays near it
    assert np.abs(np.sum(est.dictionary_ * D_true, axis=1)).min() > 0.99


def test_ksvd_replaces_duplicated_atoms():
    X, _ = synthetic_training_set(3, n_signals=600)
    rng = np.random.default_rng(0)
    init = rng.standard_normal((30, 20))
    init[1] = init[0]
    est = KSVD(n_atoms=30, n_nonzero_coefs=3, n_iter=1, init=init).fit(X)
    G = est.dictionary_ @ est.dictionary_.T
    np.fill_diagonal(G, 0)
    assert np.abs(G).max() <= 0.99


def test_update_atoms_kernel_is_the_approximate_ksvd_update():
    """One pass of the kernel equals ksvdbox's ``optimize_atom`` (approximate)."""
    from classicsr.sparse import _omp_kernels as kernels
    from classicsr.sparse.omp import _omp_rows

    rng = np.random.default_rng(6)
    X = rng.standard_normal((400, 12))
    Dt = random_dictionary(rng, 12, 24).T.copy()
    indices, values, counts = _omp_rows(X, Dt.T, Dt @ Dt.T, 3, None)
    codes = np.zeros((24, 400))
    for s in range(400):
        codes[indices[s], s] = values[s]
    order = rng.permutation(24)
    assert np.count_nonzero(codes, axis=1).all()  # no atom replacement here

    D, gamma = Dt.T.copy(), codes.copy()
    for j in order:  # ksvdbox ksvd.m, optimize_atom, approximate branch
        used = np.flatnonzero(gamma[j])
        g = gamma[j, used]
        E = X.T[:, used] - D @ gamma[:, used] + np.outer(D[:, j], g)
        atom = E @ g
        atom /= np.linalg.norm(atom)
        gamma[j, used] = atom @ E
        D[:, j] = atom

    residual = np.empty_like(X)
    err = np.empty(400)
    kernels.residuals(X, Dt, indices, values, counts, residual, err)
    ptr, members = kernels.atom_members(indices, counts, 24)
    kernels.update_atoms(X, Dt, residual, err, values, ptr, members, order,
                         np.zeros(400, dtype=bool), np.zeros(24, dtype=bool))
    np.testing.assert_allclose(Dt, D.T, rtol=0, atol=1e-10)
    updated = np.zeros_like(codes)
    for s in range(400):
        updated[indices[s], s] = values[s]
    np.testing.assert_allclose(updated, gamma, rtol=0, atol=1e-10)
    np.testing.assert_allclose(residual, X - gamma.T @ D.T, rtol=0, atol=1e-10)


@pytest.mark.parametrize("params, X, error, match", [
    (dict(n_atoms=0), None, ValueError, "n_atoms must be an integer >= 1"),
    (dict(n_nonzero_coefs=25), None, ValueError, r"n_nonzero_coefs=25 exceeds min\(n_features"),
    (dict(n_iter=1.5), None, TypeError, "n_iter must be an integer"),
    (dict(coherence_threshold=1.5), None, ValueError,
     "coherence_threshold must be a finite number > 0 and <= 1"),
    (dict(init="dct"), None, ValueError, "unknown init 'dct'"),
    (dict(init=np.ones((3, 20))), None, ValueError, r"init must have shape .*\(10, 20\)"),
    (dict(random_state="seed"), None, TypeError, "random_state must be None, an int"),
    (dict(), np.ones(20), ValueError, "X must be 2-D"),
    (dict(), np.zeros((100, 20)), ValueError, "init='data' needs n_atoms=10 signals"),
])
def test_ksvd_bad_input(params, X, error, match):
    if X is None:
        X = np.random.default_rng(0).standard_normal((100, 20))
    with pytest.raises(error, match=match):
        KSVD(**{"n_atoms": 10, **params}).fit(X)


def test_ksvd_transform_checks():
    from sklearn.exceptions import NotFittedError

    X = np.random.default_rng(0).standard_normal((50, 8))
    with pytest.raises(NotFittedError, match="not fitted"):
        KSVD(n_atoms=10).transform(X)
    est = KSVD(n_atoms=10, n_nonzero_coefs=2, n_iter=1, random_state=0).fit(X)
    with pytest.raises(ValueError, match="X has 7 features .* fitted with 8"):
        est.transform(X[:, :7])
