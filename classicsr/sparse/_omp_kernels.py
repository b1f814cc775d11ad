"""Numba kernels for Batch-OMP and the approximate K-SVD update.

Imported lazily by :func:`classicsr.sparse.batch_omp` and
:class:`classicsr.sparse.KSVD`, so that importing ``classicsr`` compiles
nothing. The kernels trust their input: float64 C-contiguous arrays, with
the signals as rows of ``X``; the dictionary is ``D`` (atoms as columns) in
the pursuit and ``Dt = D.T`` (atoms as rows) in the K-SVD update.

Sparse codes are held in a compact fixed-width form: for signal ``s``,
``indices[s, :counts[s]]`` are the selected atoms in selection order and
``values[s, :counts[s]]`` their coefficients; the slots past ``counts[s]``
are undefined.

References
----------
.. [1] R. Rubinstein, M. Zibulevsky and M. Elad, "Efficient Implementation of
   the K-SVD Algorithm using Batch Orthogonal Matching Pursuit", Technion
   technical report CS-2008-08, 2008.
"""

import math

import numpy as np
from numba import njit, prange

from ._cholesky import cholesky_row_solve, cholesky_solve

__all__ = ["atom_members", "batch_omp_rows", "clear_dictionary", "densify_rows", "EPS",
           "residuals", "update_atoms"]

#: Machine epsilon of float64: the threshold under which scikit-learn's
#: ``orthogonal_mp_gram`` deems a correlation or a Cholesky pivot to be zero.
EPS = np.finfo(np.float64).eps

@njit(cache=True)
def _omp_signal(alpha0, G, norm2, k_max, tol, use_tol,
                alpha, chol, rhs, tmp, gamma, out_idx, out_val):
    """Batch-OMP of one signal (Algorithm 3 of [1]); returns the support size.

    ``alpha0 = D^T x``; ``chol`` holds the progressive Cholesky factor of
    ``G[I, I]``; ``alpha``, ``rhs``, ``tmp`` and ``gamma`` are work vectors. The
    support and coefficients are written to ``out_idx`` and ``out_val``.
    """
    n_atoms = alpha0.shape[0]
    for i in range(n_atoms):
        alpha[i] = alpha0[i]
    n = 0
    err = norm2
    delta = 0.0
    while n < k_max:
        if use_tol and abs(err) <= tol:
            break
        lam = 0
        amax = -1.0
        for i in range(n_atoms):
            a = abs(alpha[i])
            if a > amax:
                amax = a
                lam = i
        if amax * amax < EPS:
            break
        selected = False
        for r in range(n):
            if out_idx[r] == lam:
                selected = True
        if selected:
            break
        g_lam = G[lam]
        if n > 0:
            # w = L^{-1} G[I, lam]; new row [w^T, sqrt(G[lam, lam] - w^T w)]
            ww = cholesky_row_solve(g_lam, out_idx, n, chol)
            pivot = g_lam[lam] - ww
            if pivot <= EPS:
                break
            chol[n, n] = math.sqrt(pivot)
        else:
            chol[0, 0] = math.sqrt(g_lam[lam])
        out_idx[n] = lam
        n += 1
        # gamma = (L L^T)^{-1} alpha0[I]
        for r in range(n):
            rhs[r] = alpha0[out_idx[r]]
        cholesky_solve(chol, n, rhs, tmp, gamma)
        if use_tol:
            # delta^n = gamma^T beta_I with beta = G[:, I] gamma
            d = 0.0
            for r in range(n):
                g_r = G[out_idx[r]]
                b = 0.0
                for c in range(n):
                    b += g_r[out_idx[c]] * gamma[c]
                d += gamma[r] * b
            err += delta - d
            delta = d
        if n == k_max:
            break
        # alpha = alpha0 - G[:, I] gamma
        for i in range(n_atoms):
            alpha[i] = alpha0[i]
        for r in range(n):
            g = gamma[r]
            g_r = G[out_idx[r]]
            for i in range(n_atoms):
                alpha[i] -= g * g_r[i]
    for r in range(n):
        out_val[r] = gamma[r]
    return n


@njit(cache=True, parallel=True)
def batch_omp_rows(X, D, G, k_max, tol, use_tol, n_chunks, indices, values, counts):
    """Batch-OMP of every row of ``X`` over the columns of ``D``, in parallel.

    ``X`` is ``(n_signals, n_features)``, ``D`` is ``(n_features, n_atoms)``
    and ``G = D^T D``. The signals are split into ``n_chunks`` contiguous
    chunks (one per thread), run in parallel, each with its own work arrays.
    ``alpha0 = D^T x`` is computed here, signal by signal: a blocked BLAS
    product before the kernel measured slower on 2 cores, its threads
    competing with Numba's. Codes go to ``indices``,
    ``values`` (shape ``(n_signals, k_max)``) and ``counts``.
    """
    n_signals, n_features = X.shape
    n_atoms = D.shape[1]
    for c in prange(n_chunks):
        alpha0 = np.empty(n_atoms)
        alpha = np.empty(n_atoms)
        chol = np.zeros((k_max, k_max))
        rhs = np.empty(k_max)
        tmp = np.empty(k_max)
        gamma = np.empty(k_max)
        for s in range(c * n_signals // n_chunks, (c + 1) * n_signals // n_chunks):
            x = X[s]
            alpha0[:] = 0.0
            norm2 = 0.0
            for f in range(n_features):
                xf = x[f]
                norm2 += xf * xf
                row = D[f]
                for i in range(n_atoms):
                    alpha0[i] += xf * row[i]
            counts[s] = _omp_signal(alpha0, G, norm2, k_max, tol, use_tol,
                                    alpha, chol, rhs, tmp, gamma, indices[s], values[s])


@njit(cache=True, parallel=True)
def densify_rows(indices, values, counts, out):
    """Write compact codes as the dense ``(n_signals, n_atoms)`` array ``out``.

    ``out`` may be uninitialised (``np.empty``): zero-filling it here, in
    parallel, measured several times faster than ``np.zeros`` beforehand.
    """
    for s in prange(out.shape[0]):
        row = out[s]
        row[:] = 0.0
        for m in range(counts[s]):
            row[indices[s, m]] = values[s, m]


@njit(cache=True, parallel=True)
def residuals(X, Dt, indices, values, counts, R, err):
    """``R[s] = x_s - sum_m values[s, m] Dt[indices[s, m]]`` and ``err[s] = ||R[s]||^2``."""
    n_features = X.shape[1]
    for s in prange(X.shape[0]):
        r = R[s]
        for f in range(n_features):
            r[f] = X[s, f]
        for m in range(counts[s]):
            v = values[s, m]
            atom = Dt[indices[s, m]]
            for f in range(n_features):
                r[f] -= v * atom[f]
        e = 0.0
        for f in range(n_features):
            e += r[f] * r[f]
        err[s] = e


@njit(cache=True)
def atom_members(indices, counts, n_atoms):
    """Group the code slots by atom (a counting sort).

    Returns ``(ptr, members)``: the slots that use atom ``j`` are
    ``members[ptr[j]:ptr[j + 1]]``, each a flat position ``s * k_max + m``
    into ``indices`` / ``values``, in increasing signal order.
    """
    n_signals, k_max = indices.shape
    ptr = np.zeros(n_atoms + 1, dtype=np.int64)
    for s in range(n_signals):
        for m in range(counts[s]):
            ptr[indices[s, m] + 1] += 1
    for j in range(n_atoms):
        ptr[j + 1] += ptr[j]
    fill = ptr[:-1].copy()
    members = np.empty(ptr[n_atoms], dtype=np.int64)
    for s in range(n_signals):
        for m in range(counts[s]):
            j = indices[s, m]
            members[fill[j]] = s * k_max + m
            fill[j] += 1
    return ptr, members


@njit(cache=True)
def _worst_unused(err, used):
    """Index of the unused signal with the largest positive error, or -1."""
    best = -1
    worst = 0.0
    for s in range(err.shape[0]):
        if not used[s] and err[s] > worst:
            worst = err[s]
            best = s
    return best


@njit(cache=True)
def _replace_atom(X, Dt, j, err, used):
    """Set atom ``j`` to the normalised worst-represented unused signal.

    Returns whether an atom was replaced (``False`` when every unused signal
    is represented exactly).
    """
    s = _worst_unused(err, used)
    if s < 0:
        return False
    x = X[s]
    norm = math.sqrt(np.dot(x, x))
    for f in range(x.shape[0]):
        Dt[j, f] = x[f] / norm
    used[s] = True
    return True


@njit(cache=True)
def update_atoms(X, Dt, R, err, values, ptr, members, order, used, replaced):
    """Approximate K-SVD dictionary update (Algorithm 5 of [1]), in place.

    For each atom ``j`` in ``order``, with ``I`` the signals that use it and
    ``g = Gamma[j, I]``, the error without the atom is
    ``E = X_I - D Gamma_I + d_j g^T = R_I + d_j g^T``; the atom becomes
    ``d = E g / ||E g||`` and its coefficients ``g = E^T d``. The residuals
    ``R``, their squared norms ``err`` and the code ``values`` are kept
    current. An atom no signal uses is replaced by the worst-represented
    signal not yet ``used`` for a replacement, and flagged in ``replaced``.
    """
    n_features = X.shape[1]
    k_max = values.shape[1]
    d = np.empty(n_features)
    for j in order:
        start = ptr[j]
        stop = ptr[j + 1]
        if start == stop:
            replaced[j] = _replace_atom(X, Dt, j, err, used)
            continue
        old = Dt[j]
        d[:] = 0.0
        gg = 0.0
        for p in range(start, stop):
            s = members[p] // k_max
            g = values[s, members[p] % k_max]
            gg += g * g
            r = R[s]
            for f in range(n_features):
                d[f] += g * r[f]
        norm2 = 0.0
        for f in range(n_features):
            d[f] += gg * old[f]
            norm2 += d[f] * d[f]
        if norm2 == 0.0:
            continue
        inv = 1.0 / math.sqrt(norm2)
        overlap = 0.0
        for f in range(n_features):
            d[f] *= inv
            overlap += d[f] * old[f]
        for p in range(start, stop):
            s = members[p] // k_max
            m = members[p] % k_max
            g_old = values[s, m]
            r = R[s]
            g_new = overlap * g_old
            for f in range(n_features):
                g_new += d[f] * r[f]
            e = 0.0
            for f in range(n_features):
                r[f] += g_old * old[f] - g_new * d[f]
                e += r[f] * r[f]
            err[s] = e
            values[s, m] = g_new
        for f in range(n_features):
            old[f] = d[f]


@njit(cache=True)
def clear_dictionary(X, Dt, indices, values, counts, err, used, replaced,
                     coherence_threshold, min_usage):
    """Replace duplicated and rarely used atoms (ksvdbox's ``cleardict``).

    In atom order, an atom not ``replaced`` earlier in this iteration whose
    squared coherence with another atom exceeds ``coherence_threshold ** 2``,
    or which fewer than ``min_usage`` signals use with ``|coef| > 1e-7``, is
    replaced by the worst-represented unused signal (``err`` is not updated,
    as in ksvdbox). Returns the number of atoms replaced.
    """
    n_atoms = Dt.shape[0]
    usage = np.zeros(n_atoms, dtype=np.int64)
    for s in range(indices.shape[0]):
        for m in range(counts[s]):
            if abs(values[s, m]) > 1e-7:
                usage[indices[s, m]] += 1
    mu2 = coherence_threshold * coherence_threshold
    n_cleared = 0
    for j in range(n_atoms):
        if replaced[j]:
            continue
        clear = usage[j] < min_usage
        if not clear:
            atom = Dt[j]
            for i in range(n_atoms):
                if i != j:
                    c = np.dot(Dt[i], atom)
                    if c * c > mu2:
                        clear = True
                        break
        if clear and _replace_atom(X, Dt, j, err, used):
            n_cleared += 1
    return n_cleared
