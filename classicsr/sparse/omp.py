"""Batch Orthogonal Matching Pursuit (Batch-OMP).

Conventions follow :func:`sklearn.linear_model.orthogonal_mp` and
:func:`~sklearn.linear_model.orthogonal_mp_gram`: the dictionary ``D`` has the
atoms as columns, ``(n_features, n_atoms)``, the signals are the columns of
``X``, ``(n_features, n_signals)``, and the codes are returned as
``(n_atoms, n_signals)``, so that ``X ~= D @ codes``.
"""

import numpy as np

from .._validation import check_bool, check_int, check_real, check_real_array

__all__ = ["batch_omp"]


def _gram_of(D, gram=None):
    """``D.T @ D``, or the given ``gram`` after checking its shape."""
    n_atoms = D.shape[1]
    if gram is None:
        return D.T @ D
    gram = check_real_array(gram, "gram", (2,))
    if gram.shape != (n_atoms, n_atoms):
        raise ValueError(
            f"gram must be D.T @ D of shape ({n_atoms}, {n_atoms}), got shape {gram.shape}")
    return gram


def _compact_codes_csc(indices, values, counts, n_atoms):
    """Codes in compact form as a ``csc_array`` of shape ``(n_atoms, n_signals)``.

    The compact form (of :func:`_omp_rows` and :func:`~classicsr.sparse.l1.l1_rows`):
    ``indices[s, :counts[s]]`` and ``values[s, :counts[s]]`` are the atoms and
    coefficients of signal ``s``; column ``s`` of the result holds them in that
    order. Its transpose is the ``(n_signals, n_atoms)`` CSR matrix.
    """
    from scipy.sparse import csc_array

    filled = np.arange(indices.shape[1]) < counts[:, None]
    indptr = np.zeros(counts.size + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return csc_array((values[filled], indices[filled], indptr),
                     shape=(n_atoms, counts.size))


def _omp_rows(Xr, D, gram, k_max, tol):
    """Batch-OMP of the rows of ``Xr``, in compact form; no input checks.

    Parameters
    ----------
    Xr : ndarray of float64, shape (n_signals, n_features)
        Signals as rows.
    D : ndarray of float64, shape (n_features, n_atoms)
        Dictionary, atoms as columns.
    gram : ndarray of float64, shape (n_atoms, n_atoms)
        ``D.T @ D``.
    k_max : int
        Most atoms per signal, at most ``min(n_features, n_atoms)``.
    tol : float or None
        Squared residual norm at which a signal's pursuit stops.

    Returns
    -------
    indices : ndarray of int64, shape (n_signals, k_max)
        ``indices[s, :counts[s]]``: atoms of signal ``s`` in selection order.
    values : ndarray of float64, shape (n_signals, k_max)
        Their coefficients; slots past ``counts[s]`` are undefined.
    counts : ndarray of int64, shape (n_signals,)
        Number of atoms selected for each signal.
    """
    from numba import get_num_threads

    from ._omp_kernels import batch_omp_rows

    n_signals = Xr.shape[0]
    indices = np.empty((n_signals, k_max), dtype=np.int64)
    values = np.empty((n_signals, k_max))
    counts = np.empty(n_signals, dtype=np.int64)
    batch_omp_rows(np.ascontiguousarray(Xr), np.ascontiguousarray(D),
                   np.ascontiguousarray(gram), k_max,
                   0.0 if tol is None else tol, tol is not None,
                   min(n_signals, get_num_threads()),
                   indices, values, counts)
    return indices, values, counts


def batch_omp(X, D, n_nonzero_coefs=None, tol=None, gram=None, *, sparse=False):
    """Sparse-code signals over a dictionary with Batch-OMP.

    Orthogonal Matching Pursuit on the precomputed Gram matrix
    ``G = D^T D`` and correlations ``alpha0 = D^T x``, with a progressive
    Cholesky factorisation of ``G`` restricted to the support, as in
    Batch-OMP [1]_. The signals are coded in parallel by a Numba kernel,
    which also computes their correlations with the atoms.

    Parameters
    ----------
    X : array_like, shape (n_features, n_signals) or (n_features,)
        Signals as columns (as ``y`` of :func:`sklearn.linear_model.orthogonal_mp`).
    D : array_like, shape (n_features, n_atoms)
        Dictionary with the atoms as columns, normally of unit norm.
    n_nonzero_coefs : int, optional
        Most atoms per signal. With neither ``n_nonzero_coefs`` nor ``tol``,
        10 % of the atoms (at least one), as scikit-learn. Never more than
        ``min(n_features, n_atoms)`` atoms are selected.
    tol : float, optional
        Target squared residual norm ``||x - D gamma||^2``: the pursuit of a
        signal stops as soon as it is reached (error-constrained Batch-OMP,
        Algorithm 3 of [1]_), or when ``n_nonzero_coefs`` atoms are selected
        if that is given too.
    gram : array_like, shape (n_atoms, n_atoms), optional
        Precomputed ``D.T @ D``, to reuse over calls with the same ``D``.
    sparse : bool, default False
        Return a :class:`scipy.sparse.csc_array` instead of a dense array.

    Returns
    -------
    codes : ndarray of float64, shape (n_atoms, n_signals) or (n_atoms,)
        Coefficients, ``X ~= D @ codes``; 1-D when ``X`` is 1-D. The array is
        Fortran-ordered (each signal's code is contiguous). With
        ``sparse=True``, a ``csc_array`` of shape ``(n_atoms, n_signals)``
        (``(n_atoms, 1)`` for 1-D ``X``) whose column ``s`` lists the atoms
        of signal ``s`` in selection order; ``.toarray()`` densifies it.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If the shapes disagree, an array is empty or not finite, or
        ``n_nonzero_coefs`` < 1 or ``tol`` < 0.

    See Also
    --------
    sklearn.linear_model.orthogonal_mp_gram : The same algorithm, one signal
        at a time.

    Notes
    -----
    The iterations and stopping rules are those of
    :func:`sklearn.linear_model.orthogonal_mp_gram`, whose results this
    matches to rounding: the atom of largest ``|alpha|`` is added, and the
    pursuit stops early when that correlation squared is below machine
    epsilon, when the atom is already selected, or when its Cholesky pivot
    is below machine epsilon (linearly dependent atoms). Two differences:
    ``tol`` is also tested before the first atom, so a signal with
    ``||x||^2 <= tol`` gets an all-zero code (as in [1]_ and ksvdbox's
    ``omp2``; scikit-learn always selects one atom), and when both ``tol``
    and ``n_nonzero_coefs`` are given both bound the pursuit (scikit-learn
    ignores ``n_nonzero_coefs``).

    References
    ----------
    .. [1] R. Rubinstein, M. Zibulevsky and M. Elad, "Efficient
       Implementation of the K-SVD Algorithm using Batch Orthogonal Matching
       Pursuit", Technion technical report CS-2008-08, 2008.

    Examples
    --------
    >>> import numpy as np
    >>> from classicsr.sparse import batch_omp
    >>> D = np.eye(4)
    >>> batch_omp(np.array([0.0, 3.0, 0.0, -1.0]), D, n_nonzero_coefs=1)
    array([0., 3., 0., 0.])
    """
    X = check_real_array(X, "X", (1, 2))
    D = check_real_array(D, "D", (2,))
    n_features, n_atoms = D.shape
    if X.shape[0] != n_features:
        raise ValueError(
            f"X has {X.shape[0]} features (rows) but D has {n_features}; "
            "signals are the columns of X and atoms the columns of D")
    n_nonzero_coefs = check_int(n_nonzero_coefs, "n_nonzero_coefs", minimum=1,
                                allow_none=True)
    tol = check_real(tol, "tol", minimum=0, allow_none=True)
    gram = _gram_of(D, gram)
    sparse = check_bool(sparse, "sparse")

    if n_nonzero_coefs is None:
        n_nonzero_coefs = n_atoms if tol is not None else max(1, int(0.1 * n_atoms))
    k_max = min(n_nonzero_coefs, n_features, n_atoms)

    Xr = X.reshape(n_features, -1).T
    indices, values, counts = _omp_rows(Xr, D, gram, k_max, tol)
    n_signals = Xr.shape[0]
    if sparse:
        return _compact_codes_csc(indices, values, counts, n_atoms)

    from ._omp_kernels import densify_rows

    codes = np.empty((n_signals, n_atoms))
    densify_rows(indices, values, counts, codes)
    return codes[0] if X.ndim == 1 else codes.T
