"""Yang, Wright, Huang & Ma: image super-resolution via sparse representation (ScSR).

J. Yang, J. Wright, T. S. Huang, Y. Ma, "Image super-resolution via sparse
representation", IEEE TIP 19(11), 2010. Reproduces the authors' released
code (``Demo_Dictionary_Training.m``, ``Demo_SR.m``, ``ScSR.m``,
``backprojection.m``), which produced the published results:

Training
    100,000 random 5x5 patch pairs from the training images
    (``rnd_smp_patch.m``: per image, a number proportional to its area; a
    random order of rows and of columns, pairs taken row after row), on the
    HR image and its bicubic down-and-up-scaled "mid-res" version (both
    uint8, MATLAB ``imresize``). HR patches lose their mean; LR features are
    the mid-res patches of four filtered images, ``conv2(., f, 'same')``
    with ``f = [-1, 0, 1]``, its transpose, ``[1, 0, -2, 0, 1]`` and its
    transpose (not dilated by the scale, unlike Zeyde's). The 10 % of pairs
    with the smallest HR patch variance are pruned (``patch_pruning.m``).
    Both halves are l2-normalised, stacked as ``[5 xh; 10 xl]`` (the square
    roots of their dimensions), normalised again, and a joint dictionary of
    1024 atoms is learnt with the L1 penalty 0.15 for 40 iterations
    (:class:`~classicsr.sparse.l1_dictionary.L1DictionaryLearning`, as
    ``reg_sparse_coding.m``); its first 25 rows are ``Dh``, the rest ``Dl``.

Reconstruction
    The LR image (0-255 scale) is bicubic-upscaled to the mid-res image
    (single precision), whose 5x5 patches are visited with overlap 4 (every
    pixel: ``3 : 1 : w - 7`` and once more ``w - 7``, 1-based, so the last
    row and column of patches count twice). Each patch's feature vector is
    divided by its norm when the norm exceeds 1, coded by feature-sign with
    ``lambda = 0.2`` over the unit-norm columns of ``Dl``, and ``Dh w`` is
    scaled to 1.2 times the norm of the mean-removed mid-res patch
    (``lin_scale.m``) and given its mean. Patches are averaged where they
    overlap, uncovered pixels keep the mid-res value, the image is rounded
    to uint8, and 20 iterations of back-projection with the squared 5x5
    Gaussian (:func:`classicsr.backprojection.backproject` with
    ``kernel='gaussian'``) enforce the global reconstruction constraint.

External dictionaries
    :meth:`ScSRDictionary.from_mat` reads a dictionary in the layout of
    Yang's code (``Dh``, ``Dl`` in a MATLAB ``.mat``, e.g. the released
    ``Dictionary/D_1024_0.15_5.mat``), and ``model=PATH.mat`` (or
    ``classicsr upscale ... --method scsr --model PATH.mat``) runs the method
    with it. With Yang's x2 dictionary the method gives Set5 x2 36.155 dB,
    against 36.105 dB for Yang's own code run under Octave (both measured
    by the project with the released file, which is not shipped); the
    shipped dictionary, learnt by this package on T91 (``scsr_x2.npz``),
    gives 36.019 dB (recorded in ``classicsr/models/manifest.json``). The
    reconstruction being the same, the 0.14 dB come from the dictionary
    alone: from the training run (Yang's MATLAB run and its random patch
    draws and initialisation against this package's), not from this
    package's reconstruction, which is 0.05 dB above Yang's code with
    Yang's dictionary.
"""

import functools
import math
import os
import time
from pathlib import Path

import numpy as np

from ..patches import filter_same
from ..registry import LEARNED_SCALES, register_method
from ..resize._imresize import resize_trusted
from ._estimator import TrainableModel

__all__ = ["joint_training_signals", "patch_grid_1d", "prune_smooth_pairs",
           "sample_training_pairs", "scsr_filtered", "SCSR_FILTERS", "SCSR_HALO",
           "ScSRDictionary", "upscale_scsr"]

#: ScSR's back-projection (20 iterations of a 5x5 filter and two bicubic
#: resizes) spreads information much further than its patches; this bounds
#: the influence that remains above rounding (see classicsr.dask).
SCSR_HALO = 32

#: ``(kernel, axis)`` of ScSR's features: ``conv2(mid, f, 'same')`` with
#: ``hf1 = [-1, 0, 1]``, ``vf1 = hf1'``, ``hf2 = [1, 0, -2, 0, 1]``, ``vf2 = hf2'``.
SCSR_FILTERS = (
    (np.array([-1.0, 0.0, 1.0]), 1),
    (np.array([-1.0, 0.0, 1.0]), 0),
    (np.array([1.0, 0.0, -2.0, 0.0, 1.0]), 1),
    (np.array([1.0, 0.0, -2.0, 0.0, 1.0]), 0),
)

#: Patches coded per chunk at test time (bounds the memory of the codes).
_CHUNK = 32768


def scsr_filtered(mid):
    """The four filtered images of ScSR's features, ``(4, H, W)`` float64."""
    return np.stack([filter_same(mid, kernel, axis) for kernel, axis in SCSR_FILTERS])


def _windows(img, size, top, left):
    """``(n, size * size)`` patches of ``img`` at the corners ``(top, left)`` (row-major)."""
    from numpy.lib.stride_tricks import sliding_window_view

    return sliding_window_view(img, (size, size))[top, left].reshape(top.size, size * size)


def _features(filtered, size, top, left):
    """Concatenated patches of the four filtered images: ``(n, 4 * size * size)``."""
    return np.concatenate([_windows(f, size, top, left) for f in filtered], axis=1)


def sample_training_pairs(images, scale, *, n_samples=100_000, patch_size=5, random_state=0):
    """HR patches (mean removed) and LR features as ``rnd_smp_patch.m`` samples them.

    Parameters
    ----------
    images : list of ndarray
        HR luminance images in [0, 1] (integer-valued at 1/255 steps, as
        the float luminance of
        ``classicsr.datasets.read_training_images(folder, paper_luminance=True)``).
    scale : int
        Upscaling factor of the degradation.
    n_samples : int
        Pairs to sample over all images (each image gives
        ``floor(n_samples * area / total_area)``).
    patch_size : int
        Patch side.
    random_state : int
        Seed of the random positions.

    Returns
    -------
    hr : ndarray, shape (n, patch_size**2)
        HR patches minus their means (0-255 scale).
    lr : ndarray, shape (n, 4 * patch_size**2)
        Features of the mid-res patches.
    """
    rng = np.random.default_rng(random_state)
    areas = np.array([img.size for img in images], dtype=np.float64)
    per_image = np.floor(areas * n_samples / areas.sum()).astype(np.int64)
    hr_parts, lr_parts = [], []
    p = patch_size
    for img, count in zip(images, per_image):
        hr = np.clip(np.round(img * 255.0), 0, 255).astype(np.uint8)
        n_rows, n_cols = hr.shape
        if count == 0 or n_rows <= 2 * p + 1 or n_cols <= 2 * p + 1:
            continue
        low = resize_trusted(hr, 1.0 / scale)
        mid = resize_trusted(low, output_shape=hr.shape).astype(np.float64)
        # x = randperm(nrow - 2p - 1) + p; y likewise; pairs of meshgrid(x, y)
        # column by column: x(1) with every y, then x(2), ... (0-based here).
        rows = rng.permutation(n_rows - 2 * p - 1) + p
        cols = rng.permutation(n_cols - 2 * p - 1) + p
        count = min(int(count), rows.size * cols.size)
        top = np.repeat(rows, cols.size)[:count]
        left = np.tile(cols, rows.size)[:count]
        hr_patches = _windows(hr.astype(np.float64), p, top, left)
        hr_parts.append(hr_patches - hr_patches.mean(axis=1, keepdims=True))
        lr_parts.append(_features(scsr_filtered(mid), p, top, left))
    return np.concatenate(hr_parts), np.concatenate(lr_parts)


def prune_smooth_pairs(hr, lr, percentile=10):
    """Drop the pairs whose HR patch variance is at most ``percentile`` (``patch_pruning.m``)."""
    variances = hr.var(axis=1, ddof=1)
    keep = variances > np.percentile(variances, percentile, method="hazen")  # MATLAB prctile
    return hr[keep], lr[keep]


def joint_training_signals(hr, lr):
    """``train_coupled_dict.m``: normalise each half, stack ``[5 h; 10 l]``, normalise again."""
    h_norm = np.linalg.norm(hr, axis=1)
    l_norm = np.linalg.norm(lr, axis=1)
    keep = (h_norm > 0) & (l_norm > 0)
    hr = hr[keep] / h_norm[keep, None]
    lr = lr[keep] / l_norm[keep, None]
    joint = np.concatenate([np.sqrt(hr.shape[1]) * hr, np.sqrt(lr.shape[1]) * lr], axis=1)
    norms = np.linalg.norm(joint, axis=1)
    joint = joint[norms > 1e-5]
    return joint / np.linalg.norm(joint, axis=1, keepdims=True)


def patch_grid_1d(length, patch_size, overlap):
    """0-based patch starts of ``ScSR.m``: ``3 : p - overlap : n - p - 2``, then ``n - p - 2``."""
    last = length - patch_size - 3  # 1-based n - p - 2
    starts = np.arange(2, last + 1, patch_size - overlap, dtype=np.int64)
    return np.append(starts, last) if last >= 2 else np.empty(0, dtype=np.int64)


class ScSRDictionary(TrainableModel):
    """Coupled dictionary and reconstruction of Yang et al.'s ScSR.

    Parameters
    ----------
    scale : int
        Upscaling factor.
    n_atoms : int
        Dictionary size (1024 in the paper).
    patch_size : int
        Patch side on the mid-res image (5).
    n_patches : int
        Training pairs sampled before pruning (100,000).
    prune_percentile : float
        Percentage of smooth training pairs pruned (10).
    train_lambda : float
        L1 weight of dictionary learning (0.15).
    n_iter : int
        Dictionary-learning iterations (40).
    lam : float
        L1 weight of the reconstruction (0.2, ``Demo_SR.m``).
    overlap : int
        Overlap of adjacent patches at test time (4).
    contrast : float
        Factor of ``lin_scale.m`` (1.2).
    backprojection_iterations : int
        Iterations of the final back-projection (20).
    augment : bool
        Train on the 8 rotations and flips of every image as well (Timofte
        et al. CVPR 2016, way 1; 8 times the samples).
    random_state : int
        Seed of the patch sampling and of the dictionary initialisation.
    verbose : bool
        Progress bars and phase messages.

    Attributes
    ----------
    dict_hi_ : ndarray, shape (n_atoms, patch_size**2)
        HR atoms (rows) as learnt.
    dict_lo_ : ndarray, shape (n_atoms, 4 * patch_size**2)
        LR feature atoms (rows) as learnt (normalised at reconstruction).
    """

    method = "scsr"
    _arrays = ("dict_hi_", "dict_lo_")

    def __init__(self, scale=3, *, n_atoms=1024, patch_size=5, n_patches=100_000,
                 prune_percentile=10, train_lambda=0.15, n_iter=40, lam=0.2, overlap=4,
                 contrast=1.2, backprojection_iterations=20, random_state=0, augment=False,
                 verbose=False):
        self.scale = scale
        self.n_atoms = n_atoms
        self.patch_size = patch_size
        self.n_patches = n_patches
        self.prune_percentile = prune_percentile
        self.train_lambda = train_lambda
        self.n_iter = n_iter
        self.lam = lam
        self.overlap = overlap
        self.contrast = contrast
        self.backprojection_iterations = backprojection_iterations
        self.random_state = random_state
        self.augment = augment
        self.verbose = verbose

    def _fit(self, images):
        """Learn the coupled dictionary from HR luminance images in [0, 1]."""
        from ..sparse.l1_dictionary import L1DictionaryLearning

        start = time.perf_counter()
        self._log(f"sampling {self.n_patches} patch pairs at x{self.scale}")
        hr, lr = sample_training_pairs(images, self.scale, n_samples=self.n_patches,
                                       patch_size=self.patch_size, random_state=self.random_state)
        hr, lr = prune_smooth_pairs(hr, lr, self.prune_percentile)
        joint = joint_training_signals(hr, lr)
        self._log(f"{joint.shape[0]} pairs after pruning; learning {self.n_atoms} atoms")
        learner = L1DictionaryLearning(self.n_atoms, self.train_lambda, self.n_iter,
                                       random_state=self.random_state,
                                       verbose=self.verbose).fit(joint)
        n_hr = hr.shape[1]
        self.dict_hi_ = np.ascontiguousarray(learner.dictionary_[:, :n_hr])
        self.dict_lo_ = np.ascontiguousarray(learner.dictionary_[:, n_hr:])
        self.objective_ = learner.objective_
        self.n_training_patches_ = joint.shape[0]
        self.training_seconds_ = time.perf_counter() - start
        return self

    @classmethod
    def from_mat(cls, path, scale, **params):
        """A dictionary in the layout of Yang's MATLAB code, read from a ``.mat`` file.

        Yang's ``ScSR.m`` takes ``Dh`` and ``Dl`` (``Demo_SR.m`` loads them
        from ``Dictionary/D_1024_0.15_5.mat``, learnt for x2). Their columns
        are the atoms and their rows MATLAB's column-major (``(:)``) order:

        * ``Dh``, ``(p * p, K)``: row ``r + p * c`` is pixel ``(r, c)`` of
          the mean-removed HR patch (0-based; ``reshape(Dh * w, [p, p])``);
        * ``Dl``, ``(4 * p * p, K)``: ``lImfea(y:y+p-1, x:x+p-1, :)(:)``,
          row ``r + p * c + p * p * k`` is pixel ``(r, c)`` of feature ``k``,
          the mid-res image filtered by ``[-1, 0, 1]``, its transpose,
          ``[1, 0, -2, 0, 1]`` and its transpose (:data:`SCSR_FILTERS`),
          all with ``conv2(., f, 'same')``.

        They are converted to this class's rows of row-major patches
        (``dict_hi_ = Dh'`` and ``dict_lo_ = Dl'`` with each ``p x p``
        block transposed). ``Dl`` need not have unit columns: the
        reconstruction normalises them, as ``ScSR.m`` does.

        Parameters
        ----------
        path : str or Path
            A MATLAB ``.mat`` file (version 5 to 7.2, what
            :func:`scipy.io.loadmat` reads; re-save a v7.3 file with
            ``save(name, 'Dh', 'Dl', '-v7')``) holding ``Dh`` and ``Dl``.
        scale : {2, 3, 4}
            The upscaling factor to use the dictionary at. The file does not
            record one; Yang's ``D_1024_0.15_5.mat`` was learnt for x2.
        **params
            Reconstruction settings of :class:`ScSRDictionary` (``lam``,
            ``overlap``, ``contrast``, ``backprojection_iterations``).

        Returns
        -------
        ScSRDictionary
            Fitted (``n_atoms`` and ``patch_size`` from the file).

        Raises
        ------
        TypeError
            If ``path`` is not a path, or ``params`` names an unknown setting.
        FileNotFoundError
            If there is no such file.
        ValueError
            If the file is not a readable ``.mat``, lacks ``Dh`` or ``Dl`` (the
            keys found are named), or their shapes do not fit (found and
            expected shapes are named), or they hold non-finite values.

        References
        ----------
        .. [1] J. Yang, J. Wright, T. S. Huang, Y. Ma, "Image super-resolution
           via sparse representation", IEEE TIP 19(11), 2010; ScSR code,
           ``ScSR.m`` and ``extr_lIm_fea.m``.

        Examples
        --------
        >>> model = ScSRDictionary.from_mat("D_1024_0.15_5.mat", 2)  # doctest: +SKIP
        >>> classicsr.upscale(img, 2, method="scsr", model=model)  # doctest: +SKIP
        """
        from scipy.io import loadmat

        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a str or Path to a .mat file, got "
                            f"{type(path).__name__}")
        fixed = {"scale", "n_atoms", "patch_size"} & set(params)
        if fixed:
            raise TypeError(f"from_mat takes the scale as an argument and n_atoms and "
                            f"patch_size from the file, not {sorted(fixed)} in params")
        unknown = set(params) - set(cls._get_param_names())
        if unknown:
            raise TypeError(f"unknown ScSRDictionary parameters {sorted(unknown)}")
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no such dictionary file: '{path}'")
        try:
            data = loadmat(path)
        except NotImplementedError:  # scipy's answer to a v7.3 (HDF5) file
            raise ValueError(f"'{path}' is a MATLAB v7.3 (HDF5) file, which scipy.io.loadmat "
                             "does not read: re-save it with save(name, 'Dh', 'Dl', '-v7')"
                             ) from None
        except (ValueError, TypeError, OSError) as exc:
            raise ValueError(f"'{path}' is not a readable MATLAB .mat file ({exc})") from None
        found = sorted(k for k in data if not k.startswith("__"))
        missing = [k for k in ("Dh", "Dl") if k not in data]
        if missing:
            raise ValueError(f"'{path}' has no {' or '.join(missing)}: found keys {found}; "
                             "expected Dh (p*p x K) and Dl (4*p*p x K) as in Yang's ScSR code")
        dh, dl = (np.asarray(data[k]) for k in ("Dh", "Dl"))
        shapes = f"found Dh {dh.shape} and Dl {dl.shape}"
        if dh.ndim != 2 or dl.ndim != 2 or not (np.issubdtype(dh.dtype, np.number)
                                               and np.issubdtype(dl.dtype, np.number)):
            raise ValueError(f"'{path}': Dh and Dl must be numeric matrices, {shapes}")
        p = math.isqrt(dh.shape[0])
        n_atoms = dh.shape[1]
        if p * p != dh.shape[0] or p < 1 or n_atoms < 1 or dl.shape != (4 * p * p, n_atoms):
            expected = (f"Dl ({4 * p * p}, {n_atoms})" if p * p == dh.shape[0] and p >= 1
                        else "Dh (p*p, K) for an integer patch side p")
            raise ValueError(f"'{path}': {shapes}; expected Dh (p*p, K) and Dl (4*p*p, K) "
                             f"(Yang's layout, atoms as columns), here {expected}")
        if np.iscomplexobj(dh) or np.iscomplexobj(dl) or not (np.isfinite(dh).all()
                                                              and np.isfinite(dl).all()):
            raise ValueError(f"'{path}': Dh and Dl must hold finite real values")
        model = cls(scale, n_atoms=n_atoms, patch_size=p, **params)
        model._check_scale()
        # column-major p x p blocks -> row-major: swap the block's row and column axes
        model.dict_hi_ = np.ascontiguousarray(
            dh.T.astype(np.float64).reshape(n_atoms, p, p).transpose(0, 2, 1)
            .reshape(n_atoms, p * p))
        model.dict_lo_ = np.ascontiguousarray(
            dl.T.astype(np.float64).reshape(n_atoms, 4, p, p).transpose(0, 1, 3, 2)
            .reshape(n_atoms, 4 * p * p))
        model.n_training_patches_ = 0
        model.training_seconds_ = 0.0
        return model

    def sparse_reconstruction(self, lr):
        """``ScSR.m`` without the back-projection: the rounded overlap-averaged estimate.

        Parameters
        ----------
        lr : ndarray, shape (h, w), float
            Low-resolution luminance on the 0-255 scale.

        Returns
        -------
        ndarray of float64, shape (scale * h, scale * w)
            Integer values in [0, 255] (MATLAB's ``uint8(hIm)``).
        """
        from ..patches import PatchGrid, overlap_add
        from ..sparse import sparse_code_l1

        p = self.patch_size
        mid = resize_trusted(lr, self.scale).astype(np.float32).astype(np.float64)
        h, w = mid.shape
        rows = patch_grid_1d(h, p, self.overlap)
        cols = patch_grid_1d(w, p, self.overlap)
        estimate = mid.copy()
        if rows.size and cols.size:
            dict_lo = self.dict_lo_ / np.linalg.norm(self.dict_lo_, axis=1, keepdims=True)
            atoms = np.ascontiguousarray(dict_lo.T)
            gram = dict_lo @ dict_lo.T
            filtered = scsr_filtered(mid)
            top_all = np.repeat(rows, cols.size)
            left_all = np.tile(cols, rows.size)
            patches = np.empty((top_all.size, p * p))
            from tqdm.auto import tqdm

            # progress on a terminal for large images (disable=None: not when
            # stderr is not a terminal); small images are one chunk, no bar
            starts = range(0, top_all.size, _CHUNK)
            for lo in tqdm(starts, desc="ScSR patches", unit="chunk", leave=False,
                           disable=None if len(starts) > 2 else True):
                top, left = top_all[lo:lo + _CHUNK], left_all[lo:lo + _CHUNK]
                m_patch = _windows(mid, p, top, left)
                m_mean = m_patch.mean(axis=1, keepdims=True)
                m_norm = np.linalg.norm(m_patch - m_mean, axis=1)
                feats = _features(filtered, p, top, left)
                f_norm = np.linalg.norm(feats, axis=1)
                feats /= np.where(f_norm > 1, f_norm, 1.0)[:, None]
                # D^T y by one BLAS product (the batch-invariant default is slower)
                codes = sparse_code_l1(feats.T, atoms, float(self.lam), gram=gram,
                                       correlations=(feats @ atoms).T, sparse=True)
                hi = codes.T @ self.dict_hi_
                h_norm = np.linalg.norm(hi, axis=1)
                gain = np.where(h_norm > 0, m_norm * self.contrast
                                / np.where(h_norm > 0, h_norm, 1.0), 1.0)
                patches[lo:lo + _CHUNK] = hi * gain[:, None] + m_mean
            # the grid of ScSR.m, its last row and column of patches counted twice
            average, covered = overlap_add(patches, PatchGrid((h, w), rows, cols, p))
            estimate[covered] = average[covered]
        return np.clip(np.floor(estimate + 0.5), 0, 255)

    def predict_luminance(self, lr):
        """ScSR of a luminance image in [0, 1] (returns float64 in [0, 1] units, unclipped).

        ScSR.m works on the 8-bit scale (it rounds its estimate to uint8
        before back-projection), so the image is taken to [0, 255] here and
        back at the end: the one place where ScSR leaves the unit scale.
        """
        from ..backprojection import backproject_trusted

        lr255 = np.asarray(lr, dtype=np.float64) * 255.0
        estimate = self.sparse_reconstruction(lr255)
        if self.backprojection_iterations:
            estimate = backproject_trusted(estimate, lr255, self.backprojection_iterations,
                                           kernel="gaussian")
        return estimate / 255.0


ScSRDictionary.register_family()


@functools.lru_cache(maxsize=4)
def _mat_model(path, size, mtime_ns, scale):
    """:meth:`ScSRDictionary.from_mat`, once per version of a file and scale."""
    return ScSRDictionary.from_mat(path, scale)


def upscale_scsr(y, scale, model=None):
    """ScSR: feature-sign coding of every 5x5 mid-res patch, then back-projection.

    ``model`` is a ScSR model file (``.npz``), a fitted
    :class:`ScSRDictionary`, a MATLAB ``.mat`` with Yang's ``Dh`` and ``Dl``
    (read by :meth:`ScSRDictionary.from_mat` for ``scale``), or ``None`` for
    the shipped model.
    """
    from ..modelstore import get_model

    if isinstance(model, (str, os.PathLike)) and Path(model).suffix.lower() == ".mat":
        path = Path(model)
        if not path.is_file():
            raise FileNotFoundError(f"no such dictionary file: '{path}'")
        stat = path.stat()
        model = _mat_model(str(path.resolve()), stat.st_size, stat.st_mtime_ns, scale)
    return get_model("scsr", scale, model).predict_luminance(y)


register_method("scsr", description="sparse coding with a coupled L1 dictionary (Yang et al.)",
                reference="J. Yang, J. Wright, T. Huang, Y. Ma, IEEE TIP 2010",
                scales=LEARNED_SCALES, model="scsr", halo=SCSR_HALO, channels="luminance",
                options={"model": "a ScSR model file, ScSRDictionary or a .mat with Yang's Dh, "
                                  "Dl (default: shipped)"},
                # x2, tracemalloc: 327 bytes per output pixel plus 370 MB for a chunk of
                # 32768 patch codes and their correlations; RSS 312 B/px beyond that
                # (benchmarks/bench_memory.py --per-method)
                memory=330, memory_fixed=400 << 20)(upscale_scsr)
