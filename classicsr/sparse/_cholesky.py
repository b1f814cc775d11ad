"""Numba helpers shared by the OMP and L1 kernels: growing and using a Cholesky factor."""

from numba import njit

__all__ = ["cholesky_row_solve", "cholesky_solve"]


@njit(cache=True, inline="always")
def cholesky_row_solve(g_new, active, n, chol):
    """Append the off-diagonal part of row ``n`` to a Cholesky factor.

    With ``L = chol[:n, :n]`` the factor of ``G[active[:n], active[:n]]`` and
    ``g_new`` the row of ``G`` of the atom being added, writes
    ``w = L^{-1} g_new[active[:n]]`` into ``chol[n, :n]`` (forward
    substitution) and returns ``w . w``; the new diagonal entry is then
    ``sqrt(G[new, new] - w . w)``, which the caller checks and writes.
    """
    ww = 0.0
    for r in range(n):
        s = g_new[active[r]]
        for c in range(r):
            s -= chol[r, c] * chol[n, c]
        w = s / chol[r, r]
        chol[n, r] = w
        ww += w * w
    return ww


@njit(cache=True, inline="always")
def cholesky_solve(chol, n, rhs, tmp, out):
    """``out[:n] = (L L^T)^{-1} rhs[:n]`` with ``L = chol[:n, :n]``.

    Forward then back substitution; ``tmp`` is a work vector of length >= n,
    distinct from ``rhs`` and ``out``.
    """
    for r in range(n):
        s = rhs[r]
        for c in range(r):
            s -= chol[r, c] * tmp[c]
        tmp[r] = s / chol[r, r]
    for r in range(n - 1, -1, -1):
        s = tmp[r]
        for c in range(r + 1, n):
            s -= chol[c, r] * out[c]
        out[r] = s / chol[r, r]
