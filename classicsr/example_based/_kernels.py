"""Numba kernels of the example-based methods (imported lazily)."""

import numpy as np
from numba import njit, prange

from ..sparse._cholesky import cholesky_row_solve, cholesky_solve

__all__ = ["anchor_weights", "anchored_apply", "context_errors", "indexed_regression", "lle_apply",
           "quadratic_forms", "tree_search"]


@njit(cache=True, inline="always")
def _insert_best(best, index, value, item):
    """Insert ``item`` with ``value`` into ``best`` / ``index``, kept sorted by
    decreasing value (a top-k list; the first seen wins ties); no-op when
    ``value`` is not above the last entry."""
    k = best.shape[0]
    if value > best[k - 1]:
        p = k - 1
        while p > 0 and best[p - 1] < value:
            best[p] = best[p - 1]
            index[p] = index[p - 1]
            p -= 1
        best[p] = value
        index[p] = item


@njit(cache=True, parallel=True)
def anchored_apply(features, anchors_t, regressors, out):
    """Anchor search and regression, one feature (patch) at a time.

    For feature ``f = features[i]``: correlations ``s = f @ anchors_t`` with
    every anchor (vectorised over the anchors), ``a = argmax |s|`` (first
    maximum on ties, as MATLAB's ``max``), ``out[i] = regressors[a] @ f``.
    Fused so that no ``n x n_anchors`` matrix is written, and so that no
    BLAS call runs between Numba kernels (OpenBLAS worker threads spinning
    after a call slow Numba's threads down on small machines).
    """
    n, d = features.shape
    n_anchors = anchors_t.shape[1]
    n_out = regressors.shape[1]
    for i in prange(n):
        f = features[i]
        score = np.zeros(n_anchors, dtype=anchors_t.dtype)
        for k in range(d):
            fk = f[k]
            row = anchors_t[k]
            for a in range(n_anchors):
                score[a] += fk * row[a]
        best = -1.0
        arg = 0
        for a in range(n_anchors):
            v = abs(score[a])
            if v > best:
                best = v
                arg = a
        reg = regressors[arg]
        dst = out[i]
        for r in range(n_out):
            acc = 0.0
            weights = reg[r]
            for k in range(d):
                acc += weights[k] * f[k]
            dst[r] = acc


@njit(cache=True, parallel=True)
def lle_apply(features, atoms_t, dict_lo, dict_hi, neighbours, tol, out):
    """NE+LLE, one feature (patch) at a time.

    For feature ``f = features[i]``: correlations with every atom (vectorised
    over the atoms, as :func:`anchored_apply`), the ``neighbours`` atoms of
    largest ``|correlation|`` (the first seen on ties), their local
    covariance ``C = Z Z^T`` with ``Z = D_lo[hood] - f``, regularised by
    ``tol * trace(C)`` on the diagonal (``tol`` when the trace is 0), the
    weights ``w = C^-1 1 / sum(C^-1 1)`` (Cholesky with the helpers of
    :mod:`classicsr.sparse._cholesky`: ``C`` is positive definite) and
    ``out[i] = w @ D_hi[hood]``.
    """
    n, d = features.shape
    n_atoms = atoms_t.shape[1]
    n_out = dict_hi.shape[1]
    k = neighbours
    order = np.arange(k)
    ones = np.ones(k)
    for i in prange(n):
        f = features[i]
        chol = np.empty((k, k))
        tmp = np.empty(k)
        w = np.empty(k)
        score = np.zeros(n_atoms)
        for t in range(d):
            ft = f[t]
            row = atoms_t[t]
            for a in range(n_atoms):
                score[a] += ft * row[a]
        # top-k of |score| by insertion into a list sorted by decreasing value
        best = np.full(k, -1.0)
        hood = np.zeros(k, dtype=np.int64)
        for a in range(n_atoms):
            _insert_best(best, hood, abs(score[a]), a)
        z = np.empty((k, d))
        for p in range(k):
            for t in range(d):
                z[p, t] = dict_lo[hood[p], t] - f[t]
        c = np.empty((k, k))  # lower triangle of C
        trace = 0.0
        for p in range(k):
            for q in range(p + 1):
                acc = 0.0
                for t in range(d):
                    acc += z[p, t] * z[q, t]
                c[p, q] = acc
            trace += c[p, p]
        reg = tol * trace if trace != 0.0 else tol
        # Cholesky C + reg I = L L^T row by row, then L L^T w = 1
        for p in range(k):
            ww = cholesky_row_solve(c[p], order, p, chol)
            chol[p, p] = np.sqrt(c[p, p] + reg - ww)
        cholesky_solve(chol, k, ones, tmp, w)
        total = 0.0
        for p in range(k):
            total += w[p]
        for j in range(n_out):
            out[i, j] = 0.0
        for p in range(k):
            wp = w[p] / total
            row = dict_hi[hood[p]]
            for j in range(n_out):
                out[i, j] += wp * row[j]


@njit(cache=True, parallel=True, fastmath=True)
def tree_search(features, coarse_t, leaves, offsets, bounds, n_probe, out):
    """Two-level anchor search (see :mod:`classicsr.example_based.anchor_tree`).

    For feature ``f = features[i]``: ``|f . c|`` with every coarse centroid
    (columns of ``coarse_t``), the ``n_probe`` largest (the first seen on
    ties), then ``|f . a|`` with the anchors of those coarse clusters only;
    ``out[i]`` gets the indices of the ``out.shape[1]`` largest, best first
    (``-1`` where fewer anchors were searched; the first seen on ties).

    The anchors of coarse cluster ``c`` are one contiguous ``(d, m)`` block
    of ``leaves`` from ``offsets[c]`` (``m = bounds[c + 1] - bounds[c]``), so
    that a probe reads one run of memory. The coarse correlations of a
    block of 256 features are one matrix product (BLAS ``gemm`` through
    Numba's ``np.dot``: 2x faster than the loop, whose accumulators live in
    memory; the caller runs it with BLAS single-threaded, see
    :meth:`~classicsr.example_based.anchor_tree.AnchorTree.search`). The
    fine correlations are vectorised over the leaves (slices let LLVM
    vectorise the short loops: 2.5x faster than indexing with an offset),
    in the precision of the arrays.
    With ``k = 1`` the best leaf of a cluster is found by a vectorised
    maximum and a scan for its first occurrence instead of the top-k
    insertion (1.4x faster fine level, same result); ``fastmath`` is what
    lets LLVM vectorise that maximum (no NaN reaches it: the features are
    finite). Buffers are allocated once per block of 256 features.
    """
    n, d = features.shape
    n_coarse = coarse_t.shape[1]
    k = out.shape[1]
    widest = 1
    for c in range(n_coarse):
        widest = max(widest, bounds[c + 1] - bounds[c])
    block = 256
    for blk in prange((n + block - 1) // block):
        first = blk * block
        last = min(n, first + block)
        scores = np.dot(features[first:last], coarse_t)
        leaf = np.empty(widest, dtype=leaves.dtype)
        best_c = np.empty(n_probe)
        probe = np.zeros(n_probe, dtype=np.int64)
        best = np.empty(k)
        hood = np.empty(k, dtype=np.int64)
        for i in range(first, last):
            f = features[i]
            score = scores[i - first]
            best_c[:] = -1.0
            for c in range(n_coarse):
                _insert_best(best_c, probe, abs(score[c]), c)
            best[:] = -1.0
            hood[:] = -1
            for q in range(n_probe):
                c = probe[q]
                b0 = bounds[c]
                m = bounds[c + 1] - b0
                if m == 0:
                    continue
                o = offsets[c]
                lf = leaf[:m]
                lf[:] = 0
                for t in range(d):
                    ft = f[t]
                    row = leaves[o + t * m:o + (t + 1) * m]
                    for j in range(m):
                        lf[j] += ft * row[j]
                if k == 1:
                    top = abs(lf[0])
                    for j in range(1, m):
                        top = max(top, abs(lf[j]))
                    if top > best[0]:
                        for j in range(m):
                            if abs(lf[j]) == top:
                                best[0] = top
                                hood[0] = b0 + j
                                break
                else:
                    for j in range(m):
                        _insert_best(best, hood, abs(lf[j]), b0 + j)
            for p in range(k):
                out[i, p] = hood[p]


@njit(cache=True, parallel=True, fastmath=True)
def indexed_regression(features, index, order, regressors, override, overrides, out):
    """``out[i] = R @ features[i]`` with ``R = regressors[index[i]]``, or
    ``overrides[override[index[i]]]`` where that is ``>= 0`` (the per-image
    regressors of the self-similarity step).

    The patches are visited in ``order`` (their indices sorted by anchor):
    the regressors are then read in increasing address order, which the
    memory prefetcher follows (2.4x faster than the raster order on a Set14
    image with 65,536 anchors, where the regressors do not fit in cache).
    The products accumulate in single precision (the features' and the
    stored regressors'), vectorised over ``d`` (``fastmath``: another 1.5x).
    """
    n, d = features.shape
    n_out = out.shape[1]
    for ii in prange(n):
        i = order[ii]
        a = index[i]
        f = features[i]
        dst = out[i]
        o = override[a]
        for r in range(n_out):
            acc = np.float32(0.0)
            if o >= 0:
                for t in range(d):
                    acc += overrides[o, r, t] * f[t]
            else:
                for t in range(d):
                    acc += regressors[a, r, t] * f[t]
            dst[r] = acc


@njit(cache=True, parallel=True, fastmath=True)
def quadratic_forms(features, index, order, matrices, out):
    """``out[i] = f^T M f / f^T f`` with ``f = features[i]`` and ``M =
    matrices[index[i]]`` (0 for a zero feature).

    As :func:`indexed_regression`: the rows are visited in ``order`` (sorted
    by matrix) so that the matrices are read in address order, and the
    products accumulate in single precision (the features' and the
    matrices'), vectorised over ``d``.
    """
    n, d = features.shape
    for ii in prange(n):
        i = order[ii]
        m = matrices[index[i]]
        f = features[i]
        norm = np.float32(0.0)
        for t in range(d):
            norm += f[t] * f[t]
        if norm == 0.0:
            out[i] = 0.0
            continue
        acc = np.float32(0.0)
        for r in range(d):
            row = np.float32(0.0)
            for t in range(d):
                row += m[r, t] * f[t]
            acc += f[r] * row
        out[i] = acc / norm


@njit(cache=True, parallel=True, fastmath=True)
def anchor_weights(features, anchors, index, alpha, beta, leverage, power, floor, out):
    """``out[i] = c^power`` with ``c = |cos(f, a)|`` (``f = features[i]``, ``a =
    anchors[index[i]]``, unit rows), divided by ``max(|f|, floor)^2 h`` with
    ``h = leverage[i]`` when ``leverage`` is not empty, else ``h = alpha_a c^2
    + beta_a (1 - c^2)`` when ``alpha`` is not empty: the weights of
    :func:`classicsr.example_based.ia.overlap_weights` in one pass.
    """
    n, d = features.shape
    exact = leverage.size > 0
    isotropic = alpha.size > 0
    for i in prange(n):
        a = index[i]
        f = features[i]
        anchor = anchors[a]
        nn = np.float32(0.0)
        dot = np.float32(0.0)
        for t in range(d):
            nn += f[t] * f[t]
            dot += f[t] * anchor[t]
        norm = np.sqrt(np.float64(nn))
        c = min(abs(np.float64(dot)) / max(norm, 1e-12), 1.0)
        w = max(c, 1e-6) ** power
        if exact or isotropic:
            h = leverage[i] if exact else alpha[a] * c * c + beta[a] * (1.0 - c * c)
            w /= max(norm, floor) ** 2 * max(h, 1e-12)
        out[i] = w


@njit(cache=True, parallel=True)
def context_errors(candidates, valid, consensus, rows, cols, size, error):
    """``error[j, i]``: squared distance of candidate patch ``candidates[j, i]``
    (row-major) to the patch of ``consensus`` at grid position ``i`` (grid
    rows ``rows``, columns ``cols``); ``inf`` where ``valid[i, j]`` is false.

    The comparison step of context reasoning (way 7 of IA): read straight from
    the consensus image instead of extracting its patches first (the NumPy
    version spent about 5 s of a 13.5 s ``context=4`` run on a Set14 image in
    the extraction and the ``(k, n, size**2)`` temporaries; 7.5 s with this
    kernel, against 3.85 s for ``context=1``).
    """
    k, n, _ = candidates.shape
    n_cols = cols.size
    for i in prange(n):
        top = rows[i // n_cols]
        left = cols[i % n_cols]
        for j in range(k):
            if not valid[i, j]:
                error[j, i] = np.inf
                continue
            acc = 0.0
            for y in range(size):
                for x in range(size):
                    delta = candidates[j, i, y * size + x] - consensus[top + y, left + x]
                    acc += delta * delta
            error[j, i] = acc
