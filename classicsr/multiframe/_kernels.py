"""Numba kernels of the multi-frame observation models and priors (imported lazily).

Two discretisations of ``y_k = D H W_k x`` (see
:mod:`classicsr.multiframe.operators`), both with exact adjoints:

*Warp first* (:func:`forward`, :func:`adjoint_per_frame`): ``A_k = S G W_k``.
With a dense motion (``motion='flow'``) the grid points move by the flow
interpolated at them instead of by a matrix (:func:`_warp_setup`).

* ``W_k`` samples the high-resolution (HR) image ``x`` by bilinear
  interpolation at ``T_k (col0 + b, row0 + a)`` for every point ``(a, b)`` of
  a sampling grid, ``T_k`` a 3x3 homography in HR pixel coordinates
  (``x`` = column, ``y`` = row). Sample coordinates are clamped to the image
  (edge replication), so every sample is a convex combination of at most four
  pixels of ``x``;
* ``G`` is a separable filter of odd length ``2 r + 1`` (the PSF taps);
* ``S`` keeps grid rows ``s i + r`` and columns ``s j + r``: the grid origin
  ``(row0, col0) = ((s - 1) / 2 - r, ...)`` puts LR pixel ``i`` at HR
  coordinate ``(i + 0.5) s - 0.5``, MATLAB's ``imresize`` grid, exactly.

The blur is evaluated only where ``S`` samples it (rows first, then
columns). The adjoint scatters in the exact reverse order into one HR buffer
per frame, summed by :func:`sum_frames`.

*Blur first* (:func:`blur_rows`, :func:`blur_cols`, :func:`bilinear_table`,
:func:`sample` and their adjoints): ``A_k = S_k H``, the separable PSF on
the HR grid (edge replication) shared by all frames, then bilinear sampling
at each LR pixel centre mapped by ``T_k``; the sampling table is computed
once per problem (:func:`flow_table` for a dense motion, ``motion='flow'``:
one displacement per LR pixel instead of one matrix per frame). The adjoint
scatters the frames into a fixed number of private buffers
(``ADJOINT_BUFFERS`` of :mod:`~classicsr.multiframe.operators`, whatever the
thread count, so the result does not depend on it), summed by the caller.

The difference kernels implement ``D_s x = x - x(. + s)`` over the pairs of
pixels inside the image, for the shifts ``s`` of the bilateral-TV / Huber /
Tikhonov priors, and ``sum_s D_s^T (w_s * D_s x)``.
"""

import numpy as np
from numba import njit, prange

__all__ = ["adjoint_per_frame", "bilinear_table", "blur_cols", "blur_cols_adjoint", "blur_rows",
           "blur_rows_adjoint", "flow_table", "forward", "sample", "sample_adjoint",
           "shifted_differences", "sum_frames", "weighted_difference_normal"]


@njit(cache=True)
def _bilinear_setup(t, k, px, py, height, width):
    """Transform grid point ``(px, py)`` by ``t[k]``; return the four clamped
    pixel indices and weights of its bilinear interpolation."""
    xs = t[k, 0, 0] * px + t[k, 0, 1] * py + t[k, 0, 2]
    ys = t[k, 1, 0] * px + t[k, 1, 1] * py + t[k, 1, 2]
    ws = t[k, 2, 0] * px + t[k, 2, 1] * py + t[k, 2, 2]
    xs /= ws
    ys /= ws
    return _cell(xs, ys, height, width)


@njit(cache=True)
def _warp_setup(transforms, flow, k, px, py, scale, height, width):
    """:func:`_bilinear_setup` of grid point ``(px, py)`` (HR coordinates) of
    frame ``k``: moved by ``transforms[k]``, or, when ``flow`` is not empty,
    by ``scale`` times the flow (LR pixels) interpolated bilinearly at the
    point's LR coordinates ``((px, py) - (scale - 1) / 2) / scale`` (clamped
    to the LR grid)."""
    if flow.shape[0] == 0:
        return _bilinear_setup(transforms, k, px, py, height, width)
    h = flow.shape[1]
    w = flow.shape[2]
    offset = (scale - 1) / 2.0
    lx = min(max((px - offset) / scale, 0.0), w - 1.0)
    ly = min(max((py - offset) / scale, 0.0), h - 1.0)
    j0 = int(np.floor(lx))
    i0 = int(np.floor(ly))
    ax = lx - j0
    ay = ly - i0
    j1 = j0 + 1 if j0 + 1 < w else j0
    i1 = i0 + 1 if i0 + 1 < h else i0
    dx = ((1.0 - ay) * ((1.0 - ax) * flow[k, i0, j0, 0] + ax * flow[k, i0, j1, 0])
          + ay * ((1.0 - ax) * flow[k, i1, j0, 0] + ax * flow[k, i1, j1, 0]))
    dy = ((1.0 - ay) * ((1.0 - ax) * flow[k, i0, j0, 1] + ax * flow[k, i0, j1, 1])
          + ay * ((1.0 - ax) * flow[k, i1, j0, 1] + ax * flow[k, i1, j1, 1]))
    return _cell(px + scale * dx, py + scale * dy, height, width)


@njit(cache=True)
def _cell(xs, ys, height, width):
    """The four clamped pixel indices and weights of the bilinear
    interpolation at HR point ``(xs, ys)`` (clamped to the image first)."""
    if xs < 0.0:
        xs = 0.0
    elif xs > width - 1.0:
        xs = width - 1.0
    if ys < 0.0:
        ys = 0.0
    elif ys > height - 1.0:
        ys = height - 1.0
    x0 = int(np.floor(xs))
    y0 = int(np.floor(ys))
    fx = xs - x0
    fy = ys - y0
    x1 = x0 + 1 if x0 + 1 < width else x0
    y1 = y0 + 1 if y0 + 1 < height else y0
    return x0, x1, y0, y1, fx, fy


@njit(cache=True, parallel=True)
def forward(x, transforms, flow, taps, scale, row0, col0, out):
    """``out[k] = S G W_k x`` for every frame ``k``.

    Parameters
    ----------
    x : (H, W) float64
    transforms : (N, 3, 3) float64, grid coordinates -> HR coordinates.
    flow : (N, h, w, 2) float64, a dense motion (LR pixels) used instead of
        ``transforms`` when it is not empty (see :func:`_warp_setup`).
    taps : (2 r + 1,) float64, the separable PSF.
    scale : int
    row0, col0 : float, HR coordinates of grid point (0, 0).
    out : (N, h, w) float64, written.
    """
    n, h, w = out.shape
    height, width = x.shape
    ntap = taps.size
    grid_rows = scale * (h - 1) + ntap
    grid_cols = scale * (w - 1) + ntap
    for k in prange(n):
        u = np.empty((grid_rows, grid_cols))
        for a in range(grid_rows):
            py = row0 + a
            for b in range(grid_cols):
                x0, x1, y0, y1, fx, fy = _warp_setup(
                    transforms, flow, k, col0 + b, py, scale, height, width)
                u[a, b] = ((1.0 - fy) * ((1.0 - fx) * x[y0, x0] + fx * x[y0, x1])
                           + fy * ((1.0 - fx) * x[y1, x0] + fx * x[y1, x1]))
        v = np.zeros((h, grid_cols))
        for i in range(h):
            for t in range(ntap):
                g = taps[t]
                a = scale * i + t
                for b in range(grid_cols):
                    v[i, b] += g * u[a, b]
        for i in range(h):
            for j in range(w):
                acc = 0.0
                for t in range(ntap):
                    acc += taps[t] * v[i, scale * j + t]
                out[k, i, j] = acc


@njit(cache=True, parallel=True)
def adjoint_per_frame(y, transforms, flow, taps, scale, row0, col0, out):
    """``out[k] = W_k^T G^T S^T y[k]``: the adjoint of :func:`forward`, one
    HR image per frame (``out`` is (N, H, W), overwritten)."""
    n, h, w = y.shape
    _, height, width = out.shape
    ntap = taps.size
    grid_rows = scale * (h - 1) + ntap
    grid_cols = scale * (w - 1) + ntap
    for k in prange(n):
        v = np.zeros((h, grid_cols))
        for i in range(h):
            for j in range(w):
                val = y[k, i, j]
                for t in range(ntap):
                    v[i, scale * j + t] += taps[t] * val
        u = np.zeros((grid_rows, grid_cols))
        for i in range(h):
            for t in range(ntap):
                g = taps[t]
                a = scale * i + t
                for b in range(grid_cols):
                    u[a, b] += g * v[i, b]
        acc = out[k]
        acc[:, :] = 0.0
        for a in range(grid_rows):
            py = row0 + a
            for b in range(grid_cols):
                val = u[a, b]
                if val == 0.0:
                    continue
                x0, x1, y0, y1, fx, fy = _warp_setup(
                    transforms, flow, k, col0 + b, py, scale, height, width)
                acc[y0, x0] += (1.0 - fy) * (1.0 - fx) * val
                acc[y0, x1] += (1.0 - fy) * fx * val
                acc[y1, x0] += fy * (1.0 - fx) * val
                acc[y1, x1] += fy * fx * val


@njit(cache=True, parallel=True)
def sum_frames(stack, out):
    """``out = stack.sum(axis=0)`` in parallel over rows."""
    n, height, width = stack.shape
    for r in prange(height):
        for c in range(width):
            acc = 0.0
            for k in range(n):
                acc += stack[k, r, c]
            out[r, c] = acc


@njit(cache=True, parallel=True)
def shifted_differences(x, shifts, out):
    """``out[s] = x - x(. + shifts[s])`` where both pixels are inside, else 0."""
    n_shifts = shifts.shape[0]
    height, width = x.shape
    for r in prange(height):
        for s in range(n_shifts):
            dr = shifts[s, 0]
            dc = shifts[s, 1]
            rr = r + dr
            c0 = max(0, -dc)
            c1 = min(width, width - dc)
            if rr < 0 or rr >= height or c1 <= c0:
                out[s, r, :] = 0.0
                continue
            out[s, r, :c0] = 0.0
            out[s, r, c1:] = 0.0
            # slices indexed by the loop variable: no negative-index check, vectorised
            dst, here, there = out[s, r, c0:c1], x[r, c0:c1], x[rr, c0 + dc:c1 + dc]
            for q in range(c1 - c0):
                dst[q] = here[q] - there[q]


@njit(cache=True)
def group_medians(index, values, z, counts):
    """Per group ``g`` (``index == g``), the median of its ``values`` into ``z[g]``
    (the mean of the two middle ones for an even count; ``z`` left as it is for
    an empty group) and the count into ``counts`` (zeroed first).

    A counting sort by group, then each group's few values sorted on their
    own: O(n) where ``np.lexsort((values, index))`` sorts everything (a
    second per shift-and-add of a video frame). The median of a group does
    not depend on the order of equal values, so the numbers are the same.
    """
    n_groups = z.size
    counts[:] = 0
    for i in range(index.size):
        counts[index[i]] += 1
    starts = np.empty(n_groups + 1, np.int64)
    starts[0] = 0
    for g in range(n_groups):
        starts[g + 1] = starts[g] + counts[g]
    fill = starts[:n_groups].copy()
    grouped = np.empty(index.size)
    for i in range(index.size):
        g = index[i]
        grouped[fill[g]] = values[i]
        fill[g] += 1
    for g in range(n_groups):
        c = counts[g]
        if c == 0:
            continue
        segment = grouped[starts[g]:starts[g] + c]
        if c > 32:
            segment.sort()
        else:  # insertion sort: groups hold a few samples
            for a in range(1, c):
                v = segment[a]
                b = a - 1
                while b >= 0 and segment[b] > v:
                    segment[b + 1] = segment[b]
                    b -= 1
                segment[b + 1] = v
        z[g] = 0.5 * (segment[(c - 1) // 2] + segment[c // 2])


@njit(cache=True, parallel=True)
def l1_weights(values, coefs, eps, out):
    """``out[k] = coefs[k] * (1 / sqrt(values[k]^2 + eps^2))`` of ``(n, m)`` arrays,
    in one pass (NumPy takes five, each through memory, on the BTV differences
    of a whole video frame); the same operations, so the same numbers."""
    e2 = eps * eps
    n, m = values.shape
    blocks = (m + 4095) // 4096
    for job in prange(n * blocks):
        k = job // blocks
        start = (job % blocks) * 4096
        c = coefs[k]
        row = values[k]
        dst = out[k]
        for i in range(start, min(m, start + 4096)):
            v = row[i]
            dst[i] = c * (1.0 / np.sqrt(v * v + e2))


@njit(cache=True, parallel=True)
def weighted_difference_normal(x, shifts, weights, out):
    """``out = sum_s D_s^T (weights[s] * D_s x)``, gathered per pixel.

    ``D_s x [p] = x[p] - x[p + s]`` for the pairs inside the image, so pixel
    ``p`` receives ``w_s[p] (x[p] - x[p + s])`` and
    ``- w_s[p - s] (x[p - s] - x[p])``. Each row handles the column range
    where the pair is inside, without per-pixel tests.
    """
    n_shifts = shifts.shape[0]
    height, width = x.shape
    for r in prange(height):
        for c in range(width):
            out[r, c] = 0.0
        for s in range(n_shifts):
            dr = shifts[s, 0]
            dc = shifts[s, 1]
            # slices indexed by the loop variable: no negative-index check, vectorised
            rr = r + dr
            c0, c1 = max(0, -dc), min(width, width - dc)
            if 0 <= rr < height and c1 > c0:
                dst, here = out[r, c0:c1], x[r, c0:c1]
                there, w = x[rr, c0 + dc:c1 + dc], weights[s, r, c0:c1]
                for q in range(c1 - c0):
                    dst[q] += w[q] * (here[q] - there[q])
            rr = r - dr
            c0, c1 = max(0, dc), min(width, width + dc)
            if 0 <= rr < height and c1 > c0:
                dst, here = out[r, c0:c1], x[r, c0:c1]
                there, w = x[rr, c0 - dc:c1 - dc], weights[s, rr, c0 - dc:c1 - dc]
                for q in range(c1 - c0):
                    dst[q] += w[q] * (here[q] - there[q])


# --- blur-first model: A_k x = S_k (H x), S_k bilinear sampling at warped LR centres ---


@njit(cache=True, inline="always")
def _clamp(i, n):
    """``i`` clamped to ``[0, n - 1]`` (edge replication)."""
    return min(max(i, 0), n - 1)


@njit(cache=True, parallel=True)
def blur_rows(x, taps, out):
    """``out = x`` filtered along axis 0 by ``taps`` (edge replication)."""
    height, width = x.shape
    radius = (taps.size - 1) // 2
    for r in prange(height):
        for c in range(width):
            out[r, c] = 0.0
        for t in range(taps.size):
            src = _clamp(r + t - radius, height)
            g = taps[t]
            for c in range(width):
                out[r, c] += g * x[src, c]


@njit(cache=True, parallel=True)
def blur_cols(x, taps, out):
    """``out = x`` filtered along axis 1 by ``taps`` (edge replication).

    Inside the row (no tap clamped) tap by tap over the whole run of
    columns, which vectorises: each output is still ``((0 + g0 x0) + g1 x1)
    + ...`` in tap order, the additions of the clamped loop at the borders.
    """
    height, width = x.shape
    n_taps = taps.size
    radius = (n_taps - 1) // 2
    lo = min(radius, width)
    hi = max(width - radius, lo)
    for r in prange(height):
        row = x[r]
        dst = out[r]
        for c in range(width):
            if lo <= c < hi:  # the interior, below
                continue
            acc = 0.0
            for t in range(n_taps):
                acc += taps[t] * row[_clamp(c + t - radius, width)]
            dst[c] = acc
        if hi > lo:
            inner = dst[lo:hi]
            inner[:] = 0.0
            for t in range(n_taps):
                g = taps[t]
                # a slice indexed by the loop variable: no negative-index check, vectorised
                segment = row[lo + t - radius:hi + t - radius]
                for q in range(hi - lo):
                    inner[q] += g * segment[q]


@njit(cache=True, parallel=True)
def blur_rows_adjoint(y, taps, out):
    """Adjoint of :func:`blur_rows`: ``out[d] = sum g_t y[r]`` over the ``(r, t)``
    whose clamped tap ``r + t - radius`` is ``d``; parallel over rows.

    Gathered per output row, in the order the scatter ``for r: for t:
    out[clamp(r + t - radius)] += g_t y[r]`` adds (``r`` ascending, then
    ``t``), so the sums are the scatter's to the last bit; inside the image
    a row is a vectorised sum of ``n_taps`` rows.
    """
    height, width = y.shape
    n_taps = taps.size
    radius = (n_taps - 1) // 2
    for d in prange(height):
        dst = out[d]
        for c in range(width):
            dst[c] = 0.0
        if radius <= d < height - radius:
            for t in range(n_taps - 1, -1, -1):  # r = d + radius - t ascending
                g = taps[t]
                src = y[d + radius - t]
                for c in range(width):
                    dst[c] += g * src[c]
        else:
            for r in range(max(0, d - radius), min(height - 1, d + radius) + 1):
                src = y[r]
                for t in range(n_taps):
                    if _clamp(r + t - radius, height) == d:
                        g = taps[t]
                        for c in range(width):
                            dst[c] += g * src[c]


@njit(cache=True, parallel=True)
def blur_cols_adjoint(y, taps, out):
    """Adjoint of :func:`blur_cols`; parallel over rows.

    Gathered per output column in the order of the scatter ``for c: for t:
    out[clamp(c + t - radius)] += g_t y[c]`` (bit for bit, as
    :func:`blur_rows_adjoint`); inside the row tap by tap over the run of
    columns (vectorised).
    """
    height, width = y.shape
    n_taps = taps.size
    radius = (n_taps - 1) // 2
    lo = min(radius, width)
    hi = max(width - radius, lo)
    for r in prange(height):
        row = y[r]
        dst = out[r]
        for d in range(width):
            if lo <= d < hi:
                continue
            acc = 0.0
            for c in range(max(0, d - radius), min(width - 1, d + radius) + 1):
                for t in range(n_taps):
                    if _clamp(c + t - radius, width) == d:
                        acc += taps[t] * row[c]
            dst[d] = acc
        if hi > lo:
            inner = dst[lo:hi]
            inner[:] = 0.0
            for t in range(n_taps - 1, -1, -1):  # c = d + radius - t ascending
                g = taps[t]
                segment = row[lo + radius - t:hi + radius - t]
                for q in range(hi - lo):
                    inner[q] += g * segment[q]


@njit(cache=True, parallel=True)
def bilinear_table(transforms, scale, origin, height, width, index, fx, fy):
    """Precompute the bilinear sampling of every LR pixel of every frame.

    ``index[k, i, j]`` is the flat HR index of the top-left pixel and
    ``(fx, fy)`` the fractional offsets of ``T_k (scale j + origin,
    scale i + origin)``, clamped to the image; at the last row / column the
    offset is 0 and the top-left pixel is the clamped one, so the right /
    lower neighbour (weight 0) is never read out of bounds.
    """
    n, h, w = index.shape
    for k in prange(n):
        for i in range(h):
            py = scale * i + origin
            for j in range(w):
                x0, x1, y0, y1, ax, ay = _bilinear_setup(
                    transforms, k, scale * j + origin, py, height, width)
                index[k, i, j], fx[k, i, j], fy[k, i, j] = _table_entry(
                    x0, x1, y0, y1, ax, ay, height, width)


@njit(cache=True)
def _table_entry(x0, x1, y0, y1, ax, ay, height, width):
    """Flat index of the top-left pixel and offsets ``(fx, fy)`` of a
    :func:`_cell`, such that the right / lower neighbours are always inside:
    at the last row / column the offset is 0 and the top-left pixel is the
    clamped one (or, on the last pixel, its left / upper neighbour with offset 1)."""
    if x1 == x0:
        ax = 0.0
        if x0 == width - 1 and width > 1:
            x0 -= 1
            ax = 1.0
    if y1 == y0:
        ay = 0.0
        if y0 == height - 1 and height > 1:
            y0 -= 1
            ay = 1.0
    return y0 * width + x0, ax, ay


@njit(cache=True, parallel=True)
def flow_table(flow, scale, origin, height, width, index, fx, fy):
    """:func:`bilinear_table` for a dense motion: LR pixel ``(i, j)`` of frame
    ``k`` samples the HR image at ``scale (j + flow[k, i, j, 0]) + origin``,
    ``scale (i + flow[k, i, j, 1]) + origin`` (clamped to the image).

    The sampling itself and its adjoint are :func:`sample` and
    :func:`sample_adjoint`, shared with the matrix motions, so the adjoint is
    exact whatever the flow.
    """
    n, h, w = index.shape
    for k in prange(n):
        for i in range(h):
            for j in range(w):
                xs = scale * (j + flow[k, i, j, 0]) + origin
                ys = scale * (i + flow[k, i, j, 1]) + origin
                x0, x1, y0, y1, ax, ay = _cell(xs, ys, height, width)
                index[k, i, j], fx[k, i, j], fy[k, i, j] = _table_entry(
                    x0, x1, y0, y1, ax, ay, height, width)


@njit(cache=True, parallel=True)
def sample(z, index, fx, fy, out):
    """``out[k, i, j]``: bilinear sample of ``z`` from :func:`bilinear_table`."""
    n, h, w = out.shape
    width = z.shape[1]
    flat = z.ravel()
    for k in prange(n):
        for i in range(h):
            for j in range(w):
                p = index[k, i, j]
                ax = fx[k, i, j]
                ay = fy[k, i, j]
                out[k, i, j] = ((1.0 - ay) * ((1.0 - ax) * flat[p] + ax * flat[p + 1])
                                + ay * ((1.0 - ax) * flat[p + width]
                                        + ax * flat[p + width + 1]))


@njit(cache=True, parallel=True)
def sample_adjoint(y, index, fx, fy, buffers):
    """Adjoint of :func:`sample`: frames split over ``buffers.shape[0]`` private
    HR buffers (overwritten), to be summed by the caller."""
    n, h, w = y.shape
    n_buf, _, width = buffers.shape
    for b in prange(n_buf):
        flat = buffers[b].ravel()
        flat[:] = 0.0
        for k in range(b, n, n_buf):
            for i in range(h):
                for j in range(w):
                    val = y[k, i, j]
                    p = index[k, i, j]
                    ax = fx[k, i, j]
                    ay = fy[k, i, j]
                    flat[p] += (1.0 - ay) * (1.0 - ax) * val
                    flat[p + 1] += (1.0 - ay) * ax * val
                    flat[p + width] += ay * (1.0 - ax) * val
                    flat[p + width + 1] += ay * ax * val
