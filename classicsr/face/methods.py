"""The face hallucination methods, registered under the ``face`` kind.

Each works on an aligned LR face of the model's LR size, on the 0-255 scale
of the papers (TLcR's spatial weight and the regularisers are tuned for
it), and uses a :class:`~classicsr.face.FaceSet` of aligned training faces.
Their parameters are those of the authors' MATLAB code (repository
``junjun-jiang/TLcR-RL``: ``Demo_other_methods.m``, ``Demo_TLcR_RL.m``):
HR patches of 12 pixels (3 LR pixels) overlapping by 4 at x4 -- by default
``3 * scale`` and ``scale`` at any scale. They were checked on a split of
the 360 FEI training faces (``benchmarks/bench_face.py --tune``), never on
the 40 test faces.
"""

import numpy as np

from .._validation import check_int, check_real
from ..modelstore import get_model
from ..registry import LEARNED_SCALES, register_method
from ._patches import assemble, context_offsets, extract, grid
from ._solvers import affine_weights, basis_pursuit
from .model import check_patch_grid
from .protocol import bicubic_face, degrade_trusted

__all__ = [
    "eigentransformation",
    "least_squares",
    "line",
    "locality_constrained",
    "neighbour_embedding",
    "sparse_representation",
    "thresholded_lcr",
]

_REFERENCE_JIANG = ("J. Jiang, Y. Yu, S. Tang, J. Ma, A. Aizawa, K. Aizawa, IEEE Trans. "
                    "Cybernetics 50(1), 2018 (benchmark and code)")
_MODEL = ("a face model file from 'classicsr train face' or a fitted FaceSet (default: "
          "the user-built face model)")
_PATCH = "HR patch side in pixels, a multiple of the scale (default 3 * scale: 12 at x4)"
_OVERLAP = "HR overlap of neighbouring patches (default scale: 4 at x4)"


def _grid_options(model, patch, overlap):
    s = model.scale
    return check_patch_grid(model, 3 * s if patch is None else patch,
                            s if overlap is None else overlap)


def _query(x, rows, cols, patch, scale):
    """LR patches ``(P, (patch / scale)**2)`` of the input at the grid positions."""
    return extract(x[None], rows // scale, cols // scale, patch // scale)[:, 0]


def _position_patch(x, model, patch, overlap, weights):
    """Run a position-patch method: ``weights(query, lr, hr)`` gives ``(P, n)``
    weights, or ``(P, n)`` weights and an index ``(P, k)`` into the faces."""
    patch, overlap = _grid_options(model, patch, overlap)
    rows, cols, lr, hr = model.position_patches(patch, overlap)
    query = _query(x, rows, cols, patch, model.scale)
    w = weights(query, lr, hr)
    if isinstance(w, tuple):
        w, index = w
        hr = np.take_along_axis(hr, index[:, :, None], axis=1)
    out = np.einsum("pn,pnd->pd", w, hr)
    return assemble(out, rows, cols, patch, model.hr_shape)


def _nearest(d, k):
    """Indices of the ``k`` smallest entries of each row of ``d``, in increasing index
    order (the set is what matters; a fixed order keeps results reproducible)."""
    if k >= d.shape[1]:
        return np.broadcast_to(np.arange(d.shape[1]), d.shape).copy()
    return np.sort(np.argpartition(d, k - 1, axis=1)[:, :k], axis=1)


def eigentransformation(x, model, energy=0.99):
    """Wang & Tang's eigentransformation of an LR face (0-255 scale).

    PCA of the LR training faces through their ``n x n`` Gram matrix, the
    leading components keeping ``energy`` of the variance; the input's
    coefficients give a combination of the training faces, applied to the
    HR faces.

    References
    ----------
    .. [1] X. Wang and X. Tang, "Hallucinating face by eigentransformation",
       IEEE Trans. Systems, Man, and Cybernetics C 35(3), 2005.
    """
    def decompose():
        lr = model.lr_faces().reshape(model.n_faces, -1)
        mean = lr.mean(axis=0)
        centred = lr - mean
        values, vectors = np.linalg.eigh(centred @ centred.T)
        return mean, centred, values[::-1], vectors[:, ::-1]

    mean, centred, values, vectors = model._cached("eigen", decompose)
    kept = int(np.searchsorted(np.cumsum(values) / values.sum(), energy, side="right")) + 1
    kept = min(kept, int((values > values[0] * 1e-12).sum()))
    root = np.sqrt(values[:kept])
    eigenfaces = centred.T @ (vectors[:, :kept] / root)  # orthonormal columns
    coefficients = eigenfaces.T @ (x.ravel() - mean)
    combination = vectors[:, :kept] @ (coefficients / root)
    hr = model.hr_.reshape(model.n_faces, -1)
    hr_mean = hr.mean(axis=0)
    return ((hr - hr_mean).T @ combination + hr_mean).reshape(model.hr_shape)


def neighbour_embedding(x, model, neighbours=75, patch=None, overlap=None):
    """Chang et al.'s neighbour embedding on position patches (as Jiang et al.'s code):
    the ``neighbours`` nearest LR patches at the same position, LLE weights
    with the regulariser ``1e-3 * trace``."""
    def weights(q, lr, hr):
        d = ((lr - q[:, None]) ** 2).sum(axis=2)
        index = _nearest(d, neighbours)
        z = np.take_along_axis(lr, index[:, :, None], axis=1) - q[:, None]
        trace = (z ** 2).sum(axis=(1, 2))
        lam = np.broadcast_to(1e-3 * trace[:, None], index.shape)
        return affine_weights(z, lam), index

    return _position_patch(x, model, patch, overlap, weights)


def least_squares(x, model, patch=None, overlap=None):
    """Ma et al.'s position-patch least squares: all the training patches at the
    position, weights summing to one, regulariser ``1e-6 * trace``."""
    def weights(q, lr, hr):
        z = lr - q[:, None]
        trace = (z ** 2).sum(axis=(1, 2))
        return affine_weights(z, np.broadcast_to(1e-6 * trace[:, None], z.shape[:2]))

    return _position_patch(x, model, patch, overlap, weights)


def sparse_representation(x, model, tol=1.0, patch=None, overlap=None):
    """Jung et al.'s position-patch sparse representation: ``min ||w||_1`` with the
    LR patch reproduced exactly, by l1-magic's primal-dual method stopped at a
    duality gap of ``tol`` (1 in the authors' code)."""
    def weights(q, lr, hr):
        return basis_pursuit(lr.transpose(0, 2, 1), q, tol=tol)

    return _position_patch(x, model, patch, overlap, weights)


def locality_constrained(x, model, tau=0.04, patch=None, overlap=None):
    """Jiang et al.'s LcR: least squares over all the training patches at the
    position with the locality penalty ``tau * sum_i d_i w_i^2``."""
    def weights(q, lr, hr):
        z = lr - q[:, None]
        d = (z ** 2).sum(axis=2)
        return affine_weights(z, tau * d + 1e-6 * d.sum(axis=1, keepdims=True))

    return _position_patch(x, model, patch, overlap, weights)


def line(x, model, tau=5e-4, neighbours=75, iterations=5, patch=None, overlap=None):
    """Jiang et al.'s LINE: neighbours found in the HR space, from the bicubic face
    at first and then from the current estimate, LcR weights on the LR patches."""
    patch, overlap = _grid_options(model, patch, overlap)
    rows, cols, lr, hr = model.position_patches(patch, overlap)
    q = _query(x, rows, cols, patch, model.scale)
    current = extract(bicubic_face(x, model.scale)[None], rows, cols, patch)[:, 0]
    for _ in range(iterations):
        d_hr = ((hr - current[:, None]) ** 2).sum(axis=2)
        index = _nearest(d_hr, neighbours)
        z = np.take_along_axis(lr, index[:, :, None], axis=1) - q[:, None]
        d = np.take_along_axis(d_hr, index, axis=1)
        lam = tau * d + 1e-9 * (z ** 2).sum(axis=(1, 2))[:, None]
        w = affine_weights(z, lam)
        current = np.einsum("pk,pkd->pd", w, np.take_along_axis(hr, index[:, :, None], axis=1))
    return assemble(current, rows, cols, patch, model.hr_shape)


def _centred_energy(faces, patch):
    """``sum p^2 - (sum p)^2 / patch^2`` of every ``patch x patch`` window of every face."""
    def window_sums(a):
        c = np.zeros((a.shape[0], a.shape[1] + 1, a.shape[2] + 1))
        c[:, 1:, 1:] = a.cumsum(axis=1).cumsum(axis=2)
        return c[:, patch:, patch:] - c[:, :-patch, patch:] - c[:, patch:, :-patch] + \
            c[:, :-patch, :-patch]

    s1 = window_sums(faces)
    return window_sums(faces * faces) - s1 * s1 / (patch * patch)


def _in_threads(function, *arrays):
    """``function(*arrays)`` on slices of the positions (axis 0) in Numba's number of
    threads, concatenated. NumPy releases the GIL in its BLAS / LAPACK calls,
    which run single-threaded here (see :func:`_run`): small matrices gain
    nothing from threaded BLAS, and on a busy machine its spinning threads
    cost far more than they give. Every position is computed alike whatever
    the slicing, so the result does not depend on the number of threads."""
    from concurrent.futures import ThreadPoolExecutor

    import numba
    from threadpoolctl import threadpool_limits

    n = min(numba.get_num_threads(), len(arrays[0]))
    bounds = np.linspace(0, len(arrays[0]), n + 1).astype(int)
    with threadpool_limits(1, user_api="blas"), ThreadPoolExecutor(n) as pool:
        parts = list(pool.map(lambda k: function(*(a[bounds[k]:bounds[k + 1]] for a in arrays)),
                              range(n)))
    return np.concatenate(parts)


def thresholded_lcr(x, model, tau=0.04, neighbours=500, window=None, step=2, spatial=10.0,
                    reproducing=0, patch=None, overlap=None, precision=np.float32):
    """Jiang et al.'s TLcR (context patches, thresholding) and TLcR-RL.

    Works on the bicubic face: HR patches of the bicubic-upscaled LR
    training faces at the position and shifted within ``window`` (every
    ``step`` pixels) are candidates, described by their mean-removed pixels
    and ``spatial`` times the shift; the ``neighbours`` nearest are combined
    with LcR weights and their HR residuals (HR face minus bicubic face) are
    added to the bicubic face. With ``reproducing = L`` (TLcR-RL), the
    estimate is degraded and added to the training faces, and the face
    hallucinated again, ``L`` times (the paper: 5). ``precision``: dtype of
    the candidates' Gram matrices (float32: half the time of float64 for a
    change of about 1e-4 dB, see ``tests/test_face.py``).
    """
    *_, estimate = tlcr_estimates(x, model, tau, neighbours, window, step, spatial,
                                  reproducing, patch, overlap, precision)
    return estimate


def tlcr_estimates(x, model, tau=0.04, neighbours=500, window=None, step=2, spatial=10.0,
                   reproducing=0, patch=None, overlap=None, precision=np.float32):
    """The TLcR estimate, then each reproducing-learning estimate (a generator;
    arguments as :func:`thresholded_lcr`)."""
    from ._kernels import context_combine, context_distances, context_gather

    s = model.scale
    patch, overlap = _grid_options(model, patch, overlap)
    window = patch + 2 * s if window is None else window
    offsets = context_offsets((window - patch) // 2, step)
    n_off = len(offsets)
    rows, cols = grid(model.hr_shape, patch, overlap)
    n_pos = len(rows)
    bicubic = bicubic_face(x, s)
    query = extract(bicubic[None], rows, cols, patch)[:, 0]
    query = query - query.mean(axis=1, keepdims=True)
    query_img = np.ascontiguousarray(query.reshape(-1, patch, patch))
    query = np.ascontiguousarray(np.concatenate([query, np.zeros((n_pos, 2))], axis=1))

    def distances(faces_last, energy):
        d = np.empty((n_pos, faces_last.shape[2] * n_off))
        context_distances(faces_last, energy, query_img, rows, cols, offsets, patch,
                          float(spatial), d)
        return d

    def make_base():
        up = np.ascontiguousarray(model.bicubic_faces())
        return (up, np.ascontiguousarray(up.transpose(1, 2, 0)),
                np.ascontiguousarray(model.hr_ - up), _centred_energy(up, patch))

    faces, faces_last, residuals, energy = model._cached(("tlcr", patch), make_base)
    d_base = distances(faces_last, energy)
    k = min(neighbours, int(np.isfinite(d_base).sum(axis=1).min()))
    # The K nearest training candidates, gathered once: reproducing learning only adds
    # the 25 candidates of one face per layer, so each layer keeps the K nearest of
    # these K + 25 (the others get weight 0) -- the same set as a search of all.
    index = _nearest(d_base, k)
    d_all = np.full((n_pos, k + n_off), np.inf)
    d_all[:, :k] = np.take_along_axis(d_base, index, axis=1)
    z = np.zeros((n_pos, k + n_off, query.shape[1]), dtype=precision)
    z_base = np.empty((n_pos, k, query.shape[1]), dtype=precision)
    context_gather(faces, rows, cols, offsets, patch, float(spatial), index, query, z_base)
    z[:, :k] = z_base
    del z_base
    extra_index = np.ascontiguousarray(np.broadcast_to(np.arange(n_off), (n_pos, n_off)))
    extra_z = np.empty((n_pos, n_off, query.shape[1]), dtype=precision)
    extra_residual = None

    def hallucinate():
        kept = np.zeros(d_all.shape, dtype=bool)
        np.put_along_axis(kept, _nearest(d_all, k), True, axis=1)
        trace = np.where(kept, d_all, 0.0).sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore"):
            lam = np.where(kept, tau * d_all + 1e-6 * trace, np.inf)
        w = _in_threads(affine_weights, z, lam)
        out = np.zeros((n_pos, patch * patch))
        context_combine(residuals, rows, cols, offsets, patch, index,
                        np.ascontiguousarray(w[:, :k]), out)
        if extra_residual is not None:
            context_combine(extra_residual, rows, cols, offsets, patch, extra_index,
                            np.ascontiguousarray(w[:, k:]), out)
        return bicubic + assemble(out, rows, cols, patch, model.hr_shape)

    estimate = hallucinate()
    yield estimate
    for _ in range(reproducing):
        lr_up = bicubic_face(degrade_trusted(estimate, s, quantize=False), s)[None]
        extra_residual = np.ascontiguousarray(estimate[None] - lr_up)
        d_all[:, k:] = distances(np.ascontiguousarray(lr_up.transpose(1, 2, 0)),
                                 _centred_energy(lr_up, patch))
        context_gather(lr_up, rows, cols, offsets, patch, float(spatial), extra_index, query,
                       extra_z)
        z[:, k:] = extra_z
        estimate = hallucinate()
        yield estimate


# -- registry entries: y in [0, 1] -> y on the 0-255 scale -> method -> [0, 1] ----------

def _run(algorithm, y, scale, model, **options):
    from threadpoolctl import threadpool_limits

    face_model = get_model("face", scale, model)
    face_model.check_input(y)
    with threadpool_limits(1, user_api="blas"):  # see _in_threads
        return algorithm(y * 255.0, face_model, **options) / 255.0


def _checked_grid(patch, overlap):
    check_int(patch, "patch", minimum=1, allow_none=True)
    check_int(overlap, "overlap", minimum=0, allow_none=True)


_COMMON = {"model": _MODEL, "patch": _PATCH, "overlap": _OVERLAP}


@register_method("face_eigen", description="face hallucination: eigentransformation",
                 reference="X. Wang, X. Tang, IEEE Trans. SMC-C 35(3), 2005",
                 scales=LEARNED_SCALES, model="face", channels="luminance", kind="face",
                 options={"model": _MODEL,
                          "energy": "fraction of the LR variance the kept components hold"})
def upscale_face_eigen(y, scale, model=None, energy=0.99):
    """Eigentransformation of Wang & Tang (see :func:`eigentransformation`)."""
    check_real(energy, "energy", minimum=0, maximum=1, strict_minimum=True)
    return _run(eigentransformation, y, scale, model, energy=energy)


@register_method("face_ne", description="face hallucination: neighbour embedding on position "
                 "patches", reference="H. Chang, D.-Y. Yeung, Y. Xiong, CVPR 2004 (as in "
                 + _REFERENCE_JIANG + ")", scales=LEARNED_SCALES, model="face",
                 channels="luminance", kind="face",
                 options={**_COMMON, "neighbours": "nearest training patches combined"})
def upscale_face_ne(y, scale, model=None, neighbours=75, patch=None, overlap=None):
    """Neighbour embedding (see :func:`neighbour_embedding`)."""
    check_int(neighbours, "neighbours", minimum=1)
    _checked_grid(patch, overlap)
    return _run(neighbour_embedding, y, scale, model, neighbours=neighbours, patch=patch,
                overlap=overlap)


@register_method("face_lsr", description="face hallucination: position-patch least squares",
                 reference="X. Ma, J. Zhang, C. Qi, Pattern Recognition 43(6), 2010",
                 scales=LEARNED_SCALES, model="face", channels="luminance", kind="face",
                 options=_COMMON)
def upscale_face_lsr(y, scale, model=None, patch=None, overlap=None):
    """Position-patch least squares (see :func:`least_squares`)."""
    _checked_grid(patch, overlap)
    return _run(least_squares, y, scale, model, patch=patch, overlap=overlap)


@register_method("face_sr", description="face hallucination: position-patch sparse "
                 "representation", reference="C. Jung, L. Jiao, B. Liu, M. Gong, IEEE Signal "
                 "Processing Letters 18(6), 2011", scales=LEARNED_SCALES, model="face",
                 channels="luminance", kind="face",
                 options={**_COMMON, "tol": "duality gap at which the l1 solver stops "
                          "(1 as the authors' code)"})
def upscale_face_sr(y, scale, model=None, tol=1.0, patch=None, overlap=None):
    """Position-patch sparse representation (see :func:`sparse_representation`)."""
    check_real(tol, "tol", minimum=0, strict_minimum=True)
    _checked_grid(patch, overlap)
    return _run(sparse_representation, y, scale, model, tol=tol, patch=patch, overlap=overlap)


@register_method("face_lcr", description="face hallucination: locality-constrained "
                 "representation", reference="J. Jiang, R. Hu, Z. Wang, Z. Han, IEEE Trans. "
                 "Multimedia 16(5), 2014", scales=LEARNED_SCALES, model="face",
                 channels="luminance", kind="face",
                 options={**_COMMON, "tau": "weight of the locality penalty"})
def upscale_face_lcr(y, scale, model=None, tau=0.04, patch=None, overlap=None):
    """Locality-constrained representation (see :func:`locality_constrained`)."""
    check_real(tau, "tau", minimum=0)
    _checked_grid(patch, overlap)
    return _run(locality_constrained, y, scale, model, tau=tau, patch=patch, overlap=overlap)


@register_method("face_line", description="face hallucination: locality-constrained iterative "
                 "neighbour embedding", reference="J. Jiang, R. Hu, Z. Wang, Z. Han, J. Ma, "
                 "IEEE Trans. Image Processing 23(10), 2014", scales=LEARNED_SCALES,
                 model="face", channels="luminance", kind="face",
                 options={**_COMMON, "tau": "weight of the locality penalty",
                          "neighbours": "training patches kept at each iteration",
                          "iterations": "neighbour updates"})
def upscale_face_line(y, scale, model=None, tau=5e-4, neighbours=75, iterations=5, patch=None,
                      overlap=None):
    """LINE (see :func:`line`)."""
    check_real(tau, "tau", minimum=0)
    check_int(neighbours, "neighbours", minimum=1)
    check_int(iterations, "iterations", minimum=0)
    _checked_grid(patch, overlap)
    return _run(line, y, scale, model, tau=tau, neighbours=neighbours, iterations=iterations,
                patch=patch, overlap=overlap)


@register_method("face_tlcr", description="face hallucination: thresholding LcR with context "
                 "patches (reproducing=5: TLcR-RL)", reference=_REFERENCE_JIANG,
                 scales=LEARNED_SCALES, model="face", channels="luminance", kind="face",
                 options={**_COMMON, "tau": "weight of the locality penalty",
                          "neighbours": "candidates kept by the threshold (K)",
                          "window": "context window side in HR pixels (default patch + "
                                    "2 * scale: 20 at x4)",
                          "step": "shift between context patches in HR pixels",
                          "spatial": "weight of the shift in the patch features (c)",
                          "reproducing": "reproducing-learning layers (0: TLcR; the "
                                         "paper's TLcR-RL: 5)"})
def upscale_face_tlcr(y, scale, model=None, tau=0.04, neighbours=500, window=None, step=2,
                      spatial=10.0, reproducing=0, patch=None, overlap=None):
    """TLcR and TLcR-RL (see :func:`thresholded_lcr`)."""
    check_real(tau, "tau", minimum=0)
    check_int(neighbours, "neighbours", minimum=1)
    check_int(window, "window", minimum=1, allow_none=True)
    check_int(step, "step", minimum=1)
    check_real(spatial, "spatial", minimum=0)
    check_int(reproducing, "reproducing", minimum=0)
    _checked_grid(patch, overlap)
    if window is not None and (window < (patch or 3 * scale) or (window - (patch or 3 * scale))
                               % 2):
        raise ValueError(f"window must be the patch side plus an even number of pixels, "
                         f"got window={window}")
    return _run(thresholded_lcr, y, scale, model, tau=tau, neighbours=neighbours,
                window=window, step=step, spatial=spatial, reproducing=reproducing,
                patch=patch, overlap=overlap)
