"""L1-regularised sparse coding (the lasso) of many signals by feature-sign search.

Conventions follow :func:`classicsr.sparse.batch_omp`: the dictionary ``D``
has the atoms as columns, ``(n_features, n_atoms)``, the signals are the
columns of ``X``, ``(n_features, n_signals)``, and the codes are returned as
``(n_atoms, n_signals)``.
"""

import warnings

import numpy as np

from .._validation import check_bool, check_int, check_real, check_real_array
from .omp import _compact_codes_csc, _gram_of

__all__ = ["sparse_code_l1"]


#: Correlations ``D^T y`` held at once by :func:`_l1_rows` (float64 numbers).
_CORRELATION_BLOCK = 1 << 23


def _check_lam(lam):
    return check_real(lam, "lam", minimum=0, strict_minimum=True)


def _l1_rows(Xr, D, gram, lam, max_iter, tol, correlations=None):
    """Feature-sign search on the rows of ``Xr``, in compact form; no input checks.

    Parameters
    ----------
    Xr : ndarray of float64, shape (n_signals, n_features)
        Signals as rows.
    D : ndarray of float64, shape (n_features, n_atoms)
        Dictionary, atoms as columns.
    gram : ndarray of float64, shape (n_atoms, n_atoms)
        ``D.T @ D``.
    lam, max_iter, tol
        As :func:`sparse_code_l1`.
    correlations : ndarray of float64, shape (n_signals, n_atoms), optional
        Precomputed ``Xr @ D`` (e.g. by one BLAS product, several times
        faster than the default). By default they are computed by a Numba
        kernel whose result for a signal does not depend on the other
        signals of the batch (BLAS gives no such guarantee).

    Returns
    -------
    indices : ndarray of int64, shape (n_signals, cap)
        ``indices[s, :counts[s]]``: the atoms of the nonzero coefficients of
        signal ``s``, increasing; ``cap = min(n_atoms, n_features + 1)``.
    values : ndarray of float64, shape (n_signals, cap)
        Their coefficients; slots past ``counts[s]`` are undefined.
    counts : ndarray of int64, shape (n_signals,)
        Number of nonzero coefficients of each signal.
    n_iter : ndarray of int64, shape (n_signals,)
        Feature-sign steps (active-set solves) of each signal.
    status : ndarray of int64, shape (n_signals,)
        0 converged, 1 ``max_iter`` reached, 2 active set full (``cap``
        atoms), 3 stopped on a step that rounding made non-decreasing.
    """
    from numba import get_num_threads

    from ._l1_kernels import correlations as correlation_kernel
    from ._l1_kernels import feature_sign_rows

    n_signals, n_features = Xr.shape
    n_atoms = D.shape[1]
    if correlations is not None and correlations.shape != (n_signals, n_atoms):
        raise ValueError(f"correlations must have shape {(n_signals, n_atoms)}, "
                         f"got {correlations.shape}")
    cap = min(n_atoms, n_features + 1)
    indices = np.empty((n_signals, cap), dtype=np.int64)
    values = np.empty((n_signals, cap))
    counts = np.empty(n_signals, dtype=np.int64)
    n_iter = np.empty(n_signals, dtype=np.int64)
    status = np.empty(n_signals, dtype=np.int64)
    gram = np.ascontiguousarray(gram, dtype=np.float64)
    if correlations is None:
        Xr = np.ascontiguousarray(Xr, dtype=np.float64)
        Dt = np.ascontiguousarray(D.T, dtype=np.float64)
    # A block of signals at a time: bounded memory for the correlations.
    block = max(1, _CORRELATION_BLOCK // max(n_atoms, 1))
    work = np.empty((min(block, n_signals) if correlations is None else 0, n_atoms))
    for lo in range(0, n_signals, block):
        hi = min(lo + block, n_signals)
        if correlations is None:
            B = work[:hi - lo]
            correlation_kernel(Xr[lo:hi], Dt, B)
        else:
            B = np.ascontiguousarray(correlations[lo:hi], dtype=np.float64)
        feature_sign_rows(B, gram, lam, tol, max_iter, cap, min(hi - lo, get_num_threads()),
                          indices[lo:hi], values[lo:hi], counts[lo:hi], n_iter[lo:hi],
                          status[lo:hi])
    return indices, values, counts, n_iter, status


def sparse_code_l1(X, D, lam, *, gram=None, correlations=None, max_iter=1000, tol=1e-10,
                   sparse=False, return_n_iter=False):
    r"""Sparse-code signals over a dictionary by L1-regularised least squares.

    Solves, for each signal (column) ``y`` of ``X``, the lasso

    .. math:: \min_x \tfrac12 \|y - D x\|_2^2 + \lambda \|x\|_1

    by the feature-sign search of Lee et al. [1]_, the solver of Yang et
    al.'s ScSR [2]_ (which uses ``lam = 0.1`` on l2-normalised LR patch
    features and a dictionary with unit-norm atoms). It works on the Gram
    matrix ``G = D^T D`` and the correlations ``D^T y``; the signals are
    coded in parallel by a Numba kernel.

    Parameters
    ----------
    X : array_like, shape (n_features, n_signals) or (n_features,)
        Signals as columns, as for :func:`~classicsr.sparse.batch_omp`.
    D : array_like, shape (n_features, n_atoms)
        Dictionary with the atoms as columns, normally of unit norm (any
        norms are accepted: the penalty is on the coefficients as given).
    lam : float
        Weight ``lam > 0`` of the L1 penalty. A signal with
        ``max |D^T y| <= lam`` gets an all-zero code.
    gram : array_like, shape (n_atoms, n_atoms), optional
        Precomputed ``D.T @ D``, to reuse over calls with the same ``D``.
    correlations : array_like, shape (n_atoms, n_signals), optional
        Precomputed ``D.T @ X`` (one BLAS product is faster than the
        default per-signal computation, which keeps a signal's code
        independent of the batch it is coded in).
    max_iter : int, default 1000
        Most feature-sign steps (active-set solves and line searches) per
        signal. A signal needs a little more than one per nonzero
        coefficient as a rule.
    tol : float, default 1e-10
        Optimality tolerance: the search stops when every zero coefficient
        satisfies ``|d_i^T (y - D x)| <= lam + tol * max_j |d_j^T y|``
        (the nonzero ones satisfy ``d_i^T (y - D x) = lam sign(x_i)`` up to
        rounding).
    sparse : bool, default False
        Return a :class:`scipy.sparse.csc_array` instead of a dense array.
    return_n_iter : bool, default False
        Also return the number of feature-sign steps of each signal.

    Returns
    -------
    codes : ndarray of float64, shape (n_atoms, n_signals) or (n_atoms,)
        The minimisers, 1-D when ``X`` is 1-D; Fortran-ordered (each
        signal's code is contiguous). With ``sparse=True``, a ``csc_array``
        of shape ``(n_atoms, n_signals)`` (``(n_atoms, 1)`` for 1-D ``X``),
        the row indices of each column sorted.
    n_iter : ndarray of int64, shape (n_signals,) or int
        Feature-sign steps per signal (an int for 1-D ``X``); only with
        ``return_n_iter=True``.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If the shapes disagree, an array is empty or not finite, ``lam`` is
        not > 0, ``max_iter`` < 1 or ``tol`` < 0.

    Warns
    -----
    sklearn.exceptions.ConvergenceWarning
        If some signals reached ``max_iter``, or needed an active set of
        more than ``n_features + 1`` atoms (only when ``lam`` is tiny next
        to ``max |D^T y|`` and ``D`` is overcomplete); their codes are the
        last iterates.

    See Also
    --------
    sklearn.linear_model.Lasso : The same problem, by coordinate descent,
        one signal at a time, with ``alpha = lam / n_features``.
    sklearn.linear_model.lars_path : The same problem, by LARS-lasso
        homotopy, at ``alpha = lam / n_features``.
    sklearn.decomposition.sparse_encode : The same problem with
        ``algorithm='lasso_lars'`` or ``'lasso_cd'`` and ``alpha=lam`` (it
        divides by ``n_features`` itself); signals and atoms as rows.
    classicsr.sparse.batch_omp : Greedy L0 coding with the same conventions.

    Notes
    -----
    **Scaling.** scikit-learn's :class:`~sklearn.linear_model.Lasso` and
    :func:`~sklearn.linear_model.lars_path` minimise
    ``(1 / (2 n_samples)) ||y - X w||^2 + alpha ||w||_1``, where the samples
    are here the ``n_features`` entries of ``y`` and ``X = D``; multiplying
    by ``n_features`` gives this objective with ``lam = alpha * n_features``:
    ``Lasso(alpha=lam / n_features, fit_intercept=False).fit(D, y).coef_``
    is the code of ``y``. The minimiser is unique when the columns of ``D``
    are in general position (as for random or learnt dictionaries), and
    then has at most ``n_features`` nonzero coefficients.

    **Algorithm.** Feature-sign search [1]_ guesses the signs of the
    coefficients: it adds, among the zero coefficients, the one whose
    gradient ``g_i = d_i^T (D x - y)`` most exceeds ``lam`` in magnitude,
    with the sign ``-sign(g_i)``; solves the quadratic problem on the active
    set with those signs fixed, ``x_new = G_AA^{-1} (D_A^T y - lam theta)``
    (a small Cholesky factorisation); and takes the best of ``x_new`` and the
    points where a coefficient changes sign on the segment to it, dropping
    the coefficients that reach zero. Each step lowers the objective, so the
    search ends, with the exact minimiser, in finitely many steps. An atom
    that joins in the span of the active ones (``G_AA`` singular: a support
    of ``rank(D)`` atoms, or parallel atoms) is swapped in by a step along
    the null direction to the first coefficient that reaches zero. The line
    search compares objective changes computed from the current point, not
    absolute objective values, so that it is not defeated by cancellation.
    The result does not depend on the number of threads or on the other
    signals of the batch.

    References
    ----------
    .. [1] H. Lee, A. Battle, R. Raina and A. Y. Ng, "Efficient sparse coding
       algorithms", Advances in Neural Information Processing Systems 19
       (NIPS 2006), 2007.
    .. [2] J. Yang, J. Wright, T. S. Huang and Y. Ma, "Image
       Super-Resolution via Sparse Representation", IEEE Transactions on
       Image Processing 19(11), 2861-2873, 2010.

    Examples
    --------
    >>> import numpy as np
    >>> from classicsr.sparse import sparse_code_l1
    >>> D = np.eye(3)
    >>> sparse_code_l1(np.array([2.0, -0.5, 0.05]), D, lam=0.1)  # soft threshold
    array([ 1.9, -0.4,  0. ])
    """
    X = check_real_array(X, "X", (1, 2))
    D = check_real_array(D, "D", (2,))
    n_features, n_atoms = D.shape
    if X.shape[0] != n_features:
        raise ValueError(
            f"X has {X.shape[0]} features (rows) but D has {n_features}; "
            "signals are the columns of X and atoms the columns of D")
    lam = _check_lam(lam)
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    tol = check_real(tol, "tol", minimum=0)
    gram = _gram_of(D, gram)
    sparse = check_bool(sparse, "sparse")
    return_n_iter = check_bool(return_n_iter, "return_n_iter")

    Xr = X.reshape(n_features, -1).T
    if correlations is not None:
        correlations = check_real_array(correlations, "correlations", (1, 2))
        correlations = np.ascontiguousarray(correlations.reshape(n_atoms, -1).T)
        if correlations.shape != (Xr.shape[0], n_atoms):
            raise ValueError(f"correlations must have shape {(n_atoms,) + X.shape[1:]} "
                             "(D.T @ X)")
    indices, values, counts, n_iter, status = _l1_rows(Xr, D, gram, lam, max_iter, tol,
                                                      correlations)
    n_signals = Xr.shape[0]
    n_max_iter = int(np.count_nonzero(status == 1))
    n_full = int(np.count_nonzero(status == 2))
    if n_max_iter or n_full:
        from sklearn.exceptions import ConvergenceWarning

        parts = []
        if n_max_iter:
            parts.append(f"{n_max_iter} reached max_iter={max_iter}")
        if n_full:
            parts.append(f"{n_full} needed more than n_features + 1 = "
                         f"{min(n_atoms, n_features + 1)} active atoms (lam too small?)")
        warnings.warn(f"sparse_code_l1: of {n_signals} signals, " + " and ".join(parts)
                      + "; their codes are not optimal", ConvergenceWarning, stacklevel=2)

    if sparse:
        codes = _compact_codes_csc(indices, values, counts, n_atoms)
    else:
        from ._omp_kernels import densify_rows

        dense = np.empty((n_signals, n_atoms))
        densify_rows(indices, values, counts, dense)
        codes = dense[0] if X.ndim == 1 else dense.T
    if return_n_iter:
        return codes, (int(n_iter[0]) if X.ndim == 1 else n_iter)
    return codes
