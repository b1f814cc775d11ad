"""Zeyde, Elad & Protter: single image scale-up with sparse representations.

R. Zeyde, M. Elad, M. Protter, "On single image scale-up using
sparse-representations", Curves and Surfaces 2010. Parameters as in the
authors' code and the ANR / A+ benchmarks: 3x3-LR-pixel patches on the
bicubic-interpolated image, gradient and Laplacian features dilated by the
scale, uncentred PCA keeping 99.9 % of the energy, a K-SVD dictionary of 1024
atoms with OMP sparsity 3 (20 iterations), and an HR dictionary by least
squares on the high-frequency residual patches. Training patches overlap by
one LR pixel (two at x2); at test time the overlap is full.
"""

import time

import numpy as np

from ..patches import UncentredPCA
from ..registry import LEARNED_SCALES, register_method
from ..sparse import KSVD, batch_omp
from ._estimator import TrainableModel, model_method
from ._pipeline import PATCH_HALO, prepare, reconstruct
from ._training_data import training_pairs

__all__ = ["training_overlap", "ZeydeDictionary"]


def training_overlap(scale):
    """Overlap (LR pixels) of the training patches in Zeyde's code."""
    return 2 if scale <= 2 else 1


class ZeydeDictionary(TrainableModel):
    """Coupled LR/HR dictionary of Zeyde et al. (also used by GR, ANR, NE+LLE, A+).

    Parameters
    ----------
    scale : int
        Upscaling factor.
    n_atoms : int
        Dictionary size (1024 in the ANR and A+ papers).
    sparsity : int
        OMP sparsity in training and in Zeyde's reconstruction.
    n_iter : int
        K-SVD iterations.
    energy_dropped : float
        PCA energy discarded (1e-3).
    max_patches : int, optional
        Use at most this many training patches (the first ones).
    augment : bool
        Train on the 8 rotations and flips of every image as well (Timofte
        et al. CVPR 2016, way 1; 8 times the samples).
    random_state : int, optional
        Seed of the K-SVD initialisation and atom order.
    verbose : bool
        Progress bars and phase messages.

    Attributes
    ----------
    projection_ : ndarray, shape (n_features, d)
        PCA projection of the raw features.
    dict_lo_ : ndarray, shape (n_atoms, d)
        Unit-norm LR atoms (rows).
    dict_hi_ : ndarray, shape (n_atoms, (3 * scale) ** 2)
        HR residual atoms (rows).
    """

    method = "zeyde"
    _arrays = ("projection_", "dict_lo_", "dict_hi_")

    def __init__(self, scale=3, *, n_atoms=1024, sparsity=3, n_iter=20,
                 energy_dropped=1e-3, max_patches=None, random_state=0, augment=False,
                 verbose=False):
        self.scale = scale
        self.n_atoms = n_atoms
        self.sparsity = sparsity
        self.n_iter = n_iter
        self.energy_dropped = energy_dropped
        self.max_patches = max_patches
        self.random_state = random_state
        self.augment = augment
        self.verbose = verbose

    def _fit(self, images):
        """Learn the dictionaries from HR luminance images in [0, 1]."""
        start = time.perf_counter()
        self._log(f"collecting training patches at x{self.scale}")
        features, residuals = training_pairs(
            images, self.scale, overlap=training_overlap(self.scale),
            max_pairs=self.max_patches, dtype=np.float64, progress=self.verbose,
        )
        self._log(f"{features.shape[0]} patches, {features.shape[1]} features; PCA")
        pca = UncentredPCA(self.energy_dropped).fit(features)
        reduced = pca.transform(features)
        del features
        self._log(f"K-SVD: {self.n_atoms} atoms in {reduced.shape[1]} dimensions")
        ksvd = KSVD(self.n_atoms, self.sparsity, self.n_iter, random_state=self.random_state,
                    verbose=self.verbose).fit(reduced)
        self._log("high-resolution dictionary by least squares")
        codes = batch_omp(reduced.T, ksvd.dictionary_.T, self.sparsity, sparse=True)
        gram = (codes @ codes.T).toarray()
        rhs = np.asarray(codes @ residuals)
        try:
            dict_hi = np.linalg.solve(gram, rhs)
        except np.linalg.LinAlgError:
            dict_hi = np.linalg.lstsq(gram, rhs, rcond=None)[0]
        self.projection_ = pca.components_
        self.dict_lo_ = ksvd.dictionary_
        self.dict_hi_ = dict_hi
        self.n_training_patches_ = reduced.shape[0]
        self.training_seconds_ = time.perf_counter() - start
        return self

    def predict_luminance(self, lr):
        """Zeyde's reconstruction: OMP codes over the LR atoms, HR atoms, overlap-add."""
        problem = prepare(lr, self.scale, self.projection_)
        if problem.grid.count == 0:  # smaller than one patch: the bicubic image
            return reconstruct(problem, None)
        codes = batch_omp(problem.features.T, self.dict_lo_.T, self.sparsity, sparse=True)
        return reconstruct(problem, np.asarray(codes.T @ self.dict_hi_))


ZeydeDictionary.register_family()


register_method("zeyde", description="sparse coding: K-SVD dictionary + OMP (Zeyde et al.)",
                reference="R. Zeyde, M. Elad, M. Protter, Curves and Surfaces 2010",
                scales=LEARNED_SCALES, model="zeyde", halo=PATCH_HALO, channels="luminance",
                options={"model": "a Zeyde model file or ZeydeDictionary (default: shipped)"},
                # bytes per output pixel, x2 (the most): tracemalloc 153.8, RSS 152.7
                # (benchmarks/bench_memory.py --per-method)
                memory=160)(
    model_method("zeyde",
                 "Zeyde et al.'s sparse-representation scale-up of a luminance image."))
