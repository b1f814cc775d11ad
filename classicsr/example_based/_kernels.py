"""Numba kernels of the example-based methods (imported lazily)."""

import numpy as np
from numba import njit, prange
from numba.np.numpy_support import carray

from .._stackbuffer import stack_buffer
from ..sparse._cholesky import cholesky_row_solve, cholesky_solve

__all__ = ["anchor_order", "anchor_weights", "anchored_apply", "context_errors",
           "indexed_regression", "lle_apply", "quadratic_forms", "tree_search"]


@njit(cache=True, inline="always")
def _insert_best(best, index, r, value, item):
    """Insert ``item`` with ``value`` into row ``r`` of ``best`` / ``index``,
    kept sorted by decreasing value (a top-k list; the first seen wins ties);
    no-op when ``value`` is not above the last entry."""
    k = best.shape[1]
    if value > best[r, k - 1]:
        p = k - 1
        while p > 0 and best[r, p - 1] < value:
            best[r, p] = best[r, p - 1]
            index[r, p] = index[r, p - 1]
            p -= 1
        best[r, p] = value
        index[r, p] = item


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
        best = np.full((1, k), -1.0)
        top = np.zeros((1, k), dtype=np.int64)
        for a in range(n_atoms):
            _insert_best(best, top, 0, abs(score[a]), a)
        hood = top[0]
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


#: SIMD lanes of the coarse level's selection (AVX: 8 float32).
LANES = 8


@njit(cache=True, fastmath=True, inline="always")
def _top_k_bound(score, k, lane_max):
    """A lower bound on the ``k``-th largest of ``|score|`` (``k <= LANES``):
    the ``k``-th largest of the maxima of the ``LANES`` interleaved lanes
    (``k`` distinct values reach it), ``-1`` when ``k > LANES``. One
    vectorised maximum per ``LANES`` values, no branch."""
    if k > LANES:
        return -1.0
    n = score.size
    for lane in range(LANES):
        lane_max[lane] = -1.0
    full = n // LANES * LANES
    for first in range(0, full, LANES):
        for lane in range(LANES):
            lane_max[lane] = max(lane_max[lane], abs(score[first + lane]))
    for c in range(full, n):
        lane_max[c - full] = max(lane_max[c - full], abs(score[c]))
    value = -1.0
    for _ in range(k):  # k passes of a maximum over the lanes, each removed
        best = 0
        value = lane_max[0]
        for lane in range(1, LANES):
            if lane_max[lane] > value:
                value = lane_max[lane]
                best = lane
        lane_max[best] = -2.0
    return value


@njit(cache=True, fastmath=True, inline="always")
def _count_reaching(score, first, bound):
    """How many of ``|score[first:first + LANES]|`` reach ``bound``."""
    hits = 0
    for lane in range(LANES):
        hits += abs(score[first + lane]) >= bound
    return hits


@njit(cache=True, parallel=True)
def _coarse_probes(features, coarse_t, probes):
    """``probes[i]``: the ``probes.shape[1]`` coarse clusters most correlated
    (absolute value, the first seen on ties) with ``features[i]``, best first
    (all of them in index order when that is every cluster).

    The correlations of a block of 256 features are one matrix product (BLAS
    ``gemm`` through Numba's ``np.dot``: 2x faster than a loop, whose
    accumulators live in memory). The selection, which took twice the time
    of the product as one insertion pass over every correlation, is two
    vectorised scans: a lower bound on the ``k``-th largest
    (:func:`_top_k_bound`), then the insertion of the few correlations that
    reach it, found ``LANES`` at a time (the same list: those below the
    ``k``-th largest are never in it).
    """
    n = features.shape[0]
    n_coarse = coarse_t.shape[1]
    n_probe = probes.shape[1]
    if n_probe >= n_coarse:
        # every cluster (the exhaustive search): in index order, so that the
        # first anchor wins ties, as a brute-force argmax
        for i in range(n):
            for c in range(n_probe):
                probes[i, c] = min(c, n_coarse - 1)
        return
    block = 256
    for blk in prange((n + block - 1) // block):
        first = blk * block
        last = min(n, first + block)
        scores = np.dot(features[first:last], coarse_t)
        best = np.empty((1, n_probe))
        lane_max = carray(stack_buffer(scores, LANES), (LANES,))
        full = n_coarse // LANES * LANES
        for i in range(first, last):
            score = scores[i - first]
            bound = _top_k_bound(score, n_probe, lane_max)
            best[:] = -1.0
            probe = probes[i:i + 1]
            probe[:] = 0
            for start in range(0, full, LANES):
                if _count_reaching(score, start, bound):
                    for c in range(start, start + LANES):
                        value = abs(score[c])
                        if value >= bound:
                            _insert_best(best, probe, 0, value, c)
            for c in range(full, n_coarse):
                value = abs(score[c])
                if value >= bound:
                    _insert_best(best, probe, 0, value, c)


@njit(cache=True)
def _counting_sort(values, n_bins):
    """Stable counting sort of ``values`` in ``[-1, n_bins)``: ``order``, the
    positions sorted by value (``np.argsort(values, kind="stable")``), and
    ``bounds`` (``n_bins + 2``): the positions of value ``v`` are
    ``order[bounds[v + 1]:bounds[v + 2]]``."""
    bounds = np.zeros(n_bins + 2, dtype=np.int64)
    for i in range(values.size):
        bounds[values[i] + 2] += 1
    for b in range(n_bins + 1):
        bounds[b + 1] += bounds[b]
    fill = bounds[:-1].copy()
    order = np.empty(values.size, dtype=np.int64)
    for i in range(values.size):
        order[fill[values[i] + 1]] = i
        fill[values[i] + 1] += 1
    return order, bounds


@njit(cache=True)
def _group_by_cluster(probes, n_coarse, chunk):
    """The (feature, probe) pairs ``p = i * n_probe + q`` sorted by their
    cluster ``probes[i, q]`` (a stable counting sort), and the work items:
    runs of at most ``chunk`` pairs of one cluster, as (cluster, first, end)
    positions in the sorted order."""
    order, bounds = _counting_sort(probes.ravel(), n_coarse)
    starts = bounds[1:]
    n_items = 0
    for c in range(n_coarse):
        n_items += (starts[c + 1] - starts[c] + chunk - 1) // chunk
    items = np.empty((n_items, 3), dtype=np.int64)
    t = 0
    for c in range(n_coarse):
        for s in range(starts[c], starts[c + 1], chunk):
            items[t, 0] = c
            items[t, 1] = s
            items[t, 2] = min(s + chunk, starts[c + 1])
            t += 1
    return order, items


@njit(cache=True, parallel=True, fastmath=True)
def _probe_leaves(features, anchors, bounds, n_probe, order, items, pair_score, pair_leaf):
    """For each work item of :func:`_group_by_cluster`: the features of its
    pairs gathered as the columns of one block, their correlations with the
    cluster's leaves (rows ``bounds[c]:bounds[c + 1]`` of ``anchors``) one
    matrix product (BLAS), and each pair's ``k`` most correlated leaves
    (absolute value, best first, the first seen on ties) written to
    ``pair_score`` / ``pair_leaf`` (``k`` = their second dimension).

    With ``k = 1`` the maximum runs across the pairs, leaf after leaf, into
    the other of two buffers: a select LLVM vectorises (updating one buffer
    in place becomes a masked store, which is microcoded on AMD processors:
    3x slower).
    """
    d = features.shape[1]
    k = pair_leaf.shape[1]
    for it in prange(items.shape[0]):
        c = items[it, 0]
        s0 = items[it, 1]
        nb = items[it, 2] - s0
        b0 = bounds[c]
        m = bounds[c + 1] - b0
        if m == 0:
            for s in range(s0, s0 + nb):
                pair_score[order[s]] = -1.0
                pair_leaf[order[s]] = -1
            continue
        block = np.empty((d, nb), dtype=features.dtype)
        for s in range(nb):
            f = features[order[s0 + s] // n_probe]
            for t in range(d):
                block[t, s] = f[t]
        scores = np.dot(anchors[b0:b0 + m], block)
        if k == 1:
            best = np.abs(scores[0])
            arg = np.zeros(nb, dtype=np.int32)
            best_next = np.empty_like(best)
            arg_next = np.empty_like(arg)
            for j in range(1, m):
                row = scores[j]
                jj = np.int32(j)
                for s in range(nb):
                    x = abs(row[s])
                    y = best[s]
                    better = x > y
                    best_next[s] = x if better else y
                    arg_next[s] = jj if better else arg[s]
                best, best_next = best_next, best
                arg, arg_next = arg_next, arg
            for s in range(nb):
                p = order[s0 + s]
                pair_score[p, 0] = best[s]
                pair_leaf[p, 0] = b0 + arg[s]
        else:
            # leaf after leaf (rows of ``scores``), each pair's list in turn
            top = np.full((nb, k), -1.0)
            hood = np.full((nb, k), -1, dtype=np.int64)
            for j in range(m):
                row = scores[j]
                for s in range(nb):
                    _insert_best(top, hood, s, abs(row[s]), b0 + j)
            for s in range(nb):
                p = order[s0 + s]
                for j in range(k):
                    pair_score[p, j] = top[s, j]
                    pair_leaf[p, j] = hood[s, j]


@njit(cache=True, parallel=True)
def _merge_probes(pair_score, pair_leaf, n_probe, out):
    """``out[i]``: the ``k`` best of the per-probe lists of feature ``i``,
    merged in probe order (so the first seen still wins ties)."""
    n, k = out.shape
    for i in prange(n):
        best = np.full((1, k), -1.0)
        hood = out[i:i + 1]
        hood[:] = -1
        for q in range(n_probe):
            p = i * n_probe + q
            for j in range(k):
                if pair_leaf[p, j] < 0:
                    break
                _insert_best(best, hood, 0, np.float64(pair_score[p, j]), pair_leaf[p, j])


@njit(cache=True)
def tree_search(features, coarse_t, anchors, bounds, n_probe, out):
    """Two-level anchor search (see :mod:`classicsr.example_based.anchor_tree`).

    For feature ``f = features[i]``: ``|f . c|`` with every coarse centroid
    (columns of ``coarse_t``), the ``n_probe`` largest (the first seen on
    ties), then ``|f . a|`` with the anchors of those coarse clusters only;
    ``out[i]`` gets the indices of the ``out.shape[1]`` largest, best first
    (``-1`` where fewer anchors were searched; the first seen on ties).

    The anchors of coarse cluster ``c`` are the rows ``bounds[c]:bounds[c +
    1]`` of ``anchors``. The fine level is computed cluster by cluster, not
    feature by feature: the (feature, probe) pairs are grouped by cluster
    (:func:`_group_by_cluster`) and each group's correlations with the
    cluster's leaves are one matrix product (BLAS ``gemm`` through Numba's
    ``np.dot``, as the coarse level's; :func:`_probe_leaves`), then each
    feature's lists are merged (:func:`_merge_probes`). On the 44,368
    features of a Set14 image (x3, the full model's first stage, 4 probes, 2
    threads) this takes 0.088 s against 0.149 s for the previous kernel,
    which correlated each feature with its probed leaves in a loop (the
    same anchors, checked on every stage with 1, 3 and 13 neighbours). The
    features are taken in spans of ``2**15`` rows (the fastest of ``2**13``
    to ``2**17``), so that the gathering of a group's features reads from
    cache; fewer where ``n_probe * k`` is large, so that a span's lists of
    pairs stay under 48 MB. A group is at most 256 pairs. The caller runs it
    with BLAS single-threaded (the kernels' own threads call it; see
    :meth:`~classicsr.example_based.anchor_tree.AnchorTree.search`).
    """
    n, d = features.shape
    n_coarse = coarse_t.shape[1]
    k = out.shape[1]
    # at most 2**22 (feature, probe, neighbour) entries at once (48 MB)
    span = min(1 << 15, max(256, (1 << 22) // (n_probe * k)))
    for first in range(0, n, span):
        last = min(n, first + span)
        part = features[first:last]
        probes = np.empty((last - first, n_probe), dtype=np.int64)
        _coarse_probes(part, coarse_t, probes)
        order, items = _group_by_cluster(probes, n_coarse, 256)
        pair_score = np.empty((probes.size, k), dtype=features.dtype)
        pair_leaf = np.empty((probes.size, k), dtype=np.int64)
        _probe_leaves(part, anchors, bounds, n_probe, order, items, pair_score, pair_leaf)
        _merge_probes(pair_score, pair_leaf, n_probe, out[first:last])


@njit(cache=True)
def anchor_order(index, n_anchors):
    """The positions of ``index`` sorted by value, stably: ``np.argsort(index,
    kind="stable")`` as a counting sort, for values in ``[-1, n_anchors)``
    (-1: no anchor found; first). 0.2 ms instead of 3 ms for the 44,368
    patches of a Set14 image and 65,536 anchors."""
    return _counting_sort(index, n_anchors)[0]


#: Outputs summed at once in registers by :func:`indexed_regression` (4 AVX
#: vectors of float32), then 8 (one) for the rest.
REGRESSION_TILE = 32
REGRESSION_TAIL = 8


@njit(cache=True)
def _runs(index, order):
    """Start of each run of equal ``index`` along ``order``, and the end."""
    n = order.size
    starts = np.empty(n + 1, dtype=np.int64)
    count = 0
    for s in range(n):
        if s == 0 or index[order[s]] != index[order[s - 1]]:
            starts[count] = s
            count += 1
    starts[count] = n
    return starts[:count + 1]


@njit(cache=True, parallel=True, fastmath=True)
def indexed_regression(features, index, order, regressors_t, override, overrides_t, out):
    """``out[i] = R @ features[i]`` with ``R^T = regressors_t[index[i]]``, or
    ``overrides_t[override[index[i]]]`` where that is ``>= 0`` (the per-image
    regressors of the self-similarity step). The regressors come transposed,
    ``(d, n_out)`` each.

    The patches are visited in ``order`` (their indices sorted by anchor),
    run of one anchor after run: the regressors are read in increasing
    address order, which the memory prefetcher follows, and each once for
    its run. A patch's outputs are the rows of ``R^T`` summed with its
    features as weights: vectors along the outputs, 32 of them at a time in
    registers (a :func:`~classicsr._stackbuffer.stack_buffer`), then 8 at a
    time, the last few as dot products; the previous kernel reduced one dot
    product per output across a vector (287 -> 232 ms on the 354,944
    patches of the 8 rotations of the largest Set14 image at x3, where 94 %
    of the 65,536 regressors are read: mostly memory traffic). Sums in
    single precision (the features' and the stored regressors';
    ``fastmath``: fused multiply-adds), the same code for every patch, so
    that a patch's outputs do not depend on the other patches.
    """
    n, d = features.shape
    n_out = out.shape[1]
    tiled = n_out // REGRESSION_TILE * REGRESSION_TILE
    tails = n_out // REGRESSION_TAIL * REGRESSION_TAIL
    starts = _runs(index, order)
    for g in prange(starts.size - 1):
        a = index[order[starts[g]]]
        o = override[a]
        matrix = overrides_t[o] if o >= 0 else regressors_t[a]
        for s in range(starts[g], starts[g + 1]):
            i = order[s]
            f = features[i]
            dst = out[i]
            # (loops over ranges of constant step: the form LLVM vectorises
            # along the outputs with the tile in registers). The tile of 32
            # and the tail of 8 are written out alike on purpose: as one
            # inlined helper taking the tile, LLVM vectorised the sum across
            # the features instead, with gathers (checked in the assembly).
            for first in range(0, tiled, REGRESSION_TILE):
                acc = carray(stack_buffer(features, REGRESSION_TILE), (REGRESSION_TILE,))
                for r in range(REGRESSION_TILE):
                    acc[r] = 0.0
                for t in range(d):
                    ft = f[t]
                    row = matrix[t]
                    for r in range(REGRESSION_TILE):
                        acc[r] += ft * row[first + r]
                for r in range(REGRESSION_TILE):
                    dst[first + r] = acc[r]
            for first in range(tiled, tails, REGRESSION_TAIL):
                tail = carray(stack_buffer(features, REGRESSION_TAIL), (REGRESSION_TAIL,))
                for r in range(REGRESSION_TAIL):
                    tail[r] = 0.0
                for t in range(d):
                    ft = f[t]
                    row = matrix[t]
                    for r in range(REGRESSION_TAIL):
                        tail[r] += ft * row[first + r]
                for r in range(REGRESSION_TAIL):
                    dst[first + r] = tail[r]
            for r in range(tails, n_out):
                last = np.float32(0.0)
                for t in range(d):
                    last += f[t] * matrix[t, r]
                dst[r] = last


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
