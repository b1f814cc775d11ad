"""Numba kernels of the context-patch face methods (TLcR; imported lazily).

For every patch position TLcR compares the input's patch with the training
patches at that position *and* shifted by the context offsets -- 25 x n
candidates of 144 pixels per position. Building those candidate matrices
with NumPy copies about 10 MB per position; these kernels read them in
place from the training faces instead (distances, then a gather of only the
``K`` kept candidates), one position per thread, each writing its own rows,
so the result does not depend on the number of threads.
"""

import numpy as np
from numba import njit, prange

__all__ = ["context_combine", "context_distances", "context_gather"]


@njit(cache=True, parallel=True)
def context_distances(faces_last, energy, queries, rows, cols, offsets, patch, spatial, out):
    """Squared distances between mean-removed patches, with the spatial term.

    ``out[p, f * n_off + o]`` = ``|| centred(face f's patch at (rows[p] +
    dr, cols[p] + dc)) - queries[p] ||^2 + spatial^2 (dr^2 + dc^2)`` for
    offset ``o = (dr, dc)``; ``inf`` where the shifted patch leaves the face.
    ``faces_last`` holds the faces with the face index last, ``(H, W, n)``,
    so that the innermost loop runs over the faces in contiguous memory (it
    vectorises; about 5x faster than looping over each face's patch).
    ``queries`` are mean-removed; ``energy[f, r, c]`` is the centred energy
    of the patch of face ``f`` at ``(r, c)``. Since a query has zero mean,
    its dot product with a centred candidate is its dot product with the raw
    one.
    """
    n_pos = rows.shape[0]
    height, width, n_faces = faces_last.shape
    n_off = offsets.shape[0]
    for p in prange(n_pos):
        q = queries[p]
        qq = 0.0
        for u in range(patch):
            for v in range(patch):
                qq += q[u, v] * q[u, v]
        dot = np.empty(n_faces)
        for o in range(n_off):
            r = rows[p] + offsets[o, 0]
            c = cols[p] + offsets[o, 1]
            if r < 0 or c < 0 or r + patch > height or c + patch > width:
                for f in range(n_faces):
                    out[p, f * n_off + o] = np.inf
                continue
            extra = spatial * spatial * (offsets[o, 0] ** 2 + offsets[o, 1] ** 2)
            dot[:] = 0.0
            for u in range(patch):
                for v in range(patch):
                    weight = q[u, v]
                    for f in range(n_faces):
                        dot[f] += faces_last[r + u, c + v, f] * weight
            for f in range(n_faces):
                out[p, f * n_off + o] = energy[f, r, c] + qq - 2.0 * dot[f] + extra


@njit(cache=True, inline="always")
def _candidate(index, p, k, n_off, rows, cols, offsets):
    """Face ``f`` and top-left ``(r, c)`` of candidate ``k`` of position ``p``."""
    f = index[p, k] // n_off
    o = index[p, k] % n_off
    return f, o, rows[p] + offsets[o, 0], cols[p] + offsets[o, 1]


@njit(cache=True, parallel=True)
def context_gather(faces, rows, cols, offsets, patch, spatial, index, query, z):
    """The kept candidates' features minus the query's: ``z[p, k] = f - query[p]``.

    ``index[p, k] = f * n_off + o`` names candidate ``k`` of position ``p``;
    its feature is its centred pixels then ``spatial * |dc|``,
    ``spatial * |dr|`` (the authors' order). ``z`` may be float32 (the Gram
    matrix that follows is the costly step; see ``affine_weights``).
    """
    n_pos, n_keep = index.shape
    n_off = offsets.shape[0]
    npix = patch * patch
    for p in prange(n_pos):
        for k in range(n_keep):
            f, o, r, c = _candidate(index, p, k, n_off, rows, cols, offsets)
            if r < 0 or c < 0 or r + patch > faces.shape[1] or c + patch > faces.shape[2]:
                for j in range(npix + 2):  # outside the face: never kept (weight 0)
                    z[p, k, j] = 0.0
                continue
            mean = 0.0
            for u in range(patch):
                for v in range(patch):
                    mean += faces[f, r + u, c + v]
            mean /= npix
            for u in range(patch):
                for v in range(patch):
                    z[p, k, u * patch + v] = faces[f, r + u, c + v] - mean - query[p, u * patch + v]
            z[p, k, npix] = spatial * abs(offsets[o, 1]) - query[p, npix]
            z[p, k, npix + 1] = spatial * abs(offsets[o, 0]) - query[p, npix + 1]


@njit(cache=True, parallel=True)
def context_combine(residuals, rows, cols, offsets, patch, index, weights, out):
    """``out[p] += sum_k weights[p, k] * residual patch of candidate index[p, k]``
    (candidates of weight 0 are not read: they may lie outside the face)."""
    n_pos, n_keep = index.shape
    n_off = offsets.shape[0]
    for p in prange(n_pos):
        for k in range(n_keep):
            f, _, r, c = _candidate(index, p, k, n_off, rows, cols, offsets)
            w = weights[p, k]
            if w == 0.0:
                continue
            for u in range(patch):
                for v in range(patch):
                    out[p, u * patch + v] += w * residuals[f, r + u, c + v]
