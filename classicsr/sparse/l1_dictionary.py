"""Dictionary learning with an L1 sparsity penalty (Lee et al.'s efficient sparse coding).

Alternates, as Yang et al.'s ScSR training (``reg_sparse_coding.m`` with
``beta = 0``, after Lee, Battle, Raina & Ng, NIPS 2006):

1. the codes ``S`` of every training signal by feature-sign search,
   ``min 1/2 ||x - D s||^2 + lam ||s||_1`` (:func:`classicsr.sparse.sparse_code_l1`);
2. the dictionary by the Lagrange dual of
   ``min_D ||X - D S||_F^2  s.t.  ||d_k||^2 <= 1`` (:func:`lagrange_dual_dictionary`).

Row-oriented like :class:`~classicsr.sparse.KSVD`: ``fit`` takes signals as
rows ``(n_samples, n_features)`` and ``dictionary_`` is ``(n_atoms, n_features)``.
"""

import math
import numbers

import numpy as np
from sklearn.base import BaseEstimator

from .._validation import check_int, check_real_array
from .l1 import _check_lam, _l1_rows
from .omp import _compact_codes_csc

__all__ = ["L1DictionaryLearning", "lagrange_dual_dictionary"]


def lagrange_dual_dictionary(X, codes, *, max_norm=1.0, dual=None, max_iter=200):
    r"""Least-squares dictionary with atoms of bounded norm, by its Lagrange dual.

    Solves :math:`\min_D \|X - S D\|_F^2` subject to :math:`\|d_k\|_2^2 \le c`
    for every atom (row) :math:`d_k`, with the signals ``X`` and codes ``S`` as
    rows. With one multiplier :math:`\lambda_k \ge 0` per atom the dual is

    .. math:: \max_{\lambda \ge 0}\; \operatorname{tr}(X^T X)
        - \operatorname{tr}\big(Y^T (S^T S + \Lambda)^{-1} Y\big) - c \sum_k \lambda_k,
        \qquad Y = S^T X,

    a smooth concave problem in only ``n_atoms`` variables, solved here by
    L-BFGS-B (Lee et al. use Newton's method; both reach the same optimum),
    after which :math:`D = (S^T S + \Lambda)^{-1} Y`.

    Parameters
    ----------
    X : ndarray, shape (n_samples, n_features)
        Signals as rows.
    codes : scipy sparse array or ndarray, shape (n_samples, n_atoms)
        Their codes.
    max_norm : float, default 1.0
        The bound ``c`` on the squared norm of each atom.
    dual : ndarray, shape (n_atoms,), optional
        Starting multipliers (Lee et al. start from ``10 * rand``).
    max_iter : int, default 200
        Iteration cap of L-BFGS-B.

    Returns
    -------
    dictionary : ndarray, shape (n_atoms, n_features)
        Rows of atoms used by some code; rows of unused atoms are zero
        (their multiplier is 0 and they do not enter the problem).
    dual : ndarray, shape (n_atoms,)
        The optimal multipliers (0 for unused atoms).
    """
    from scipy.linalg import cho_factor, cho_solve
    from scipy.optimize import minimize

    SS = codes.T @ codes
    SS = SS.toarray() if hasattr(SS, "toarray") else np.asarray(SS)
    Y = np.asarray(codes.T @ X)
    n_atoms = SS.shape[0]
    used = np.flatnonzero(np.diag(SS) > 0)
    SSu, Yu = SS[np.ix_(used, used)], Y[used]
    lam0 = (np.asarray(dual, dtype=np.float64)[used] if dual is not None
            else np.full(used.size, 1.0))

    def objective(lam):
        # f(lam) = tr(Y^T M^-1 Y) + c sum(lam) = -dual + const; convex, minimised.
        M = SSu.copy()
        M[np.diag_indices_from(M)] += lam
        Z = cho_solve(cho_factor(M, check_finite=False), Yu, check_finite=False)
        value = float(np.sum(Yu * Z) + max_norm * lam.sum())
        grad = max_norm - np.einsum("ij,ij->i", Z, Z)
        return value, grad

    result = minimize(objective, lam0, jac=True, method="L-BFGS-B",
                      bounds=[(0.0, None)] * used.size,
                      options={"maxiter": max_iter, "ftol": 1e-12, "gtol": 1e-8})
    lam = result.x
    M = SSu.copy()
    M[np.diag_indices_from(M)] += lam
    dictionary = np.zeros((n_atoms, X.shape[1]))
    dictionary[used] = cho_solve(cho_factor(M, check_finite=False), Yu, check_finite=False)
    # The constraint holds at the optimum up to the solver's tolerance; make it exact.
    norms = np.linalg.norm(dictionary, axis=1)
    over = norms > math.sqrt(max_norm)
    dictionary[over] *= (math.sqrt(max_norm) / norms[over])[:, None]
    out = np.zeros(n_atoms)
    out[used] = lam
    return dictionary, out


class L1DictionaryLearning(BaseEstimator):
    """Dictionary learning by alternating feature-sign coding and a Lagrange-dual update.

    Minimises ``sum_i 1/2 ||x_i - D^T s_i||^2 + lam ||s_i||_1`` over the codes
    and over dictionaries whose atoms have norm at most 1, as the training of
    Yang et al.'s coupled ScSR dictionary (``reg_sparse_coding.m``: random
    zero-mean unit-norm initial atoms, full-batch iterations).

    Parameters
    ----------
    n_atoms : int, default 1024
        Number of atoms.
    lam : float, default 0.15
        Weight of the L1 penalty (ScSR's training value for unit-norm signals).
    n_iter : int, default 40
        Alternations (ScSR uses 40).
    random_state : None, int or numpy.random.Generator
        Seed of the initial atoms and of the re-seeding of unused atoms.
    verbose : bool, default False
        tqdm progress bar with the objective.

    Attributes
    ----------
    dictionary_ : ndarray, shape (n_atoms, n_features)
        The atoms, as rows (norms at most 1).
    objective_ : ndarray, shape (n_iter,)
        Mean objective per signal after each coding step.
    n_reseeded_ : int
        Atoms that no code used at some iteration and were replaced by a
        random training signal (normalised), a standard remedy the MATLAB
        code lacks (there such an atom's dual problem is singular).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).standard_normal((300, 8))
    >>> est = L1DictionaryLearning(n_atoms=16, lam=0.3, n_iter=2, random_state=0).fit(X)
    >>> est.dictionary_.shape
    (16, 8)
    """

    def __init__(self, n_atoms=1024, lam=0.15, n_iter=40, *, random_state=None,
                 verbose=False):
        self.n_atoms = n_atoms
        self.lam = lam
        self.n_iter = n_iter
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, X, y=None):
        """Learn the dictionary from the signals ``X`` (rows).

        Returns
        -------
        self : L1DictionaryLearning
        """
        from tqdm.auto import tqdm

        X = np.ascontiguousarray(check_real_array(X, "X", (2,)))
        n_samples, n_features = X.shape
        n_atoms = check_int(self.n_atoms, "n_atoms", minimum=1)
        n_iter = check_int(self.n_iter, "n_iter", minimum=1)
        lam = _check_lam(self.lam)
        if not isinstance(self.random_state, (type(None), numbers.Integral,
                                              np.random.Generator)):
            raise TypeError("random_state must be None, an int or a numpy.random.Generator, "
                            f"got {type(self.random_state).__name__}")
        rng = np.random.default_rng(self.random_state)
        # reg_sparse_coding.m: B = rand - 0.5, columns made zero-mean, unit norm.
        D = rng.random((n_atoms, n_features)) - 0.5
        D -= D.mean(axis=1, keepdims=True)
        D /= np.linalg.norm(D, axis=1, keepdims=True)
        dual = 10.0 * rng.random(n_atoms)
        objective, reseeded = [], 0
        progress = tqdm(range(n_iter), desc="L1 dictionary", disable=not self.verbose)
        for _ in progress:
            indices, values, counts, _, _ = _l1_rows(X, np.ascontiguousarray(D.T), D @ D.T,
                                                    lam, 1000, 1e-10)
            S = _compact_codes_csc(indices, values, counts, n_atoms).T  # CSR (signals, atoms)
            residual = X - S @ D
            objective.append((0.5 * np.sum(residual * residual)
                              + lam * np.abs(S.data).sum()) / n_samples)
            D, dual = lagrange_dual_dictionary(X, S, dual=dual)
            unused = np.flatnonzero(~np.any(D, axis=1))
            if unused.size:
                picks = X[rng.choice(n_samples, unused.size, replace=False)]
                norms = np.linalg.norm(picks, axis=1, keepdims=True)
                D[unused] = picks / np.where(norms > 0, norms, 1.0)
                dual[unused] = 1.0
                reseeded += unused.size
            progress.set_postfix(objective=f"{objective[-1]:.5g}",
                                 nnz=f"{counts.mean():.1f}", reseeded=int(unused.size))
        self.dictionary_ = D
        self.objective_ = np.array(objective)
        self.n_reseeded_ = reseeded
        self.n_features_in_ = n_features
        return self
