"""Numba kernels for L1-regularised least squares (the lasso) by feature-sign search.

Imported lazily by :func:`classicsr.sparse.sparse_code_l1`, so that importing
``classicsr`` compiles nothing. The kernels trust their input: float64
C-contiguous arrays, the signals as rows of ``X``, the dictionary ``D`` with
the atoms as columns and ``G = D^T D``.

Each signal ``y`` is coded by minimising

    f(x) = 1/2 ||y - D x||^2 + lam ||x||_1
         = 1/2 x^T G x - b^T x + lam ||x||_1 + 1/2 ||y||^2,    b = D^T y,

with the feature-sign search of Lee et al. [1]_, on ``G`` and ``b`` (the
form of the quadratic program of Yang et al.'s ScSR code [2]_,
``L1QP_FeatureSign_yang``). With ``g = G x - b`` the gradient of the smooth
part:

1. Among the zero coefficients, take ``i = argmax |g_i|``; if
   ``|g_i| <= lam + slack`` the code is optimal. Otherwise ``i`` joins the
   active set with the sign ``theta_i = -sign(g_i)``.
2. Feature-sign step: on the active set ``A``, solve the unconstrained
   quadratic ``x_new = G_AA^{-1} (b_A - lam theta_A)`` (a Cholesky factor of
   ``G_AA``, extended by one row when an atom joins and recomputed from the
   first removed row when atoms leave); line search on the segment from
   ``x_A`` to ``x_new``: the objective is evaluated at ``x_new`` and at each
   point where a coefficient changes sign, and the lowest is taken. Zero
   coefficients leave the active set and ``theta = sign(x)``.
3. Repeat step 2 until ``x_new`` keeps the signs ``theta`` (the optimality
   condition ``g_A = -lam theta_A`` on the nonzero coefficients then holds),
   then go back to 1.

When the atom added in step 1 lies (numerically) in the span of the active
atoms, ``G_AA`` is singular (this happens when the support reaches
``rank(D)`` atoms, or with parallel atoms): the quadratic then decreases
without bound along the null direction, and the step goes along it to the
first coefficient that reaches zero, which leaves (an atom swap). Removing
atoms keeps ``G_AA`` positive definite; should rounding still defeat a
refactorisation, a ridge of ``RIDGE`` times the largest diagonal entry is
added for the rest of that signal.

The objective is evaluated as its change from the current point along the
segment (exact for a quadratic plus the L1 term, computed per coordinate),
which avoids the cancellation of comparing absolute objective values.

Codes are held in a compact fixed-width form as in ``_omp_kernels``:
``indices[s, :counts[s]]`` are the nonzero coefficients' atoms, in increasing
order, and ``values[s, :counts[s]]`` their values.

References
----------
.. [1] H. Lee, A. Battle, R. Raina and A. Y. Ng, "Efficient sparse coding
   algorithms", Advances in Neural Information Processing Systems 19
   (NIPS 2006), 2007.
.. [2] J. Yang, J. Wright, T. S. Huang and Y. Ma, "Image Super-Resolution via
   Sparse Representation", IEEE Transactions on Image Processing 19(11),
   2861-2873, 2010.
"""

import math

import numpy as np
from numba import njit, prange

from ._cholesky import cholesky_row_solve, cholesky_solve

__all__ = ["ACTIVE_SET_FULL", "CONVERGED", "correlations", "feature_sign_rows", "MAX_ITER",
           "PIVOT_TOL", "RIDGE", "STALLED"]

#: A Cholesky pivot below this fraction of its diagonal entry marks ``G_AA``
#: as numerically singular (an atom in the span of the other active atoms).
PIVOT_TOL = 1e-12
#: Ridge added to the diagonal of ``G_AA``, as a fraction of its largest
#: diagonal entry, if a refactorisation after removals finds it singular
#: (rounding only; kept for the rest of that signal).
RIDGE = 1e-10

#: ``status`` codes written per signal.
CONVERGED = 0
MAX_ITER = 1
ACTIVE_SET_FULL = 2
STALLED = 3


@njit(cache=True)
def _chol_row(G, act, n, chol, ridge):
    """Write row ``n`` of the Cholesky factor of ``G[act, act] + ridge I``.

    Rows ``0 .. n-1`` must already hold the factor of the leading block.
    Returns ``False`` when the pivot is below ``PIVOT_TOL`` of the diagonal.
    """
    g_n = G[act[n]]
    ww = cholesky_row_solve(g_n, act, n, chol)
    diag = g_n[act[n]] + ridge
    pivot = diag - ww
    if not pivot > PIVOT_TOL * diag:
        return False
    chol[n, n] = math.sqrt(pivot)
    return True


@njit(cache=True)
def _factor(G, act, n, start, chol, ridge):
    """Factor rows ``start .. n-1``; on a singular block, refactor with a ridge.

    Returns the ridge in use: 0.0, or ``RIDGE`` times the largest diagonal
    entry of ``G`` over the active atoms (times 10 for each further failure).
    """
    k = start
    while k < n:
        if _chol_row(G, act, k, chol, ridge):
            k += 1
            continue
        if ridge == 0.0:
            dmax = 0.0
            for r in range(n):
                dmax = max(dmax, G[act[r], act[r]])
            ridge = RIDGE * max(dmax, 1e-300)
        else:
            ridge *= 10.0
        k = 0
    return ridge


@njit(cache=True)
def _delta_objective(t, xa, d, n, p, qd, lam, zero_k):
    """``f(x + t d) - f(x)`` on the active set, with coordinate ``zero_k`` set to 0.

    ``p = g_A . d`` (``g_A`` the smooth gradient at ``x``) and
    ``qd = d^T G_AA d``; the quadratic part is exact, the L1 part per
    coordinate. ``zero_k = -1`` sets no coordinate to zero.
    """
    l1 = 0.0
    for k in range(n):
        w = 0.0 if k == zero_k else xa[k] + t * d[k]
        l1 += abs(w) - abs(xa[k])
    return t * p + 0.5 * t * t * qd + lam * l1


@njit(cache=True)
def _gradient(G, b, act, xa, n, g):
    """``g = G[:, act[:n]] @ xa[:n] - b``, four rows of ``G`` per pass over ``g``."""
    n_atoms = b.shape[0]
    for i in range(n_atoms):
        g[i] = -b[i]
    k = 0
    while k + 4 <= n:
        x0 = xa[k]
        x1 = xa[k + 1]
        x2 = xa[k + 2]
        x3 = xa[k + 3]
        g0 = G[act[k]]
        g1 = G[act[k + 1]]
        g2 = G[act[k + 2]]
        g3 = G[act[k + 3]]
        for i in range(n_atoms):
            g[i] += (x0 * g0[i] + x1 * g1[i]) + (x2 * g2[i] + x3 * g3[i])
        k += 4
    while k < n:
        xk = xa[k]
        g_k = G[act[k]]
        for i in range(n_atoms):
            g[i] += xk * g_k[i]
        k += 1


@njit(cache=True)
def _drop_zeros(G, act, xa, theta, n, in_active, chol, ridge):
    """Drop the zero coefficients from the active set; ``theta = sign(x)``.

    Refactors the Cholesky factor from the first dropped row. Returns the
    new active-set size and the ridge in use.
    """
    m = 0
    first_removed = n
    for k in range(n):
        if xa[k] == 0.0:
            in_active[act[k]] = False
            if first_removed == n:
                first_removed = k
            continue
        act[m] = act[k]
        xa[m] = xa[k]
        theta[m] = 1.0 if xa[k] > 0.0 else -1.0
        m += 1
    if first_removed < m:
        ridge = _factor(G, act, m, first_removed, chol, ridge)
    return m, ridge


@njit(cache=True)
def _null_step(chol, act, xa, theta, n, tmp, w):
    """Step along the null direction of a singular ``G_AA`` to the first zero.

    The last active atom ``i = act[n - 1]`` (just added, ``x_i = 0``) lies in
    the span of the others: ``chol[n - 1, :n - 1]`` holds
    ``L^{-1} G[A', i]`` (``A'`` the others), so ``w = G[A', A']^{-1} G[A', i]``
    gives ``d_i = D_A' w``. Along ``v = theta_i (e_i - w)``, ``D v = 0`` and
    the objective changes by ``lam - |g_i| < 0`` per unit step, until an
    old coefficient reaches zero: that point is taken and the coefficient
    set to exactly zero. Returns ``False`` (nothing moved) when no old
    coefficient decreases along ``v``.
    """
    m = n - 1
    for r in range(m):
        tmp[r] = chol[m, r]
    for r in range(m - 1, -1, -1):
        s = tmp[r]
        for c in range(r + 1, m):
            s -= chol[c, r] * w[c]
        w[r] = s / chol[r, r]
    sigma = theta[m]
    first_t = np.inf
    first_k = -1
    for k in range(m):
        v = -sigma * w[k]
        if xa[k] * v < 0.0:
            t = -xa[k] / v
            if t < first_t:
                first_t = t
                first_k = k
    if first_k < 0:
        return False
    for k in range(m):
        xa[k] -= first_t * sigma * w[k]
    xa[first_k] = 0.0
    xa[m] = first_t * sigma
    return True


@njit(cache=True)
def _feature_sign(b, G, lam, thresh, max_iter, cap,
                  g, in_active, act, xa, theta, z, d, rhs, tmp, chol,
                  out_idx, out_val):
    """Feature-sign search for one signal with ``b = D^T y``.

    ``thresh = lam + slack``: a zero coefficient enters the active set only
    if ``|g_i| > thresh``. ``g`` (n_atoms) and the active-set arrays (``cap``
    long, ``chol`` ``cap x cap``) are work arrays; ``in_active`` must be all
    False on entry and is left so. Returns ``(count, n_iter, status)``, the
    code written to ``out_idx[:count]`` (sorted) and ``out_val[:count]``.
    """
    n_atoms = b.shape[0]
    for i in range(n_atoms):
        g[i] = -b[i]
    n = 0
    n_iter = 0
    status = CONVERGED
    ridge = 0.0
    while True:
        # Step 1: the zero coefficient that most violates optimality.
        best = -1
        gmax = thresh
        for i in range(n_atoms):
            if not in_active[i]:
                a = abs(g[i])
                if a > gmax:
                    gmax = a
                    best = i
        if best < 0:
            break
        if n == cap:
            status = ACTIVE_SET_FULL
            break
        if n_iter >= max_iter:
            status = MAX_ITER
            break
        act[n] = best
        xa[n] = 0.0
        theta[n] = -1.0 if g[best] > 0.0 else 1.0
        in_active[best] = True
        n += 1
        if not _chol_row(G, act, n - 1, chol, ridge):
            if ridge > 0.0:
                ridge = _factor(G, act, n, 0, chol, ridge)
            else:
                # The new atom is in the span of the active ones: G_AA is
                # singular and the quadratic decreases without bound along
                # its null direction; step along it to the first zero.
                if n_iter >= max_iter:
                    status = MAX_ITER
                    break
                n_iter += 1
                if not _null_step(chol, act, xa, theta, n, tmp, z):
                    in_active[best] = False
                    n -= 1
                    status = STALLED
                    break
                n, ridge = _drop_zeros(G, act, xa, theta, n, in_active, chol, ridge)

        # Steps 2-3: feature-sign steps until x_new keeps the signs theta.
        while n > 0:
            if n_iter >= max_iter:
                status = MAX_ITER
                break
            n_iter += 1
            for k in range(n):
                rhs[k] = b[act[k]] - lam * theta[k]
            cholesky_solve(chol, n, rhs, tmp, z)
            # d = x_new - x; p = g_A . d; qd = d^T G_AA d
            p = 0.0
            qd = 0.0
            for k in range(n):
                d[k] = z[k] - xa[k]
            for k in range(n):
                g_k = G[act[k]]
                gx = -b[act[k]]
                gd = 0.0
                for m in range(n):
                    gkm = g_k[act[m]]
                    gx += gkm * xa[m]
                    gd += gkm * d[m]
                p += gx * d[k]
                qd += d[k] * gd
            # Candidates: x_new (t = 1) and the sign changes (0 < t < 1).
            consistent = True
            best_t = 1.0
            best_k = -1
            best_val = _delta_objective(1.0, xa, d, n, p, qd, lam, -1)
            first_t = 2.0
            first_k = -1
            for k in range(n):
                if z[k] * theta[k] > 0.0:
                    continue
                consistent = False
                if xa[k] == 0.0 or z[k] == 0.0:
                    # A new atom whose x_new has the wrong sign (t = 0:
                    # rounding only), or x_new exactly zero (t = 1).
                    continue
                t = xa[k] / (xa[k] - z[k])
                if t >= 1.0:
                    continue
                val = _delta_objective(t, xa, d, n, p, qd, lam, k)
                if val < best_val or (val == best_val and t < best_t):
                    best_val = val
                    best_t = t
                    best_k = k
                if t < first_t:
                    first_t = t
                    first_k = k
            if consistent:
                for k in range(n):
                    xa[k] = z[k]
                break
            if not best_val < 0.0:
                # No decrease measurable in floating point: the first sign
                # change still shrinks the active set; with none, stop.
                if first_k < 0:
                    status = STALLED
                    break
                best_t = first_t
                best_k = first_k
            for k in range(n):
                xa[k] = xa[k] + best_t * d[k] if best_t < 1.0 else z[k]
            if best_k >= 0:
                xa[best_k] = 0.0
            n, ridge = _drop_zeros(G, act, xa, theta, n, in_active, chol, ridge)
        if status != CONVERGED:
            break
        _gradient(G, b, act, xa, n, g)

    # Output sorted by atom; clear in_active.
    count = 0
    for k in range(n):
        in_active[act[k]] = False
        if xa[k] != 0.0:
            j = count
            while j > 0 and out_idx[j - 1] > act[k]:
                out_idx[j] = out_idx[j - 1]
                out_val[j] = out_val[j - 1]
                j -= 1
            out_idx[j] = act[k]
            out_val[j] = xa[k]
            count += 1
    return count, n_iter, status


@njit(cache=True, inline="always", fastmath=True)
def _four_correlations(x0, x1, x2, x3, Dt, b0, b1, b2, b3):
    """``b_k = Dt @ x_k`` for four signals: one pass over the atoms, four dot products each."""
    n_atoms, n_features = Dt.shape
    for i in range(n_atoms):
        d = Dt[i]
        a0 = 0.0
        a1 = 0.0
        a2 = 0.0
        a3 = 0.0
        for f in range(n_features):
            di = d[f]
            a0 += x0[f] * di
            a1 += x1[f] * di
            a2 += x2[f] * di
            a3 += x3[f] * di
        b0[i] = a0
        b1[i] = a1
        b2[i] = a2
        b3[i] = a3


@njit(cache=True, parallel=True)
def correlations(X, Dt, B):
    """``B[s] = Dt @ X[s]`` (``Dt = D^T``, atoms as rows) for every signal.

    Signals go four at a time through one code path (the last group padded
    with zero signals), so each dot product is computed by the same
    instructions whatever the batch: a signal's correlations, and hence its
    code, do not depend on the other signals or on the number of threads.
    The dot products are vectorised (``fastmath`` lets LLVM split each sum
    into SIMD lanes; the split is fixed at compile time, not per call).
    """
    n_signals, n_features = X.shape
    n_atoms = Dt.shape[0]
    n_groups = (n_signals + 3) // 4
    for q in prange(n_groups):
        s0 = 4 * q
        if s0 + 4 <= n_signals:
            _four_correlations(X[s0], X[s0 + 1], X[s0 + 2], X[s0 + 3], Dt,
                               B[s0], B[s0 + 1], B[s0 + 2], B[s0 + 3])
        else:
            xs = np.zeros((4, n_features))
            bs = np.empty((4, n_atoms))
            for k in range(n_signals - s0):
                xs[k] = X[s0 + k]
            _four_correlations(xs[0], xs[1], xs[2], xs[3], Dt, bs[0], bs[1], bs[2], bs[3])
            for k in range(n_signals - s0):
                B[s0 + k] = bs[k]


@njit(cache=True, parallel=True)
def feature_sign_rows(B, G, lam, tol, max_iter, cap, n_chunks,
                      indices, values, counts, n_iter, status):
    """Feature-sign search for every signal, in parallel over signals.

    ``B`` is ``(n_signals, n_atoms)``, row ``s`` the correlations ``b = D^T
    y_s`` of signal ``s`` with the atoms (computed by the caller as one
    matrix product, which BLAS does far faster than per-signal loops), and
    ``G = D^T D``. A zero coefficient enters the active set when ``|g_i| >
    lam + tol * max|b|``. Chunk ``c`` of ``n_chunks`` (one per thread) codes
    the signals ``c, c + n_chunks, ...`` (interleaved, which balances the
    load when costly signals cluster), with its own work arrays. Writes the
    codes to ``indices`` / ``values`` (``(n_signals, cap)``) and ``counts``,
    and the feature-sign steps and status of each signal to ``n_iter`` and
    ``status``. The result does not depend on ``n_chunks``.
    """
    n_signals, n_atoms = B.shape
    for c in prange(n_chunks):
        g = np.empty(n_atoms)
        in_active = np.zeros(n_atoms, dtype=np.bool_)
        act = np.empty(cap, dtype=np.int64)
        xa = np.empty(cap)
        theta = np.empty(cap)
        z = np.empty(cap)
        d = np.empty(cap)
        rhs = np.empty(cap)
        tmp = np.empty(cap)
        chol = np.zeros((cap, cap))
        for s in range(c, n_signals, n_chunks):
            b = B[s]
            bmax = 0.0
            for i in range(n_atoms):
                bmax = max(bmax, abs(b[i]))
            cnt, it, st = _feature_sign(
                b, G, lam, lam + tol * bmax, max_iter, cap,
                g, in_active, act, xa, theta, z, d, rhs, tmp, chol,
                indices[s], values[s])
            counts[s] = cnt
            n_iter[s] = it
            status[s] = st
