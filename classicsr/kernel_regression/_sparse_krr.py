"""Sparse kernel ridge regression: Gaussian kernel, basis by kernel matching pursuit,
basis positions refined by gradient descent (Kim & Kwon, TPAMI 2010, Sec. 2).

Written here because scikit-learn has no kernel matching pursuit and its
:class:`~sklearn.kernel_ridge.KernelRidge` keeps every training sample as a
basis point (O(n^2) memory, O(n) work per prediction); the paper's point is a
small basis (a few hundred points) found greedily and then moved by gradient
descent. Everything is BLAS (numpy) and :func:`scipy.optimize.minimize`
(L-BFGS); there is no per-sample Python loop.

The model is ``f(x) = sum_j k(x, b_j) w_j`` with ``k(x, b) = exp(-|x - b|^2 /
width)``; for a basis ``B`` the weights minimise ``|K_XB W - Y|^2 + lam
tr(W^T K_BB W)`` (kernel ridge regression restricted to the span of the basis).
"""

import numpy as np

__all__ = ["apply", "design", "gaussian_kernel", "kernel_matching_pursuit", "median_sq_distance",
           "refine_basis", "solve_weights"]

_CHUNK = 16384


def gaussian_kernel(x, basis, width, dtype=np.float64):
    """``exp(-|x_i - b_j|^2 / width)`` for the rows of ``x`` and ``basis``."""
    from ._kernels import gaussian_from_gram

    x = np.asarray(x, dtype)
    basis = np.asarray(basis, dtype)
    gram = x @ (basis * dtype(2.0 / width)).T
    gaussian_from_gram(gram, (x * x).sum(1) / dtype(width),
                       (basis * basis).sum(1) / dtype(width))
    return gram


def design(x, basis, width, linear, dtype=np.float64):
    """The regression's features of the rows of ``x``: the kernel values at the
    basis, then (``linear``) ``x`` itself and a constant."""
    k = gaussian_kernel(x, basis, width, dtype)
    if not linear:
        return k
    return np.hstack([k, np.asarray(x, dtype), np.ones((k.shape[0], 1), dtype)])


def apply(x, basis, width, weights, linear, dtype=np.float32):
    """``design(x, ...) @ weights`` without building the design matrix (test time)."""
    nb = basis.shape[0]
    out = gaussian_kernel(x, basis, width, dtype) @ weights[:nb]
    if linear:
        out += np.asarray(x, dtype) @ weights[nb:-1]
        out += weights[-1]
    return out


def _penalty(basis, width, lam, linear):
    """The regulariser's matrix: ``lam K_BB`` on the kernel weights; a tiny
    ridge on the linear part (it is not the kernel model's, so not penalised
    like it; the ridge only keeps the solve stable)."""
    k_bb = gaussian_kernel(basis, basis, width)
    if not linear:
        return lam * k_bb, k_bb
    n = basis.shape[0]
    d = basis.shape[1] + 1
    out = np.zeros((n + d, n + d))
    out[:n, :n] = lam * k_bb
    out[n:, n:] = 1e-6 * np.eye(d)
    return out, k_bb


def median_sq_distance(x, rng, n=2000):
    """Median squared distance between ``n`` random rows of ``x`` (distinct pairs)."""
    probe = np.asarray(x[rng.choice(x.shape[0], min(x.shape[0], n), replace=False)],
                       np.float64)
    norms = (probe * probe).sum(1)
    d = norms[:, None] + norms[None, :] - 2 * (probe @ probe.T)
    return float(np.median(np.maximum(d[np.triu_indices_from(d, 1)], 0.0)))


def solve_weights(x, y, basis, width, lam, linear=False):
    """The ridge weights ``W`` (n_features, n_outputs) of ``basis``, in chunks of ``x``
    (the kernel weights first, then with ``linear`` those of ``x`` and the constant)."""
    gram = cross = None
    for start in range(0, x.shape[0], _CHUNK):
        k = design(x[start:start + _CHUNK], basis, width, linear)
        if gram is None:
            gram = np.zeros((k.shape[1], k.shape[1]))
            cross = np.zeros((k.shape[1], y.shape[1]))
        gram += k.T @ k
        cross += k.T @ np.asarray(y[start:start + _CHUNK], np.float64)
    return _solve(gram + _penalty(basis, width, lam, linear)[0], cross)


def _solve(a, b):
    # the basis Gram matrix is positive semi-definite; a tiny ridge on the
    # diagonal keeps the solve stable when two basis points nearly coincide
    a = a + 1e-10 * np.trace(a) / a.shape[0] * np.eye(a.shape[0])
    return np.linalg.solve(a, b)


def kernel_matching_pursuit(x, y, candidates, width, n_basis, *, progress=False):
    """Greedy basis selection (orthogonal kernel matching pursuit, Vincent & Bengio 2002).

    At each step the candidate whose kernel column, orthogonalised against
    the columns already chosen, removes the most squared residual of all the
    outputs ``y`` is added (the "back-fitting" KMP the paper uses).

    Parameters
    ----------
    x : ndarray (n, d)
        Training inputs.
    y : ndarray (n, n_outputs)
    candidates : ndarray (m, d)
        Candidate basis points (a subset of the training inputs).
    width : float
    n_basis : int

    Returns
    -------
    ndarray of int
        Indices into ``candidates`` of the chosen basis, in order of choice.
    """
    from scipy.linalg.blas import dger as _dger
    from tqdm.auto import tqdm

    columns = gaussian_kernel(x, candidates, width)  # (n, m), orthogonalised in place
    residual = np.asarray(y, np.float64).copy()
    correlation = columns.T @ residual  # (m, n_outputs)
    norms = (columns * columns).sum(0)
    chosen = []
    alive = np.ones(candidates.shape[0], bool)
    for _ in tqdm(range(min(n_basis, candidates.shape[0])), desc="kernel matching pursuit",
                  unit="basis", disable=not progress):
        gain = np.where(alive & (norms > 1e-9 * norms.max()),
                        (correlation ** 2).sum(1) / np.maximum(norms, 1e-300), -1.0)
        j = int(np.argmax(gain))
        if gain[j] <= 0:
            break
        chosen.append(j)
        alive[j] = False
        q = columns[:, j] / np.sqrt(norms[j])
        projection = columns.T @ q  # (m,)
        coefficient = q @ residual  # (n_outputs,)
        residual -= np.outer(q, coefficient)
        correlation -= np.outer(projection, coefficient)
        # rank-one downdate in place (BLAS dger on the Fortran view; np.outer
        # would allocate an n x m temporary at every step)
        _dger(-1.0, projection, q, a=columns.T, overwrite_a=1)
        # downdated, and recomputed every 16 steps: the downdate alone loses
        # the small norms to cancellation and ends the pursuit early
        if len(chosen) % 16:
            norms = np.maximum(norms - projection ** 2, 0.0)
        else:
            norms = np.einsum("ij,ij->j", columns, columns)
    return np.array(chosen, dtype=np.int64)


def _objective(flat, x, y, width, lam, shape, linear):
    """Value and gradient (basis positions) of the mean regularised squared error,
    the weights being re-solved for each basis (envelope theorem)."""
    basis = flat.reshape(shape)
    n = x.shape[0]
    nb = shape[0]
    phi = design(x, basis, width, linear)
    penalty, k_bb = _penalty(basis, width, lam, linear)
    w_all = _solve(phi.T @ phi + penalty, phi.T @ y)
    error = phi @ w_all - y
    value = ((error ** 2).sum() + np.einsum("io,ij,jo->", w_all, penalty, w_all)) / n
    k = phi[:, :nb]
    w = w_all[:nb]
    # d value / d K_XB = 2 E W^T / n; dk(x, b)/db = k (x - b) 2 / width
    m = (2.0 / n) * (error @ w.T) * k
    grad = (2.0 / width) * (m.T @ x - basis * m.sum(0)[:, None])
    s = (lam / n) * (w @ w.T) * k_bb  # d value / d K_BB (symmetric)
    grad += (4.0 / width) * (s @ basis - basis * s.sum(0)[:, None])
    return value, grad.ravel()


def refine_basis(x, y, basis, width, lam, iterations, linear=False):
    """Move the basis points by L-BFGS on the regularised training error (the
    paper's gradient-descent step), the weights following the basis."""
    from scipy.optimize import minimize

    if iterations <= 0:
        return basis
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)
    result = minimize(_objective, basis.ravel().astype(np.float64),
                      args=(x, y, width, lam, basis.shape, linear), jac=True, method="L-BFGS-B",
                      options={"maxiter": int(iterations)})
    return result.x.reshape(basis.shape)
