"""K-SVD dictionary learning with Batch-OMP and the approximate atom update."""

import inspect
import math

import numpy as np

from .._validation import check_int, check_real, check_real_array
from .omp import _omp_rows, batch_omp

__all__ = ["KSVD", "MIN_USAGE"]

#: An atom used by fewer signals than this (``|coef| > 1e-7``) is replaced
#: after each iteration (ksvdbox's ``use_thresh``).
MIN_USAGE = 4


class KSVD:
    """K-SVD dictionary learning, approximate variant (ksvdbox's default).

    Alternates Batch-OMP sparse coding of the training signals with a
    sequential update of the atoms, each by one step of the approximate
    K-SVD update of Rubinstein, Zibulevsky and Elad [1]_ (Algorithm 5), as
    Zeyde et al.'s super-resolution code does through ksvdbox. After each
    iteration, atoms that are unused, used by fewer than 4 signals, or too
    coherent with another atom are replaced by the worst-represented
    training signals, as in ksvdbox's ``cleardict``.

    Follows the scikit-learn estimator conventions: the training signals are
    the *rows* of ``X``, ``(n_samples, n_features)``, and so are the atoms of
    :attr:`dictionary_`, ``(n_atoms, n_features)``. The column-oriented
    :func:`~classicsr.sparse.batch_omp` takes ``dictionary_.T``:
    ``batch_omp(X.T, est.dictionary_.T, k) == est.transform(X).T``.

    Parameters
    ----------
    n_atoms : int, default 256
        Number of atoms.
    n_nonzero_coefs : int, default 3
        Sparsity: atoms per signal in the Batch-OMP coding step.
    n_iter : int, default 10
        Number of K-SVD iterations.
    init : 'data' or array_like of shape (n_atoms, n_features), default 'data'
        Initial dictionary: ``'data'`` takes ``n_atoms`` distinct training
        signals of nonzero norm at random; an array gives the atoms as rows.
        The atoms are normalised to unit norm.
    coherence_threshold : float, default 0.99
        An atom whose absolute inner product with another atom exceeds this
        is replaced (ksvdbox's ``muthresh``).
    random_state : None, int, numpy.random.Generator or SeedSequence
        Seed of the initial atoms and of the random order of the atom
        updates (:func:`numpy.random.default_rng`).
    verbose : bool, default False
        Show a tqdm progress bar over the iterations, with the RMSE.

    Attributes
    ----------
    dictionary_ : ndarray of float64, shape (n_atoms, n_features)
        The learnt dictionary, one unit-norm atom per row.
    error_ : ndarray of float64, shape (n_iter,)
        Root mean squared representation error of the training signals after
        the sparse-coding step of each iteration.
    n_features_in_ : int
        Number of features seen by :meth:`fit`.

    Notes
    -----
    Each iteration codes all signals with Batch-OMP, then updates the atoms
    one by one in a random order. With ``I`` the signals that use atom
    ``d_j``, ``g = Gamma[j, I]`` and ``E = X_I - D Gamma_I + d_j g^T`` the
    representation error without the atom, the update is
    ``d_j = E g / ||E g||`` and ``Gamma[j, I] = d_j^T E``. It is computed
    from residuals kept up to date, in a Numba kernel; later atoms see the
    updated earlier atoms and coefficients, as in ksvdbox. An atom no
    signal uses is replaced by the worst-represented training signal not yet
    used for a replacement in this iteration (ksvdbox searches a random
    subset of 5000 signals; all are searched here).

    References
    ----------
    .. [1] R. Rubinstein, M. Zibulevsky and M. Elad, "Efficient
       Implementation of the K-SVD Algorithm using Batch Orthogonal Matching
       Pursuit", Technion technical report CS-2008-08, 2008.
    .. [2] M. Aharon, M. Elad and A. Bruckstein, "K-SVD: An Algorithm for
       Designing Overcomplete Dictionaries for Sparse Representation", IEEE
       Trans. Signal Processing 54(11), 2006.

    Examples
    --------
    >>> import numpy as np
    >>> from classicsr.sparse import KSVD
    >>> X = np.random.default_rng(0).standard_normal((500, 16))
    >>> est = KSVD(n_atoms=32, n_nonzero_coefs=2, n_iter=3, random_state=0).fit(X)
    >>> est.dictionary_.shape, est.transform(X).shape
    ((32, 16), (500, 32))
    """

    def __init__(self, n_atoms=256, n_nonzero_coefs=3, n_iter=10, *, init="data",
                 coherence_threshold=0.99, random_state=None, verbose=False):
        self.n_atoms = n_atoms
        self.n_nonzero_coefs = n_nonzero_coefs
        self.n_iter = n_iter
        self.init = init
        self.coherence_threshold = coherence_threshold
        self.random_state = random_state
        self.verbose = verbose

    def get_params(self, deep=True):
        """Return the hyper-parameters as a dict (scikit-learn protocol)."""
        names = list(inspect.signature(type(self).__init__).parameters)[1:]
        return {name: getattr(self, name) for name in names}

    def set_params(self, **params):
        """Set hyper-parameters by name (scikit-learn protocol); return self."""
        valid = self.get_params()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(
                    f"invalid parameter {name!r} for KSVD; valid: {', '.join(valid)}")
            setattr(self, name, value)
        return self

    def _check_params(self, n_features):
        n_atoms = check_int(self.n_atoms, "n_atoms", minimum=1)
        k = check_int(self.n_nonzero_coefs, "n_nonzero_coefs", minimum=1)
        if k > min(n_features, n_atoms):
            raise ValueError(
                f"n_nonzero_coefs={k} exceeds min(n_features, n_atoms) = "
                f"{min(n_features, n_atoms)}")
        n_iter = check_int(self.n_iter, "n_iter", minimum=1)
        mu = check_real(self.coherence_threshold, "coherence_threshold", minimum=0,
                        strict_minimum=True, maximum=1)
        return n_atoms, k, n_iter, mu

    def _initial_dictionary(self, X, n_atoms, rng):
        if isinstance(self.init, str):
            if self.init != "data":
                raise ValueError(f"unknown init {self.init!r}; known: 'data' or an array")
            norms = np.linalg.norm(X, axis=1)
            candidates = np.flatnonzero(norms > 0)
            if candidates.size < n_atoms:
                raise ValueError(
                    f"init='data' needs n_atoms={n_atoms} signals of nonzero norm, "
                    f"X has {candidates.size}")
            chosen = rng.choice(candidates, n_atoms, replace=False)
            return X[chosen] / norms[chosen, None]
        atoms = check_real_array(self.init, "init", (2,))
        if atoms.shape != (n_atoms, X.shape[1]):
            raise ValueError(
                f"init must have shape (n_atoms, n_features) = ({n_atoms}, "
                f"{X.shape[1]}), got {atoms.shape}")
        norms = np.linalg.norm(atoms, axis=1)
        if not norms.all():
            raise ValueError("init has atoms (rows) of zero norm")
        return atoms / norms[:, None]

    def fit(self, X, y=None):
        """Learn the dictionary from the training signals ``X``.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
            Training signals as rows.
        y : None
            Ignored (scikit-learn protocol).

        Returns
        -------
        self : KSVD
            The fitted estimator.

        Raises
        ------
        TypeError, ValueError
            If ``X`` or a hyper-parameter is invalid; the message names it.
        """
        from tqdm.auto import tqdm

        from . import _omp_kernels as kernels

        X = np.ascontiguousarray(check_real_array(X, "X", (2,)))
        n_samples, n_features = X.shape
        n_atoms, k, n_iter, mu = self._check_params(n_features)
        try:
            rng = np.random.default_rng(self.random_state)
        except TypeError as exc:
            raise TypeError(
                "random_state must be None, an int, a numpy.random.Generator "
                f"or a SeedSequence, got {type(self.random_state).__name__}") from exc
        Dt = np.ascontiguousarray(self._initial_dictionary(X, n_atoms, rng))

        residual = np.empty_like(X)
        err = np.empty(n_samples)
        used = np.empty(n_samples, dtype=np.bool_)
        replaced = np.empty(n_atoms, dtype=np.bool_)
        errors = []
        progress = tqdm(range(n_iter), desc="K-SVD", disable=not self.verbose)
        for _ in progress:
            indices, values, counts = _omp_rows(X, Dt.T, Dt @ Dt.T, k, None)
            kernels.residuals(X, Dt, indices, values, counts, residual, err)
            errors.append(math.sqrt(err.sum() / X.size))
            ptr, members = kernels.atom_members(indices, counts, n_atoms)
            used[:] = False
            replaced[:] = False
            kernels.update_atoms(X, Dt, residual, err, values, ptr, members,
                                 rng.permutation(n_atoms), used, replaced)
            n_cleared = kernels.clear_dictionary(X, Dt, indices, values, counts, err,
                                                 used, replaced, mu, MIN_USAGE)
            progress.set_postfix(rmse=f"{errors[-1]:.4g}",
                                 replaced=int(replaced.sum()) + n_cleared)
        self.dictionary_ = Dt
        self.error_ = np.array(errors)
        self.n_features_in_ = n_features
        return self

    def transform(self, X):
        """Batch-OMP codes of the signals ``X`` over the learnt dictionary.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
            Signals as rows.

        Returns
        -------
        codes : ndarray of float64, shape (n_samples, n_atoms)
            ``n_nonzero_coefs`` nonzero coefficients per row (fewer only for
            signals the pursuit represents exactly earlier);
            ``X ~= codes @ dictionary_``.
        """
        if not hasattr(self, "dictionary_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("this KSVD instance is not fitted yet; call fit first")
        X = check_real_array(X, "X", (2,))
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features (columns) but KSVD was fitted "
                f"with {self.n_features_in_}")
        return batch_omp(X.T, self.dictionary_.T, self.n_nonzero_coefs).T
