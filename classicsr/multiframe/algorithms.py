"""Multi-frame super-resolution methods on a registered luminance stack.

Every method takes a :class:`Problem` (float64 ``(N, h, w)`` frames in
[0, 1], their motion, the scale and the PSF) and returns the float64
``(scale h, scale w)`` estimate. They are registered in
:mod:`classicsr.registry` with ``kind='multiframe'`` at the end of this
module, with their options and defaults (``classicsr methods l1btv`` lists
them); :func:`classicsr.multiframe.reconstruct` dispatches through the
registry.

Objectives (``A`` the stacked ``D H W_k``, ``D_s`` the pixel differences
of :class:`~classicsr.multiframe.operators.ShiftedDifferences`):

============  ================================================================
method        what is minimised / iterated
============  ================================================================
shift_add     median shift-and-add ``z``, then ``sum c_p |z_p - (H x)_p|
              + lam BTV(x)`` (``c_p`` = samples per HR pixel) by IRLS
ibp           Irani--Peleg back-projection with the PSF as back-projection
              kernel: Landweber ``x += step A^T (y - A x)``, early stopped
pocs          block-iterative projections onto ``{x : |y_k - A_k x| <= delta}``
              (one frame at a time, SART averaging) and onto ``[0, 1]``
map           ``1/2 ||A x - y||^2 + lam R(x)``, ``R`` = Tikhonov
              ``1/2 ||D x||^2`` (CG), Huber on ``D x`` or BTV (IRLS + CG);
              ``constraints``: over convex sets (data bounds, ``[0, 1]``),
              projected IRLS / CG (hybrid ML/MAP/POCS, Elad & Feuer 1997)
l1btv         ``||A x - y||_1 + lam BTV(x)`` (IRLS + CG, or Farsiu's
              steepest descent with ``solver='gradient'``)
============  ================================================================

``BTV(x) = sum_{(l, m)} alpha^(|l| + |m|) ||x - S_x^l S_y^m x||_1`` over
``|l|, |m| <= P`` (each of a pair of opposite shifts once).

Observation weights and dense motion
------------------------------------
A :class:`Problem` may carry per-pixel observation weights
``problem.weights`` (``(N, h, w)`` in [0, 1]; with ``motion='flow'`` the
confidence of the optical flow, :mod:`classicsr.multiframe.flow`). Every
method multiplies its data term by them pixel by pixel: the residuals of
``ibp`` and ``pocs`` and the data weights of the IRLS of ``map`` and
``l1btv`` (``W A x - W y`` in the objectives above), and ``shift_add``
leaves out samples of weight at most :data:`SAMPLE_WEIGHT_FLOOR`. Each then
returns :meth:`Problem.keep_unexplained` of its estimate: where the frames
other than the reference carry less than :data:`EXPLAINED_FRAMES` frames'
worth of weight, the result is blended towards the bicubic upscale of the
reference frame (a region only the reference sees is never much worse than
bicubic). With all-ones weights (matrix motion) none of this changes a bit.

Default parameters
------------------
The defaults are those of the functions' signatures (the registry reads
them from there: ``classicsr methods NAME`` and
``classicsr.available_methods("multiframe")[NAME].options`` list them).
They were chosen by measurement (``python benchmarks/bench_multiframe.py --tune``
reruns the sweep) on simulated x2 sequences (16 frames, translation,
``psf_sigma=1``, ``noise_sigma=2/255``, seed 7, motion registered) of three
images that are *not* the astronaut evaluation image:
``skimage.data.camera()[128:384, 128:384]``, ``coins()[20:276, 64:320]`` and
a synthetic chart (zone plate, bars, checker, gradient). For each setting
the gain over bicubic was measured on each image; the setting with the best
*median* gain was kept (the mean is dominated by the chart, whose gains are
twice the others); settings within 0.05 dB count as tied and the cheaper
one (fewer iterations, then the wider POCS bound) was kept. Median gains
(dB) of the sweep, as the benchmark's JSON records them (``tuning``):

* l1btv, lam 0.01 / **0.02** / 0.03 / 0.04 / 0.06: 5.10 / **5.53** / 5.41 /
  5.21 / 4.81; alpha 0.5 / **0.7**: 5.10 / **5.53**; P **2** / 3: **5.53** /
  5.63; IRLS iterations 6 / **8** / 10: 5.47 / **5.53** / 5.52; the
  smoothing ``EPS`` 1e-3 / 3e-3 / **1e-2** (earlier sweep): 4.64 / 5.13 /
  5.51;
* map btv, lam 0.0002 / **0.0005** / 0.001 / 0.002: 5.40 / **5.39** / 4.83 /
  4.07 (a tie; 0.0005 has the better mean, 5.73 against 5.29);
* map huber, (lam, threshold) (0.02, 0.03) / **(0.02, 0.1)** / (0.05, 0.03) /
  (0.05, 0.1): 4.97 / **5.32** / 5.19 / 4.85;
* map tikhonov, lam 0.005 / **0.01** / 0.02: 4.52 / **4.75** / 4.56;
* ibp, iterations 20 / 40 / **80** / 120: 3.43 / 3.79 / **4.03** / 4.02;
* pocs, (delta_factor, sweeps) (0.25, 6) / **(0.5, 6)** / (0.5, 12) /
  (1.0, 12): 4.01 / **4.00** / 3.97 / 3.92;
* shift_add, lam 0.04 / **0.08** / 0.15: 2.22 / **2.74** / 2.50.

``P = 3`` gains 0.1 dB for twice the prior's cost: Farsiu et al.'s ``P = 2``,
``alpha = 0.7`` were kept. The IRLS counts (8 outer x 6 CG) keep the 16 x
128 x 128 x2 ``l1btv`` reconstruction under one second on two cores.
"""

from collections.abc import Callable
from typing import Any

import numpy as np

from .._validation import check_bool, check_choice, check_int, check_real
from ..registry import register_method
from .motion import translations
from .operators import (FIRST_ORDER_SHIFTS, FLOW_OPERATORS, OPERATORS, BlurWarpDecimate,
                        ShiftedDifferences, btv_shifts)
from .solvers import conjugate_gradient, cyclic_projections, gradient_descent, irls

__all__ = ["DATA_BOUND_FACTOR", "EPS", "EXPLAINED_FRAMES", "GRADIENT_ITERATIONS",
           "IRLS_ITERATIONS", "MAP_CONSTRAINTS", "MAP_LAMBDA", "MAP_PRIORS",
           "SAMPLE_WEIGHT_FLOOR", "SCALES", "SOLVERS", "Problem", "check_option_values",
           "consistency_projections", "estimate_noise", "ibp", "l1btv", "map_estimate",
           "median_shift_and_add", "pocs", "regularised_solve", "shift_add"]

#: Integer scales the multi-frame methods accept.
SCALES = tuple(range(1, 9))

#: Priors of :func:`map_estimate`, and the default ``lam`` of each.
MAP_PRIORS = ("tikhonov", "huber", "btv")
MAP_LAMBDA = {"tikhonov": 0.01, "huber": 0.02, "btv": 0.0005}

#: Solvers of :func:`l1btv`, and its iterations when ``iterations`` is None.
SOLVERS = ("irls", "gradient")
IRLS_ITERATIONS = 8
GRADIENT_ITERATIONS = 100

#: Smoothing of |.| in the IRLS weights ``1 / sqrt(r^2 + EPS^2)`` ([0, 1] scale).
EPS = 1e-2


class Problem:
    """A registered multi-frame problem: frames, motion, scale and PSF.

    Parameters
    ----------
    frames : ndarray, shape (N, h, w)
        float64 frames in [0, 1].
    motion : ndarray, shape (N, 3, 3), or None
        ``frame_k(p) = reference(motion[k] p)`` (LR coordinates). With
        ``flow``, for code that needs one matrix per frame: the dominant
        motion of :func:`~classicsr.multiframe.flow.estimate_flow` (what
        :func:`~classicsr.multiframe.reconstruct` passes) or, if None, the
        translation of each frame's median displacement.
    scale : int
    psf_sigma : float
    reference : int
    model : {'blur-first', 'warp-first'}
        Observation operator (see :data:`~classicsr.multiframe.operators.OPERATORS`).
    flow : ndarray, shape (N, h, w, 2), optional
        Dense motion: ``frame_k(p) = reference(p + flow[k, p])``, LR pixels
        (see :mod:`classicsr.multiframe.flow`). The operator is then that of
        :data:`~classicsr.multiframe.operators.FLOW_OPERATORS` and ``motion``
        is not used by the methods.
    weights : ndarray, shape (N, h, w), optional
        Per-pixel observation weights in [0, 1] (the confidence of the
        motion, :func:`~classicsr.multiframe.flow.estimate_flow`); all ones
        if None.

    Attributes
    ----------
    frames, motion, flow, scale, psf_sigma, reference, model, operator
        As given (``flow`` None for matrix motion).
    weights : ndarray, shape (N, h, w)
        The observation weights, in [0, 1]: every method multiplies its data
        term pixel by pixel by them (all ones for matrix motion unless given).
    """

    def __init__(self, frames, motion, scale, psf_sigma, reference=0, model="blur-first", *,
                 flow=None, weights=None):
        self.frames = np.ascontiguousarray(frames, dtype=np.float64)
        self.scale = int(scale)
        self.psf_sigma = float(psf_sigma)
        self.reference = int(reference)
        self.model = model
        lr_shape = self.frames.shape[1:]
        if flow is None:
            self.flow = None
            self.motion = np.asarray(motion, dtype=np.float64)
            self.operator = OPERATORS[model](self.motion, lr_shape, self.scale,
                                             self.psf_sigma)
        else:
            self.flow = np.ascontiguousarray(flow, dtype=np.float64)
            self.motion = (translations(np.median(self.flow, axis=(1, 2))) if motion is None
                           else np.asarray(motion, dtype=np.float64))
            self.operator = FLOW_OPERATORS[model](self.flow, lr_shape, self.scale,
                                                  self.psf_sigma)
        if weights is None:
            self.weights = np.ones(self.frames.shape)
            self._data_weights = None
        else:
            self.weights = np.ascontiguousarray(weights, dtype=np.float64)
            self._data_weights = None if (self.weights == 1.0).all() else self.weights
        self._shift_add = None
        self._explained = None

    def replace(self, *, psf_sigma=None, weights=None):
        """The same problem with another PSF width and / or other observation weights."""
        return Problem(self.frames, self.motion, self.scale,
                       self.psf_sigma if psf_sigma is None else psf_sigma, self.reference,
                       self.model, flow=self.flow,
                       weights=self.weights if weights is None else weights)

    @property
    def hr_shape(self):
        return self.operator.hr_shape

    @property
    def data_weights(self):
        """:attr:`weights`, or None when they are all ones (the methods then
        skip the product, so that matrix-motion results stay the same bit for bit)."""
        return self._data_weights

    def weighted(self, residual):
        """``weights * residual`` (``residual`` itself when the weights are all ones)."""
        return residual if self._data_weights is None else self._data_weights * residual

    def bicubic(self):
        """MATLAB bicubic upscale of the reference frame."""
        from ..resize import imresize

        return imresize(self.frames[self.reference], output_shape=self.hr_shape)

    def shift_and_add(self):
        """Median shift-and-add ``(z, counts)``; holes in ``z`` hold the bicubic
        upscale of the reference (cached)."""
        if self._shift_add is None:
            z, counts = median_shift_and_add(self.frames, self.motion, self.scale,
                                             flow=self.flow, weights=self._data_weights)
            holes = counts == 0
            if holes.any():
                z[holes] = self.bicubic()[holes]
            self._shift_add = (z, counts)
        return self._shift_add[0].copy(), self._shift_add[1]

    def initial(self):
        """Starting point of the iterative methods: the shift-and-add image."""
        return self.shift_and_add()[0]

    def explained(self):
        """``(H, W)`` in [0, 1]: how well the frames other than the reference
        explain each HR pixel.

        ``scale^2 A'^T w'`` (``A'``, ``w'``: the operator and the weights of
        the other frames) is about the number of frames that see the pixel
        with full weight; it is divided by ``min(EXPLAINED_FRAMES, N - 1)``
        and clipped to [0, 1]. All ones when the weights are all ones (cached).
        """
        if self._explained is None:
            if self._data_weights is None:
                self._explained = np.ones(self.hr_shape)
            else:
                others = self.weights.copy()
                others[self.reference] = 0.0
                support = self.scale ** 2 * self.operator.adjoint(others)
                needed = min(EXPLAINED_FRAMES, self.frames.shape[0] - 1)
                self._explained = np.clip(support / needed, 0.0, 1.0)
        return self._explained

    def keep_unexplained(self, x):
        """``x`` where the frames explain it, the reference's bicubic upscale where not.

        ``m x + (1 - m) bicubic`` with ``m`` = :meth:`explained`, so that
        where only the reference frame is trusted (occlusions, a motion the
        flow missed) the result is never much worse than bicubic. ``x``
        itself when the weights are all ones (matrix motion).
        """
        if self._data_weights is None:
            return x
        m = self.explained()
        return m * x + (1.0 - m) * self.bicubic()


#: Samples of weight at or below this are left out of :func:`median_shift_and_add`.
SAMPLE_WEIGHT_FLOOR = 0.5
#: Frames' worth of observation weight (besides the reference) at which an HR
#: pixel counts as fully explained (:meth:`Problem.explained`).
EXPLAINED_FRAMES = 2.0


def median_shift_and_add(frames, motion, scale, *, flow=None, weights=None):
    """Robust shift-and-add (Farsiu et al., IEEE TIP 2004, Sec. III).

    Every LR pixel is mapped to the reference HR grid (its centre through
    ``motion[k]``, or displaced by ``flow[k]`` when given, then LR -> HR
    coordinates) and rounded to the nearest HR pixel; each HR pixel takes
    the median of the samples that land on it. With ``weights``, samples of
    weight at most :data:`SAMPLE_WEIGHT_FLOOR` are left out.

    Returns
    -------
    z : (H, W) float64, 0 where no sample landed
    counts : (H, W) int64, samples per HR pixel
    """
    from .motion import apply

    n, h, w = frames.shape
    height, width = scale * h, scale * w
    rows, cols = np.mgrid[0:h, 0:w]
    points = np.column_stack([cols.ravel(), rows.ravel()]).astype(np.float64)
    offset = (scale - 1) / 2.0
    index, values = [], []
    for k in range(n):
        moved = apply(motion[k], points) if flow is None else points + flow[k].reshape(-1, 2)
        ref = moved * scale + offset
        c = np.floor(ref[:, 0] + 0.5).astype(np.int64)  # halves up, not to even
        r = np.floor(ref[:, 1] + 0.5).astype(np.int64)
        inside = (c >= 0) & (c < width) & (r >= 0) & (r < height)
        if weights is not None:
            inside &= weights[k].ravel() > SAMPLE_WEIGHT_FLOOR
        index.append(r[inside] * width + c[inside])
        values.append(frames[k].ravel()[inside])
    from ._kernels import group_medians

    z = np.zeros(height * width)
    counts = np.empty(height * width, dtype=np.int64)
    group_medians(np.concatenate(index), np.concatenate(values).astype(np.float64, copy=False),
                  z, counts)
    return z.reshape(height, width), counts.reshape(height, width)


def _robust_weights(values, kind, threshold=None, eps=EPS, coefs=None):
    """IRLS weights of a penalty at ``values``: ``rho'(v) / v``, times ``coefs[k]``
    along the first axis when given."""
    if kind == "l1" and values.dtype == np.float64 and values.ndim >= 1 and values.size:
        from ._kernels import l1_weights

        rows = np.ascontiguousarray(values).reshape(values.shape[0], -1)
        scale = np.ones(rows.shape[0]) if coefs is None else np.asarray(coefs, np.float64)
        out = np.empty_like(rows)
        l1_weights(rows, scale, float(eps), out)  # multiplying by 1.0 is exact
        return out.reshape(values.shape)
    if kind == "l2":
        weights = np.ones_like(values)
    elif kind == "l1":
        weights = 1.0 / np.sqrt(values * values + eps * eps)
    else:  # huber
        a = np.abs(values)
        weights = np.where(a <= threshold, 1.0, threshold / np.maximum(a, threshold))
    if coefs is None:
        return weights
    return np.asarray(coefs).reshape((-1,) + (1,) * (values.ndim - 1)) * weights


def _prior(prior, alpha, radius):
    """``(ShiftedDifferences, per-shift coefficients, penalty kind)`` of a prior."""
    if prior == "btv":
        shifts, coefs = btv_shifts(radius, alpha)
        return ShiftedDifferences(shifts), coefs, "l1"
    coefs = np.ones(FIRST_ORDER_SHIFTS.shape[0])
    return ShiftedDifferences(FIRST_ORDER_SHIFTS), coefs, ("l2" if prior == "tikhonov"
                                                           else "huber")


def regularised_solve(forward, adjoint, observed, x0, *, data, prior, lam, alpha=0.7,
                      radius=2, huber_threshold=0.01, data_weights=None, iterations=8,
                      cg_iterations=6, tol=1e-4, eps=EPS, project=None, callback=None,
                      progress=False, desc="irls"):
    """Minimise ``sum c rho_d(A x - y) + lam sum_s a_s rho_p(D_s x)`` by IRLS + CG.

    ``rho_d`` is ``1/2 r^2`` (``data='l2'``) or ``|r|`` (``'l1'``); ``rho_p``
    is ``1/2 d^2`` (Tikhonov), Huber or ``|d|`` (BTV). The outer loop
    (:func:`~classicsr.multiframe.solvers.irls`) recomputes the weights of
    the quadratic majoriser; the inner loop runs ``cg_iterations`` steps of
    warm-started :func:`~classicsr.multiframe.solvers.conjugate_gradient` on
    ``(A^T W_d A + lam sum D^T W_s D) x = A^T W_d y``. ``|v|`` is smoothed
    as ``sqrt(v^2 + eps^2)`` (weights ``1 / sqrt(v^2 + eps^2)``). A quadratic problem
    (``'l2'`` + Tikhonov) is solved by CG alone (``iterations *
    cg_iterations`` steps) unless ``project`` is given: ``project(x)`` is
    then applied after every inner solve (projected IRLS / CG, Elad & Feuer
    1997), so the result is a projected point.
    """
    differences, coefs, penalty = _prior(prior, alpha, radius)
    c = 1.0 if data_weights is None else data_weights

    def solve(weights, x):
        wd, wp = weights

        def apply_matrix(v):
            return adjoint(wd * forward(v)) + lam * differences.weighted_normal(v, wp)

        x = conjugate_gradient(apply_matrix, adjoint(wd * observed), x,
                               max_iter=cg_iterations, tol=1e-6)[0]
        return x if project is None else project(x)

    def reweight(x):
        wd = c * _robust_weights(forward(x) - observed, data, eps=eps)
        d = differences.apply(x)
        wp = _robust_weights(d, penalty, huber_threshold, eps, coefs=coefs)
        return wd, wp

    if data == "l2" and penalty == "l2" and project is None:
        weights = reweight(x0)
        wd, wp = weights

        def apply_matrix(v):
            return adjoint(wd * forward(v)) + lam * differences.weighted_normal(v, wp)

        return conjugate_gradient(apply_matrix, adjoint(wd * observed), x0,
                                  max_iter=iterations * cg_iterations, tol=tol,
                                  callback=callback, progress=progress, desc="cg")[0]
    return irls(reweight, solve, x0, max_iter=iterations, tol=tol, callback=callback,
                progress=progress, desc=desc)[0]


def shift_add(problem, *, lam=0.08, alpha=0.7, radius=2, iterations=8, cg_iterations=6,
              eps=EPS, deblur=True, callback=None, progress=False):
    """Robust median shift-and-add, then L1 + BTV deblurring (Farsiu et al. 2004).

    The deblurring minimises ``sum_p c_p |z_p - (H x)_p| + lam BTV(x)`` with
    ``c_p`` the number of samples that landed on HR pixel ``p`` (holes get no
    data weight and are filled by the prior), by IRLS + CG. ``deblur=False``
    returns the shift-and-add image itself.
    """
    z, counts = problem.shift_and_add()
    if not deblur:
        return problem.keep_unexplained(z)
    blur = BlurWarpDecimate(np.eye(3)[None], problem.hr_shape, 1,
                            taps=problem.operator.taps)
    return problem.keep_unexplained(regularised_solve(
        blur.forward, blur.adjoint, z[None], z, data="l1", prior="btv", lam=lam, alpha=alpha,
        radius=radius, data_weights=counts[None].astype(np.float64), iterations=iterations,
        cg_iterations=cg_iterations, eps=eps, callback=callback, progress=progress,
        desc="shift_add"))


def ibp(problem, *, iterations=80, step=None, callback=None, progress=False):
    """Iterative back-projection (Irani & Peleg, CVGIP 1991).

    ``x <- x + step * sum_k W_k^T H^T D^T (y_k - D H W_k x)``: the simulated
    frames' errors are back-projected with the PSF as back-projection
    kernel (which satisfies Irani & Peleg's convergence condition), i.e.
    Landweber's iteration. ``step`` defaults to ``1 / ||A||^2`` (power
    iteration, seeded); the iteration count is the regulariser (early
    stopping). Starts from the shift-and-add image.
    """
    op = problem.operator
    if step is None:
        step = 1.0 / op.norm_squared(seed=0)

    def gradient(x):
        return -op.adjoint(problem.weighted(problem.frames - op.forward(x)))

    return problem.keep_unexplained(gradient_descent(
        gradient, problem.initial(), step=step, max_iter=iterations, tol=1e-6,
        callback=callback, progress=progress, desc="ibp")[0])


def estimate_noise(frames):
    """Noise standard deviation of the frames (Immerkaer, CVIU 1996).

    ``sigma = sqrt(pi / 2) / (6 (W - 2) (H - 2)) sum |I * M|`` with ``M`` the
    difference of two Laplacians (insensitive to edges of first order),
    median over the frames.
    """
    from scipy.ndimage import convolve

    mask = np.array([[1.0, -2.0, 1.0], [-2.0, 4.0, -2.0], [1.0, -2.0, 1.0]])
    sigmas = [np.sqrt(np.pi / 2.0) * np.abs(convolve(f, mask)[1:-1, 1:-1]).mean() / 6.0
              for f in frames]
    return float(np.median(sigmas))


def pocs(problem, *, iterations=6, delta=None, delta_factor=0.5, relaxation=1.0,
         callback=None, progress=False):
    """Projections onto convex sets (Stark & Oskoui 1989; Patti, Sezan & Tekalp 1997).

    Data-consistency sets ``C_k = {x : |y_k - A_k x| <= delta}`` per pixel,
    with ``delta = delta_factor * sigma`` (``sigma`` estimated from the
    frames by :func:`estimate_noise` unless ``delta`` is given), and the
    amplitude set ``[0, 1]``. Each frame's pixel sets are projected on
    together, SART-style: ``x += relaxation * A_k^T e / A_k^T 1`` with ``e``
    the residual beyond the bound (exact for non-overlapping rows, an
    averaged projection otherwise); frames in turn, then the amplitude set.
    """
    bound = delta
    if bound is None:
        bound = delta_factor * estimate_noise(problem.frames)
    projections = consistency_projections(problem, bound, relaxation)
    projections.append(lambda x: np.clip(x, 0.0, 1.0))
    return problem.keep_unexplained(cyclic_projections(
        projections, problem.initial(), max_iter=iterations, tol=1e-6, callback=callback,
        progress=progress)[0])


def consistency_projections(problem, bound, relaxation=1.0):
    """Projections onto the data-consistency sets ``{x : |y_k - A_k x| <= bound}``.

    One callable per frame, ``x -> x + relaxation A_k^T e / A_k^T 1`` with
    ``e`` the residual beyond the bound (weighted by ``problem.weights``):
    the SART-averaged projection onto the frame's pixel sets (exact for
    non-overlapping rows). Shared by :func:`pocs` and the constrained
    :func:`map_estimate`.
    """
    projections = []
    for k in range(problem.frames.shape[0]):
        op = problem.operator.frame(k)
        colsum = op.column_sums()
        inverse = np.where(colsum > 1e-8 * colsum.max(), 1.0 / np.maximum(colsum, 1e-300), 0.0)
        observed = problem.frames[k:k + 1]
        weight = None if problem.data_weights is None else problem.data_weights[k:k + 1]

        def project(x, op=op, inverse=inverse, observed=observed, weight=weight):
            r = observed - op.forward(x)
            excess = r - np.clip(r, -bound, bound)
            if weight is not None:
                excess *= weight
            return x + relaxation * inverse * op.adjoint(excess)

        projections.append(project)
    return projections


def map_estimate(problem, *, prior="btv", lam=None, alpha=0.7, radius=2, huber_threshold=0.1,
                 iterations=8, cg_iterations=6, constraints=(), data_bound=None,
                 callback=None, progress=False):
    """Maximum a posteriori estimate with Gaussian noise: ``1/2 ||A x - y||^2 + lam R(x)``.

    ``prior='tikhonov'`` (``R = 1/2 ||D x||^2``, first differences; solved
    by CG), ``'huber'`` (Huber penalty of threshold ``huber_threshold`` on
    first differences, Schultz & Stevenson 1996) or ``'btv'`` (bilateral
    TV, Farsiu et al. 2004), the last two by IRLS + CG. ``lam=None`` takes
    the prior's default from :data:`MAP_LAMBDA`.

    **Hybrid ML/MAP/POCS** (Elad & Feuer, IEEE TIP 6(12), 1997):
    ``constraints`` names convex sets of :data:`MAP_CONSTRAINTS` the
    estimate is kept in, minimising the MAP objective over their
    intersection by projected IRLS / CG: after every inner CG solve (and so
    at the end) the estimate is projected onto each set in turn --
    ``'data'``: one sweep of the data-consistency projections of
    :func:`consistency_projections`, ``|y_k - A_k x| <= data_bound`` per
    pixel (``data_bound=None``: :data:`DATA_BOUND_FACTOR` x the noise
    estimated by :func:`estimate_noise`, a set the true image lies in for
    99.7 % of the pixels under Gaussian noise); ``'amplitude'``: ``[0, 1]``
    (clipping; applied last, so it holds exactly). The data sets are
    projected on approximately (SART averaging), so their bound holds
    approximately. ``constraints=()`` (default) is plain MAP, bit for bit.
    The bound factor is not tuned (the 3-sigma rule). Measured on the
    README's cases (astronaut, 16 frames, seed 3, registered motion; gain of
    ``prior='btv'``, plain / ``('data', 'amplitude')``): x2 translation
    +6.19 / +6.29, x3 +6.53 / +6.59, x2 affine +6.14 / +6.22, x2
    homography +6.23 / +6.28, x2 with 3 outlier frames +3.68 / +2.61 (the
    data sets of the outlier frames pull the estimate towards them: with
    outliers use ``l1btv`` or ``irwsr``).
    """
    lam = MAP_LAMBDA[prior] if lam is None else lam
    constraints = _check_constraints(constraints)
    op = problem.operator
    project = None
    if constraints:
        sets = []
        if "data" in constraints:
            bound = (DATA_BOUND_FACTOR * estimate_noise(problem.frames) if data_bound is None
                     else data_bound)
            sets.extend(consistency_projections(problem, bound))
        if "amplitude" in constraints:
            sets.append(lambda x: np.clip(x, 0.0, 1.0))

        def project(x):
            for p in sets:
                x = p(x)
            return x

    return problem.keep_unexplained(regularised_solve(
        op.forward, op.adjoint, problem.frames, problem.initial(), data="l2", prior=prior,
        lam=lam, alpha=alpha, radius=radius, huber_threshold=huber_threshold,
        data_weights=problem.data_weights, iterations=iterations,
        cg_iterations=cg_iterations, project=project, callback=callback, progress=progress,
        desc="map"))


#: Convex sets of the hybrid ML/MAP/POCS option of :func:`map_estimate`
#: (``'data'`` is projected on first, ``'amplitude'`` last).
MAP_CONSTRAINTS = ("data", "amplitude")
#: ``data_bound`` of :func:`map_estimate` when None, in units of the estimated noise.
DATA_BOUND_FACTOR = 3.0


def _check_constraints(constraints, name="constraints"):
    """``constraints`` as a tuple of distinct names of :data:`MAP_CONSTRAINTS`."""
    what = f"a tuple of names among {', '.join(map(repr, MAP_CONSTRAINTS))}"
    if isinstance(constraints, str) or not isinstance(constraints, (tuple, list)):
        raise TypeError(f"{name} must be {what}, got {type(constraints).__name__} "
                        f"{constraints!r}")
    for c in constraints:
        if not isinstance(c, str) or c not in MAP_CONSTRAINTS:
            raise ValueError(f"{name} must be {what}, got {constraints!r} ({c!r} unknown)")
    if len(set(constraints)) != len(constraints):
        raise ValueError(f"{name} must be {what}, each at most once, got {constraints!r}")
    return tuple(constraints)


def l1btv(problem, *, lam=0.02, alpha=0.7, radius=2, iterations=None, cg_iterations=6,
          solver="irls", step=0.002, callback=None, progress=False):
    """Robust super-resolution: ``||A x - y||_1 + lam BTV(x)`` (Farsiu et al., TIP 2004).

    ``solver='irls'`` (default): IRLS with warm-started CG inner steps.
    ``solver='gradient'``: Farsiu's steepest descent
    ``x -= step (A^T sign(A x - y) + lam sum a_s D_s^T sign(D_s x))`` with
    ``sign`` smoothed as ``v / sqrt(v^2 + EPS^2)``, fixed ``step``.
    ``iterations=None`` means :data:`IRLS_ITERATIONS` IRLS steps or
    :data:`GRADIENT_ITERATIONS` gradient steps.
    """
    solver = check_choice(solver, "solver", SOLVERS)
    if iterations is None:
        iterations = IRLS_ITERATIONS if solver == "irls" else GRADIENT_ITERATIONS
    op = problem.operator
    if solver == "irls":
        return problem.keep_unexplained(regularised_solve(
            op.forward, op.adjoint, problem.frames, problem.initial(), data="l1", prior="btv",
            lam=lam, alpha=alpha, radius=radius, data_weights=problem.data_weights,
            iterations=iterations, cg_iterations=cg_iterations, callback=callback,
            progress=progress, desc="l1btv"))
    differences, coefs, _ = _prior("btv", alpha, radius)

    def gradient(x):
        r = op.forward(x) - problem.frames
        d = differences.apply(x)
        wp = _robust_weights(d, "l1", coefs=coefs)
        return op.adjoint(problem.weighted(r * _robust_weights(r, "l1"))) + (
            lam * differences.weighted_normal(x, wp))

    return problem.keep_unexplained(gradient_descent(
        gradient, problem.initial(), step=step, max_iter=iterations, tol=1e-6,
        callback=callback, progress=progress, desc="l1btv")[0])


_REFERENCES = {
    "shift_add": "S. Farsiu, D. Robinson, M. Elad, P. Milanfar, IEEE TIP 13(10), 2004 "
                 "(robust median shift-and-add + deblurring)",
    "ibp": "M. Irani and S. Peleg, CVGIP: Graphical Models and Image Processing 53(3), 1991",
    "pocs": "H. Stark and P. Oskoui, JOSA A 6(11), 1989; A. J. Patti, M. I. Sezan, "
            "A. M. Tekalp, IEEE TIP 6(8), 1997",
    "map": "R. R. Schultz and R. L. Stevenson, IEEE TIP 5(6), 1996 (Huber-MRF MAP); "
           "S. Farsiu et al., IEEE TIP 13(10), 2004 (bilateral TV); M. Elad and A. Feuer, "
           "IEEE TIP 6(12), 1997 (hybrid ML/MAP/POCS: constraints)",
    "l1btv": "S. Farsiu, D. Robinson, M. Elad, P. Milanfar, IEEE TIP 13(10), 2004",
}
_DESCRIPTIONS = {
    "shift_add": "multi-frame: robust median shift-and-add, then L1 + bilateral-TV deblurring",
    "ibp": "multi-frame: iterative back-projection (Irani & Peleg)",
    "pocs": "multi-frame: projections onto convex sets with data-consistency bounds",
    "map": "multi-frame: MAP with a Tikhonov, Huber or bilateral-TV prior",
    "l1btv": "multi-frame: robust L1 data term + bilateral TV (Farsiu et al.)",
}

_ALPHA = "decay of the bilateral-TV weights alpha^(|l|+|m|), shift (l, m)"
_RADIUS = "largest shift P of the bilateral-TV prior"
_CG = "conjugate-gradient steps per IRLS step"

#: ``{method: {option: description}}``, registered with the methods (the
#: defaults are those of the functions' signatures).
_OPTION_TEXT = {
    "shift_add": {
        "lam": "weight of the bilateral-TV prior of the deblurring",
        "alpha": _ALPHA,
        "radius": _RADIUS,
        "iterations": "IRLS steps of the deblurring",
        "cg_iterations": _CG,
        "eps": "smoothing of |r| in the L1 weights 1 / sqrt(r^2 + eps^2)",
        "deblur": "deblur the shift-and-add image (False: return it as it is)",
    },
    "ibp": {
        "iterations": "back-projection (Landweber) steps; the count is the regulariser",
        "step": "step size (None: 1 / ||A||^2, by power iteration)",
    },
    "pocs": {
        "iterations": "sweeps over the frames' data-consistency sets",
        "delta": "data-consistency bound, [0, 1] scale (None: delta_factor x the "
                 "estimated noise)",
        "delta_factor": "the bound as a multiple of the estimated noise (when delta is None)",
        "relaxation": "relaxation of the projections, in (0, 2]",
    },
    "map": {
        "prior": "'btv' (bilateral TV), 'huber' or 'tikhonov'",
        "lam": "weight of the prior (None: per prior, "
               + ", ".join(f"{p} {v:g}" for p, v in MAP_LAMBDA.items()) + ")",
        "alpha": _ALPHA + " (prior='btv')",
        "radius": _RADIUS + " (prior='btv')",
        "huber_threshold": "threshold of the Huber prior, on the [0, 1] scale (prior='huber')",
        "iterations": "IRLS steps (prior='tikhonov': iterations x cg_iterations CG steps)",
        "cg_iterations": _CG,
        "constraints": "convex sets the estimate is kept in (hybrid ML/MAP/POCS, Elad & "
                       "Feuer): () or a tuple of 'data' (|y - A x| <= data_bound per "
                       "pixel) and 'amplitude' ([0, 1]), projected on after every CG solve",
        "data_bound": "bound of the 'data' constraint, [0, 1] scale (None: "
                      f"{DATA_BOUND_FACTOR:g} x the estimated noise)",
    },
    "l1btv": {
        "lam": "weight of the bilateral-TV prior",
        "alpha": _ALPHA,
        "radius": _RADIUS,
        "iterations": f"IRLS steps, or gradient steps with solver='gradient' (None: "
                      f"{IRLS_ITERATIONS} IRLS, {GRADIENT_ITERATIONS} gradient steps)",
        "cg_iterations": _CG + " (solver='irls')",
        "solver": "'irls' (IRLS + CG) or 'gradient' (Farsiu's steepest descent)",
        "step": "step size of solver='gradient'",
    },
}

#: How the value of each option is checked: ``(checker, keyword arguments)``
#: of :mod:`classicsr._validation`.
_CHECKS = {
    "lam": (check_real, {"minimum": 0}),
    "alpha": (check_real, {"minimum": 0, "strict_minimum": True, "maximum": 1}),
    "radius": (check_int, {"minimum": 1}),
    "iterations": (check_int, {"minimum": 0}),
    "cg_iterations": (check_int, {"minimum": 0}),
    "eps": (check_real, {"minimum": 0, "strict_minimum": True}),
    "deblur": (check_bool, {}),
    "step": (check_real, {"minimum": 0, "strict_minimum": True}),
    "delta": (check_real, {"minimum": 0}),
    "delta_factor": (check_real, {"minimum": 0}),
    "relaxation": (check_real, {"minimum": 0, "strict_minimum": True, "maximum": 2}),
    "prior": (check_choice, {"choices": MAP_PRIORS}),
    "huber_threshold": (check_real, {"minimum": 0, "strict_minimum": True}),
    "solver": (check_choice, {"choices": SOLVERS}),
    "constraints": (_check_constraints, {}),
    "data_bound": (check_real, {"minimum": 0}),
}

#: The methods of this module by registry name.
_METHODS: dict[str, Callable[..., Any]] = {
    "shift_add": shift_add, "ibp": ibp, "pocs": pocs, "map": map_estimate, "l1btv": l1btv}


def check_option_values(info, options):
    """Check the values of options given to a multi-frame method of this module.

    Parameters
    ----------
    info : MethodInfo
        The method's registry entry.
    options : dict
        Options whose names ``info`` declares (see
        :func:`classicsr._dispatch.check_options`).

    Returns
    -------
    dict
        The options, integers as ``int`` and real numbers as ``float``.
        Options of methods registered by other modules are returned
        unchecked (those methods check their own).

    Raises
    ------
    TypeError, ValueError
        A value of the wrong type, or out of range; the message names the
        option, the value and what is accepted. ``None`` is accepted where
        it is the default.

    Examples
    --------
    >>> from classicsr.registry import get_method
    >>> check_option_values(get_method("l1btv", kind="multiframe"), {"radius": 3})
    {'radius': 3}
    >>> check_option_values(get_method("l1btv", kind="multiframe"), {"lam": -1})
    Traceback (most recent call last):
    ...
    ValueError: lam must be a finite number >= 0, got -1
    """
    if _METHODS.get(info.name) is not info.function:
        return dict(options)
    defaults = {o.name: o.default for o in info.options}
    checked = {}
    for name, value in options.items():
        check, kwargs = _CHECKS[name]
        if check in (check_int, check_real) and defaults[name] is None:
            kwargs = dict(kwargs, allow_none=True)
        checked[name] = check(value, name, **kwargs)
    return checked


for _name, _function in _METHODS.items():
    register_method(_name, description=_DESCRIPTIONS[_name], reference=_REFERENCES[_name],
                    scales=SCALES, channels="luminance", kind="multiframe",
                    options=_OPTION_TEXT[_name], runtime=("callback", "progress"))(_function)
