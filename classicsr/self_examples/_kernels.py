"""Numba kernels of the self-example methods: a generalised PatchMatch (imported lazily).

State of a nearest-neighbour field (NNF) over a target image of ``H x W``
pixels (patch centres at least ``r`` pixels inside, ``r`` the patch radius):

* ``tform`` ``(H, W, 9)``: the 3x3 transform ``T`` that maps the patch
  offsets ``(X, Y, 1)`` of a target patch to source positions, stored as
  SelfExSR stores it (column-major: ``[t1 .. t9]`` is ``[[t1, t4, t7], [t2,
  t5, t8], [t3, t6, t9]]``); positions are 1-based pixel coordinates of
  the *target* level (MATLAB's);
* ``affine`` ``(H, W, 4)``: the 2x2 deformation ``A`` (column-major)
  that ``T`` was composed from;
* ``bias`` ``(H, W, C)``: per-channel photometric bias added to the source;
* ``cost`` ``(H, W)``;
* the planes (SelfExSR's planar guidance, Huang et al. SIGGRAPH 2014):
  ``plane_id`` ``(H, W)`` int64, the plane each centre's transform was
  drawn on; ``plane_acc`` ``(H, W, P)``, the cumulative plane probabilities
  at every target centre (a plane is drawn by one uniform number);
  ``plane_mlog`` ``(P, H, W)``, minus the log plane probabilities at the
  target level; ``plane_h`` ``(P, 2)``, the ``(h7, h8)`` of every plane's
  rectifying homography ``[[1, 0, 0], [0, 1, 0], [h7, h8, 1]]`` in 0-based
  target-level coordinates. The fronto-parallel plane has ``h = (0, 0)``;
  a field without planes has that one plane (:func:`fronto_parallel`).

Sources are one or several images (a pyramid), passed flat: ``src`` holds
the images one after the other (each ``(h_k, w_k, C)`` C-contiguous) from
``src_offset[k]``; a transform of scale ``s`` (:func:`tform_scale`) reads
the level ``k = round(-log(s) / log(alpha))`` clamped to ``[1, n_levels]``
and multiplies the positions by ``factor[k - 1]`` (``alpha^k``) --
SelfExSR's ``sr_prep_source_patch``. A single source is one level with
factor 1.

Written here rather than taken from a library: no maintained Python
package implements PatchMatch over transformed patches and image
pyramids (OpenCV's and scikit-image's matchers are exhaustive template
searches over translations).

Random numbers are drawn from a counter-based generator (SplitMix64 of
the seed, the pixel, the iteration and the draw), so that every pixel's
draws do not depend on the order the threads visit the pixels: results
are the same for any thread count.
"""

import math

import numpy as np
from numba import njit, prange

__all__ = ["compose", "compose_plane", "fronto_parallel", "patch_costs", "propagate",
           "random_search", "tform_scale", "uniform", "vote"]


def fronto_parallel(shape):
    """Plane state of a field with the fronto-parallel plane only (no planar guidance)."""
    height, width = shape
    return (np.zeros((height, width), np.int64), np.ones((height, width, 1)),
            np.zeros((1, height, width)), np.zeros((1, 2)))

@njit(cache=True, inline="always")
def _splitmix(z):
    z = z + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(cache=True)
def uniform(seed, a, b, c):
    """A uniform number in [0, 1) determined by ``(seed, a, b, c)`` (non-negative ints)."""
    z = _splitmix(np.uint64(seed))
    z = _splitmix(z ^ np.uint64(a))
    z = _splitmix(z ^ np.uint64(b))
    z = _splitmix(z ^ np.uint64(c))
    return float(z >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True, inline="always")
def tform_scale(t):
    """Local scale of ``T`` (SelfExSR's ``sr_scale_tform``, Chum & Matas 2010)."""
    d = ((t[0] - t[6] * t[2]) * (t[4] - t[7] * t[5])
         - (t[3] - t[6] * t[5]) * (t[1] - t[7] * t[2]))
    return math.sqrt(abs(d))


@njit(cache=True, inline="always")
def _level(scale, log_alpha, n_levels):
    """1-based pyramid level of a transform of ``scale`` (MATLAB round, clamped)."""
    if scale <= 0.0:
        return n_levels
    v = -math.log(scale) / log_alpha
    k = int(math.floor(v + 0.5)) if v >= 0 else -int(math.floor(-v + 0.5))
    return min(max(k, 1), n_levels)


@njit(cache=True, inline="always")
def _bilinear_taps(h, w, x, y):
    """``vgg_interp2(img, x, y, 'linear', 0)`` at 1-based ``(x, y)``: ``(row, col, fy,
    fx)`` of the top-left 0-based tap and the fractions; row -1 outside the image."""
    if not (x >= 1.0 and x <= w and y >= 1.0 and y <= h):
        return -1, 0, 0.0, 0.0
    x0 = min(int(math.floor(x)), w - 1) if w > 1 else 1
    y0 = min(int(math.floor(y)), h - 1) if h > 1 else 1
    return y0 - 1, x0 - 1, y - y0, x - x0


@njit(cache=True, inline="always")
def _bilinear(src, offset, w, channels, row, col, fy, fx, c):
    """The value of channel ``c`` at the taps of :func:`_bilinear_taps` (0 outside)."""
    if row < 0:
        return 0.0
    base = offset + (row * w + col) * channels + c
    right = channels if fx > 0.0 else 0
    down = w * channels if fy > 0.0 else 0
    return ((1.0 - fy) * ((1.0 - fx) * src[base] + fx * src[base + right])
            + fy * ((1.0 - fx) * src[base + down] + fx * src[base + down + right]))


@njit(cache=True)
def _cost(target, y, x, t, src, src_offset, src_h, src_w, factor, params, weights, bias,
          sums, bound=np.inf):
    """Matching cost of the target patch centred at 0-based ``(y, x)`` under ``t``.

    ``params``: ``[radius, log_alpha, use_bias, min_bias, max_bias,
    lambda_scale, scale_threshold, appearance_weight]``. Fills ``bias``
    (per channel, the mean difference clamped; ``sums`` is scratch of
    ``3 C``). One pass: with ``d = t - s``, ``sum_i w_i (d_i - b)^2 = sum w
    d^2 - 2 b sum w d + b^2 sum w``.

    Early exit: a candidate is kept only if its cost is below the current
    one, ``bound``. After each pixel of the patch, the pixels seen so far
    give a lower bound of the cost whatever the bias, ``sum w d^2 - (sum w
    d)^2 / sum w`` (the least ``sum w (d - b)^2`` over every ``b``; without
    bias ``sum w d^2``), plus the scale penalty; when it exceeds ``bound``
    (with a margin well above the rounding of the sums) the candidate
    cannot be kept and ``inf`` is returned, ``bias`` left undefined. The
    costs of the candidates that are kept, and so every decision, are those
    of the full sums (SelfExSR's PatchMatch spends most of its time on
    candidates that lose). The plane cost the callers add afterwards is
    minus the logarithm of probabilities normalised to sum 1, never
    negative, so it cannot bring a rejected candidate back under ``bound``.
    """
    radius = int(params[0])
    channels = target.shape[2]
    scale = tform_scale(t)
    penalty = params[5] * max(0.0, params[6] - scale) if params[5] != 0.0 else 0.0
    early = bound < np.inf and params[7] > 0.0
    k = _level(scale, params[1], src_offset.shape[0]) - 1
    f = factor[k]
    h, w, offset = src_h[k], src_w[k], src_offset[k]
    h1, h2, h3 = t[0] * f, t[1] * f, t[2]
    h4, h5, h6 = t[3] * f, t[4] * f, t[5]
    h7, h8, h9 = t[6] * f, t[7] * f, t[8]
    homogeneous = h3 != 0.0 or h6 != 0.0 or h9 != 1.0
    size = 2 * radius + 1
    sums[:] = 0.0
    total_weight = 0.0
    i = 0
    for col in range(size):  # MATLAB's meshgrid(-r:r)(:) order: X by columns
        xo = col - radius
        for row in range(size):
            yo = row - radius
            px = h1 * xo + h4 * yo + h7
            py = h2 * xo + h5 * yo + h8
            if homogeneous:
                pz = h3 * xo + h6 * yo + h9
                px /= pz
                py /= pz
            r0, c0, fy, fx = _bilinear_taps(h, w, px, py)
            wi = weights[i]
            total_weight += wi
            for c in range(channels):
                d = (target[y - radius + row, x - radius + col, c]
                     - _bilinear(src, offset, w, channels, r0, c0, fy, fx, c))
                sums[c] += d
                sums[channels + c] += wi * d
                sums[2 * channels + c] += wi * d * d
            i += 1
            if early and i < size * size and total_weight > 0.0:
                least = 0.0
                squares = 0.0
                for c in range(channels):
                    s1 = sums[channels + c]
                    s2 = sums[2 * channels + c]
                    least += s2 - s1 * s1 / total_weight if params[2] != 0.0 else s2
                    squares += s2
                least = least * params[7] + penalty
                if least > bound + 1e-9 * abs(bound) + 1e-12 * squares * params[7]:
                    return np.inf
    cost = 0.0
    n = size * size
    for c in range(channels):
        b = min(max(sums[c] / n, params[3]), params[4]) if params[2] != 0.0 else 0.0
        bias[c] = b
        cost += sums[2 * channels + c] - 2.0 * b * sums[channels + c] + b * b * total_weight
    cost *= params[7]
    if params[5] != 0.0:
        cost += penalty
    return cost


@njit(cache=True)
def compose(affine, sx, sy, authors, t):
    """``t`` = the fronto-parallel translation to ``(sx, sy)`` composed with ``affine``.

    ``authors``: as SelfExSR's ``sr_src_domain_tform`` computes it, whose
    second column is ``H(4:6) * (a3 + a4)`` (``H(4:6)`` written twice where
    ``H(1:3) * a3 + H(4:6) * a4`` is meant): the linear part is
    ``[[a1, 0], [a2, a3 + a4]]`` instead of ``[[a1, a3], [a2, a4]]``.
    """
    t[0] = affine[0]
    t[1] = affine[1]
    t[2] = 0.0
    if authors:
        t[3] = 0.0
        t[4] = affine[2] + affine[3]
    else:
        t[3] = affine[2]
        t[4] = affine[3]
    t[5] = 0.0
    t[6] = sx
    t[7] = sy
    t[8] = 1.0


@njit(cache=True)
def compose_plane(affine, sx, sy, tx, ty, h7, h8, authors, t):
    """``t`` = the homography induced by the plane ``(h7, h8)`` that takes the
    target centre ``(tx, ty)`` (0-based) to the source ``(sx, sy)`` (1-based),
    composed with ``affine`` (SelfExSR's ``sr_src_domain_tform``).

    In the rectified domain of the plane (``p -> p / (h7 x + h8 y + 1)``) the
    displacement ``d`` from target to source is a translation; back in the
    image it is ``M = I + u [h7, h8, 1]`` with ``u = (d_x, d_y, -(h7 d_x + h8
    d_y))`` (Huang et al. 2014, Eqn 8), moved to the target position and
    normalised (Eqn 9, then the authors' ``+1`` on the 1-based position),
    then composed with ``affine`` as :func:`compose` does (``authors``: the
    authors' second column ``H(4:6) (a3 + a4)``).
    """
    eps = 2.220446049250313e-16
    wt = tx * h7 + ty * h8 + 1.0
    ws = (sx - 1.0) * h7 + (sy - 1.0) * h8 + 1.0
    dx = (sx - 1.0) / (ws + eps) - tx / (wt + eps)
    dy = (sy - 1.0) / (ws + eps) - ty / (wt + eps)
    u0, u1, u2 = dx, dy, -(dx * h7 + dy * h8)
    # M column-major: column j is e_j + u v_j, v = (h7, h8, 1)
    m0, m1, m2 = 1.0 + u0 * h7, u1 * h7, u2 * h7
    m3, m4, m5 = u0 * h8, 1.0 + u1 * h8, u2 * h8
    m6, m7, m8 = u0, u1, 1.0 + u2
    # sr_trans_tform: third column moved by M (tx, ty, 0), then M / (m9 + eps)
    m6, m7, m8 = m0 * tx + m3 * ty + m6, m1 * tx + m4 * ty + m7, m2 * tx + m5 * ty + m8
    n = m8 + eps
    m0, m1, m2, m3, m4, m5, m6, m7, m8 = (m0 / n, m1 / n, m2 / n, m3 / n, m4 / n, m5 / n,
                                          m6 / n + 1.0, m7 / n + 1.0, m8 / n)
    a1, a2, a3, a4 = affine[0], affine[1], affine[2], affine[3]
    t[0] = m0 * a1 + m3 * a2
    t[1] = m1 * a1 + m4 * a2
    t[2] = m2 * a1 + m5 * a2
    if authors:
        t[3] = m3 * (a3 + a4)
        t[4] = m4 * (a3 + a4)
        t[5] = m5 * (a3 + a4)
    else:
        t[3] = m0 * a3 + m3 * a4
        t[4] = m1 * a3 + m4 * a4
        t[5] = m2 * a3 + m5 * a4
    t[6], t[7], t[8] = m6, m7, m8
    for i in range(9):
        t[i] /= m8


@njit(cache=True, inline="always")
def _plane_cost(mlog, plane, sx, sy, y, x):
    """``-log p_plane(source) - log p_1(target)`` (SelfExSR's ``sr_patch_cost_plane``).

    The source term is read at the rounded, clamped 1-based position
    ``(sx, sy)`` on the plane's map; the target term, as the authors index
    it (a 2-D index into the 3-D map), on the first plane's map -- a
    constant per centre, so it moves no decision.
    """
    height, width = mlog.shape[1], mlog.shape[2]
    col = min(max(int(math.floor(sx + 0.5)), 1), width) - 1
    row = min(max(int(math.floor(sy + 0.5)), 1), height) - 1
    return mlog[plane, row, col] + mlog[0, y, x]


@njit(cache=True, parallel=True)
def patch_costs(target, tform, src, src_offset, src_h, src_w, factor, params, weights, cost,
                bias, plane_id, plane_mlog):
    """Recompute ``cost`` and ``bias`` of every patch centre of the field.

    ``params[8]`` weighs the plane cost (:func:`_plane_cost`) of each centre's
    plane and source position.
    """
    height, width, channels = target.shape
    radius = int(params[0])
    for y in prange(radius, height - radius):
        sums = np.empty(3 * channels)
        b = np.empty(channels)
        for x in range(radius, width - radius):
            # no bound (an explicit inf: the callers' one specialisation of _cost)
            cost[y, x] = _cost(target, y, x, tform[y, x], src, src_offset, src_h, src_w,
                               factor, params, weights, b, sums, np.inf)
            if params[8] != 0.0:
                cost[y, x] += params[8] * _plane_cost(plane_mlog, plane_id[y, x], tform[y, x, 6],
                                                      tform[y, x, 7], y, x)
            bias[y, x, :] = b


@njit(cache=True, parallel=True)
def random_search(target, tform, affine, bias, cost, src, src_offset, src_h, src_w, factor,
                  params, weights, search, seed, iteration, updated, plane_id, plane_acc,
                  plane_mlog, plane_h):
    """One round of SelfExSR's coarse-to-fine random search, every centre independently.

    ``search``: ``[min_scale, max_scale, scale_radius, rotation_radius,
    shear_radius, use_affine, authors_composition, bound_w, bound_h,
    integer_positions, authors_eps, first_radius, skip_near,
    only_from_updated]``, the bounds being the extent of the positions of
    ``T`` (the target's own size in SelfExSR, where positions are target-level
    coordinates; the source's for one source image). The search radius
    starts at ``max(bound_w, bound_h) * first_radius`` (1/4 in SelfExSR) and
    halves while above 1; at each radius a position offset uniform in
    ``+-radius`` and (``use_affine``) a random scale / rotation / shear
    deformation shrinking with the step are applied to the current transform;
    the candidate is kept if its cost is lower (and its scale and position
    are valid). With several planes, each candidate is drawn on a plane
    drawn from the target centre's plane probabilities, its transform is
    the plane-induced homography (:func:`compose_plane`) and its cost gains
    ``params[8]`` times the plane cost at the candidate source position
    (before the homography, as the authors). ``updated`` (uint8, H x W)
    marks the centres updated. Returns the number of updates.
    """
    height, width, channels = target.shape
    radius = int(params[0])
    bound_w, bound_h = search[7], search[8]
    updates = np.zeros(height, np.int64)
    for y in prange(radius, height - radius):
        sums = np.empty(3 * channels)
        b = np.empty(channels)
        cand_a = np.empty(4)
        cand_t = np.empty(9)
        for x in range(radius, width - radius):
            pixel = y * width + x
            rad = max(bound_w, bound_h) * search[11]
            step = 1
            while rad > 1.0:
                step += 1
                rad /= 2.0
                a = affine[y, x]
                t = tform[y, x]
                draw = step * 8
                sx = t[6] + 2.0 * rad * (uniform(seed, pixel, iteration, draw) - 0.5)
                sy = t[7] + 2.0 * rad * (uniform(seed, pixel, iteration, draw + 1) - 0.5)
                if search[9] != 0.0:
                    sx = math.floor(sx + 0.5)
                    sy = math.floor(sy + 0.5)
                if search[5] != 0.0:
                    u = uniform(seed, pixel, iteration, draw + 2)
                    s = 1.0 + search[2] * (u - 0.5) / step
                    th = search[3] * (uniform(seed, pixel, iteration, draw + 3) - 0.5) / step
                    shx = search[4] * (uniform(seed, pixel, iteration, draw + 4) - 0.5) / step
                    shy = search[4] * (uniform(seed, pixel, iteration, draw + 5) - 0.5) / step
                    ct, st = math.cos(th), math.sin(th)
                    d1 = (ct - st * shy) * s
                    d2 = (st + ct * shy) * s
                    d3 = (ct * shx - st) * s
                    d4 = (st * shx + ct) * s
                    cand_a[0] = d1 * a[0] + d3 * a[1]
                    cand_a[1] = d2 * a[0] + d4 * a[1]
                    cand_a[2] = d1 * a[2] + d3 * a[3]
                    cand_a[3] = d2 * a[2] + d4 * a[3]
                else:
                    cand_a[:] = a
                plane = 0
                n_planes = plane_h.shape[0]
                if n_planes > 1:  # sr_draw_plane_id: the first plane whose cumulative p >= u
                    u = uniform(seed, pixel, iteration, draw + 6)
                    plane = -1
                    for q in range(n_planes):
                        if plane_acc[y, x, q] >= u:
                            plane = q
                            break
                    if plane < 0:  # rounding left u above the last sum: the authors' plane 0
                        continue
                h7, h8 = plane_h[plane, 0], plane_h[plane, 1]
                if h7 == 0.0 and h8 == 0.0:
                    compose(cand_a, sx, sy, search[6] != 0.0, cand_t)
                else:
                    compose_plane(cand_a, sx, sy, float(x), float(y), h7, h8, search[6] != 0.0,
                                  cand_t)
                scale = tform_scale(cand_t)
                if scale < search[0] or scale > search[1]:
                    continue
                px, py = cand_t[6], cand_t[7]
                if not (px >= radius + 1 and px <= bound_w - radius
                        and py >= radius + 1 and py <= bound_h - radius):
                    continue
                if cost[y, x] <= 0.0:
                    continue
                c = _cost(target, y, x, cand_t, src, src_offset, src_h, src_w, factor, params,
                          weights, b, sums, cost[y, x])
                if params[8] != 0.0:
                    c += params[8] * _plane_cost(plane_mlog, plane, sx, sy, y, x)
                if c < cost[y, x]:
                    cost[y, x] = c
                    tform[y, x, :] = cand_t
                    affine[y, x, :] = cand_a
                    plane_id[y, x] = plane
                    bias[y, x, :] = b
                    updated[y, x] = 1
                    updates[y] += 1
    return updates.sum()


@njit(cache=True)
def _propagate_one(target, tform, affine, bias, cost, src, src_offset, src_h, src_w, factor,
                   params, weights, search, y, x, dy, dx, sums, b, cand_t, updated, plane_id,
                   plane_mlog):
    """Try the transform of the neighbour ``(y - dy, x - dx)`` shifted by ``(dx, dy)``."""
    # SelfExSR (search[13] = 1) propagates only from centres updated in this iteration
    if search[13] != 0.0 and updated[y - dy, x - dx] == 0:
        return 0
    radius = int(params[0])
    bound_w, bound_h = search[7], search[8]
    q = tform[y - dy, x - dx]
    # the neighbour's source must be a valid patch centre, and not the current one
    if not (q[6] >= radius + 1 and q[6] <= bound_w - radius
            and q[7] >= radius + 1 and q[7] <= bound_h - radius):
        return 0
    p = tform[y, x]
    # SelfExSR (search[12] = 1) skips a neighbour whose source is within a pixel of this one's
    if search[12] != 0.0 and abs(q[6] - p[6]) <= 1.0 and abs(q[7] - p[7]) <= 1.0:
        return 0
    if cost[y, x] <= 0.0:
        return 0
    # sr_trans_tform: the third column moved by T (dx, dy, 0), then T / (t9 + eps)
    for i in range(6):
        cand_t[i] = q[i]
    cand_t[6] = q[0] * dx + q[3] * dy + q[6]
    cand_t[7] = q[1] * dx + q[4] * dy + q[7]
    cand_t[8] = q[2] * dx + q[5] * dy + q[8]
    # the authors divide by t9 + eps (search[10] = 1)
    norm = cand_t[8] + search[10] * 2.220446049250313e-16
    for i in range(9):
        cand_t[i] /= norm
    if search[9] != 0.0:
        cand_t[6] = math.floor(cand_t[6] + 0.5)
        cand_t[7] = math.floor(cand_t[7] + 0.5)
    c = _cost(target, y, x, cand_t, src, src_offset, src_h, src_w, factor, params, weights, b,
              sums, cost[y, x])
    plane = plane_id[y - dy, x - dx]
    if params[8] != 0.0:  # the authors read the plane cost at this centre's current source
        c += params[8] * _plane_cost(plane_mlog, plane, p[6], p[7], y, x)
    if c < cost[y, x]:
        cost[y, x] = c
        tform[y, x, :] = cand_t
        affine[y, x, :] = affine[y - dy, x - dx]
        plane_id[y, x] = plane
        bias[y, x, :] = b
        updated[y, x] = 1
        return 1
    return 0


@njit(cache=True, parallel=True)
def propagate(target, tform, affine, bias, cost, src, src_offset, src_h, src_w, factor,
              params, weights, search, dy, dx, updated, plane_id, plane_mlog):
    """One propagation sweep in direction ``(dx, dy)`` (one of the 4 unit steps).

    ``search`` as :func:`random_search` (the bounds, integer positions, eps,
    and ``search[13]``: propagate only from centres marked in ``updated``,
    as the authors' wavefronts do; the updated centres are marked).

    Every centre, in the sweep's order, tries its predecessor's transform
    moved by one step (SelfExSR's ``sr_propagate`` runs the same chains as
    wavefronts from the centres updated in the iteration; a full sweep is a
    superset). A candidate keeps its neighbour's plane; its plane cost is
    read, as the authors', at the current source of the centre. Rows
    (horizontal sweeps) or columns (vertical) are independent, so they run
    in parallel with the same result.
    """
    height, width, channels = target.shape
    radius = int(params[0])
    horizontal = dy == 0
    lines = height - 2 * radius if horizontal else width - 2 * radius
    along = width if horizontal else height
    forward = dx + dy > 0
    updates = np.zeros(lines, np.int64)
    for line in prange(lines):
        sums = np.empty(3 * channels)
        b = np.empty(channels)
        cand_t = np.empty(9)
        for j in range(along - 2 * radius - 1):
            step = radius + 1 + j if forward else along - radius - 2 - j
            y = radius + line if horizontal else step
            x = step if horizontal else radius + line
            updates[line] += _propagate_one(target, tform, affine, bias, cost, src, src_offset,
                                            src_h, src_w, factor, params, weights, search, y, x,
                                            dy, dx, sums, b, cand_t, updated, plane_id,
                                            plane_mlog)
    return updates.sum()


@njit(cache=True, parallel=True)
def vote(tform, bias, src, src_offset, src_h, src_w, factor, log_alpha, radius, weights,
         use_bias, out):
    """Weighted average of the source patches over every pixel (SelfExSR's ``sr_voting``).

    ``out[y, x] = sum_p w_p (s_p(y, x) + b_p) / sum_p w_p`` over the patches
    ``p`` that cover the pixel, ``s_p`` the source patch of ``p`` sampled
    (bilinearly, from the source level of its scale) under its transform and
    ``w`` the patch weights. Gathered per output pixel (no write conflicts).
    """
    height, width, channels = out.shape
    size = 2 * radius + 1
    for y in prange(height):
        for x in range(width):
            acc = np.zeros(channels)
            total = 0.0
            for col in range(size):
                cx = x - (col - radius)  # the centre whose patch holds (y, x) at this offset
                if cx < radius or cx >= width - radius:
                    continue
                for row in range(size):
                    cy = y - (row - radius)
                    if cy < radius or cy >= height - radius:
                        continue
                    t = tform[cy, cx]
                    scale = tform_scale(t)
                    k = _level(scale, log_alpha, src_offset.shape[0]) - 1
                    f = factor[k]
                    xo = col - radius
                    yo = row - radius
                    px = (t[0] * xo + t[3] * yo + t[6]) * f
                    py = (t[1] * xo + t[4] * yo + t[7]) * f
                    if t[2] != 0.0 or t[5] != 0.0 or t[8] != 1.0:
                        pz = t[2] * xo + t[5] * yo + t[8]
                        px /= pz
                        py /= pz
                    w = weights[col * size + row]
                    r0, c0, fy, fx = _bilinear_taps(src_h[k], src_w[k], px, py)
                    for c in range(channels):
                        v = _bilinear(src, src_offset[k], src_w[k], channels, r0, c0, fy, fx, c)
                        if use_bias:
                            v += bias[cy, cx, c]
                        acc[c] += w * v
                    total += w
            for c in range(channels):
                out[y, x, c] = acc[c] / total if total > 0 else 0.0
