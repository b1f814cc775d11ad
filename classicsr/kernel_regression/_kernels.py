"""Numba kernels of the kernel regression methods (imported lazily)."""

import math

from numba import njit, prange

__all__ = ["gaussian_from_gram"]


@njit(cache=True, parallel=True)
def gaussian_from_gram(gram, x_sq, b_sq):
    """``gram[i, j] = exp(min(gram[i, j] - x_sq[i] - b_sq[j], 0))`` in place.

    With ``gram = x @ (2 b / width).T``, ``x_sq = |x|^2 / width`` and ``b_sq =
    |b|^2 / width`` this is the Gaussian kernel ``exp(-|x - b|^2 / width)``
    in one pass over the matrix (numpy needs several, each the matrix's
    size). Rows are independent, so the result does not depend on the
    number of threads.
    """
    n, m = gram.shape
    for i in prange(n):
        xi = x_sq[i]
        for j in range(m):
            v = gram[i, j] - xi - b_sq[j]
            gram[i, j] = math.exp(v) if v < 0.0 else 1.0
