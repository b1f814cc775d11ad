"""Numerical kernels of the face methods: batched weight solvers (trusted input).

Two problems, each solved for a whole batch of patches at once with NumPy /
LAPACK (one call for all the patch positions of a face instead of one small
solve per patch, which is what makes these methods fast here):

* :func:`affine_weights` -- the weights of LLE, LSR, LcR, LINE and TLcR:
  ``min w' (Z Z' + diag(lam)) w`` subject to ``sum(w) = 1``, i.e. ``w``
  proportional to ``(Z Z' + diag(lam))^-1 1``. The authors form and solve the
  ``n x n`` matrix (``n`` up to 500 training patches); it is the identity
  plus a rank-``d`` term after scaling (``d`` = feature length, 9 for a 3x3
  LR patch, 146 for TLcR's features), so the Woodbury identity gives the
  same solution from a ``d x d`` system -- the reason this is written here
  rather than with ``scipy.linalg.solve`` on ``n x n`` matrices.
* :func:`basis_pursuit` -- ``min ||w||_1`` subject to ``A w = b`` (Jung et
  al.'s sparse representation), by the primal-dual interior-point method of
  Candes & Romberg's l1-magic ``l1eq_pd`` (the solver of the authors' code),
  with its default constants; scikit-learn and SciPy have no batched
  equality-constrained l1 solver (``linprog`` costs milliseconds per patch).
"""

import numpy as np

__all__ = ["affine_weights", "basis_pursuit"]


def affine_weights(z, lam):
    """Weights summing to one of a locality-constrained least-squares fit.

    Parameters
    ----------
    z : ndarray, shape (B, n, d), float64 or float32
        Per problem, the ``n`` candidates minus the query (``X_i - x``).
        float32 halves the cost of the ``d x d`` Gram matrices (TLcR's
        ``n = 500``, ``d = 146``); the solve is in float64 either way.
    lam : ndarray, shape (B, n)
        Positive diagonal regulariser (``tau * D + eps * trace``).

    Returns
    -------
    ndarray, float64, shape (B, n)
        ``w = C^-1 1 / (1' C^-1 1)`` with ``C = Z Z' + diag(lam)``.

    Notes
    -----
    Woodbury: with ``a = 1 / lam`` and ``S = diag(sqrt(a)) Z``,
    ``C^-1 1 = a * (1 - Z u)`` where ``(I + S' S) u = S' sqrt(a)``;
    ``I + S' S`` is symmetric positive definite with eigenvalues >= 1, so the
    ``d x d`` solve is well conditioned.
    """
    a = 1.0 / lam
    root = np.sqrt(a)
    scaled = z * root[:, :, None].astype(z.dtype)
    gram = np.matmul(scaled.transpose(0, 2, 1), scaled).astype(np.float64)
    d = z.shape[2]
    gram[:, np.arange(d), np.arange(d)] += 1.0
    rhs = np.matmul(scaled.transpose(0, 2, 1), root[:, :, None].astype(z.dtype))
    u = np.linalg.solve(gram, rhs.astype(np.float64))
    v = a * (1.0 - np.matmul(z, u.astype(z.dtype))[:, :, 0])
    return v / v.sum(axis=1, keepdims=True)


def basis_pursuit(A, b, tol=1.0, max_iter=50):
    """``min ||w||_1`` subject to ``A w = b``, for a batch of problems.

    The primal-dual interior-point method of l1-magic's ``l1eq_pd``
    (E. Candes and J. Romberg, 2005): the same starting point (the
    least-norm solution), constants (``mu = 10``, line search ``alpha =
    0.01``, ``beta = 0.5``) and stopping rule (surrogate duality gap below
    ``tol``), each problem stepping on its own until it stops.

    Parameters
    ----------
    A : ndarray, shape (B, m, n)
    b : ndarray, shape (B, m)
    tol : float
        Surrogate duality gap at which a problem stops (``pdtol``; the
        authors' SR code uses 1, a loose solution).
    max_iter : int

    Returns
    -------
    ndarray, shape (B, n)
    """
    mu, alpha, beta = 10.0, 0.01, 0.5
    n = A.shape[2]
    At = A.transpose(0, 2, 1)

    def mv(M, x):
        return np.einsum("bij,bj->bi", M, x)

    x = mv(At, np.linalg.solve(np.matmul(A, At), b[:, :, None])[:, :, 0])
    u = 0.95 * np.abs(x) + 0.10 * np.abs(x).max(axis=1, keepdims=True)
    fu1, fu2 = x - u, -x - u
    lamu1, lamu2 = -1.0 / fu1, -1.0 / fu2
    v = -mv(A, lamu1 - lamu2)
    atv = mv(At, v)
    rpri = mv(A, x) - b
    sdg = -((fu1 * lamu1).sum(1) + (fu2 * lamu2).sum(1))
    tau = mu * 2 * n / sdg

    def residual(lam1, lam2, f1, f2, atv_, rp, tau_):
        rdual = np.concatenate([lam1 - lam2 + atv_, 1.0 - lam1 - lam2], axis=1)
        rcent = np.concatenate([-lam1 * f1, -lam2 * f2], axis=1) - (1.0 / tau_)[:, None]
        return np.sqrt((rdual ** 2).sum(1) + (rcent ** 2).sum(1) + (rp ** 2).sum(1))

    resnorm = residual(lamu1, lamu2, fu1, fu2, atv, rpri, tau)
    active = sdg >= tol
    for _ in range(max_iter):
        if not active.any():
            break
        k = np.flatnonzero(active)
        t = (1.0 / tau[k])[:, None]
        f1, f2, l1, l2 = fu1[k], fu2[k], lamu1[k], lamu2[k]
        w1 = -t * (-1.0 / f1 + 1.0 / f2) - atv[k]
        w2 = -1.0 - t * (1.0 / f1 + 1.0 / f2)
        w3 = -rpri[k]
        sig1 = -l1 / f1 - l2 / f2
        sig2 = l1 / f1 - l2 / f2
        sigx = sig1 - sig2 ** 2 / sig1
        Ak = A[k]
        with np.errstate(all="ignore"):
            h11p = -np.matmul(Ak / sigx[:, None, :], At[k])
            w1p = w3 - mv(Ak, w1 / sigx - w2 * sig2 / (sigx * sig1))
            ok = np.isfinite(h11p).all(axis=(1, 2)) & np.isfinite(w1p).all(axis=1)
            ok[ok] = np.linalg.cond(h11p[ok]) < 1e14
        if not ok.all():  # ill-conditioned: keep the previous iterate (as l1eq_pd)
            active[k[~ok]] = False
            k, t, f1, f2, l1, l2 = k[ok], t[ok], f1[ok], f2[ok], l1[ok], l2[ok]
            w1, w2, sig1, sig2, sigx = w1[ok], w2[ok], sig1[ok], sig2[ok], sigx[ok]
            Ak, h11p, w1p = Ak[ok], h11p[ok], w1p[ok]
            if not len(k):
                break
        dv = np.linalg.solve(h11p, w1p[:, :, None])[:, :, 0]
        atdv = mv(At[k], dv)
        dx = (w1 - w2 * sig2 / sig1 - atdv) / sigx
        adx = mv(Ak, dx)
        du = (w2 - sig2 * dx) / sig1
        dl1 = (l1 / f1) * (-dx + du) - l1 - t / f1
        dl2 = (l2 / f2) * (dx + du) - l2 - t / f2
        # the largest step keeping the multipliers positive and the iterate interior
        with np.errstate(divide="ignore", invalid="ignore"):
            s = np.ones(len(k))
            for ratio, mask in ((-l1 / dl1, dl1 < 0), (-l2 / dl2, dl2 < 0),
                                (-f1 / (dx - du), dx - du > 0),
                                (-f2 / (-dx - du), -dx - du > 0)):
                s = np.minimum(s, np.where(mask, ratio, np.inf).min(axis=1))
        s *= 0.99
        # backtracking until the residual decreases enough (each problem on its own)
        xk, uk, vk, atvk, rpk = x[k], u[k], v[k], atv[k], rpri[k]
        todo = np.ones(len(k), bool)
        new = {}
        for _back in range(32):
            sc = s[:, None]
            xp, up = xk + sc * dx, uk + sc * du
            l1p, l2p = l1 + sc * dl1, l2 + sc * dl2
            f1p, f2p = xp - up, -xp - up
            atvp, rpp = atvk + sc * atdv, rpk + sc * adx
            ok = residual(l1p, l2p, f1p, f2p, atvp, rpp, tau[k]) <= (1 - alpha * s) * resnorm[k]
            take = todo & ok
            for name, val in (("x", xp), ("u", up), ("v", vk + sc * dv), ("atv", atvp),
                              ("l1", l1p), ("l2", l2p), ("rp", rpp)):
                new.setdefault(name, np.array(val))[take] = val[take]
            todo &= ~ok
            if not todo.any():
                break
            s = np.where(todo, beta * s, s)
        stuck = k[todo]  # no sufficient decrease: keep the previous iterate (as l1eq_pd)
        moved = k[~todo]
        sel = ~todo
        x[moved], u[moved], v[moved] = new["x"][sel], new["u"][sel], new["v"][sel]
        atv[moved], rpri[moved] = new["atv"][sel], new["rp"][sel]
        lamu1[moved], lamu2[moved] = new["l1"][sel], new["l2"][sel]
        fu1[moved], fu2[moved] = x[moved] - u[moved], -x[moved] - u[moved]
        sdg[moved] = -((fu1[moved] * lamu1[moved]).sum(1) + (fu2[moved] * lamu2[moved]).sum(1))
        tau[moved] = mu * 2 * n / sdg[moved]
        resnorm[moved] = residual(lamu1[moved], lamu2[moved], fu1[moved], fu2[moved],
                                  atv[moved], rpri[moved], tau[moved])
        active[stuck] = False
        active &= sdg >= tol
    return x
