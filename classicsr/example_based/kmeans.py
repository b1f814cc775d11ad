"""Clustered regressors: k-means on LR features, a compact dictionary and ridge map per cluster.

In the spirit of Yang & Yang's clustered simple functions (ICCV 2013) and
Dong et al.'s adaptive sparse domain selection (TIP 2011): the training
patches (the LR features and HR residuals of the A+ pipeline) are clustered
by k-means on their l2-normalised LR features; each cluster gets its own
sub-dictionary, the ``n_atoms`` leading principal directions of its members'
LR features, and a ridge regression from the coefficients on that
sub-dictionary to the HR residual patches. At test time a patch goes to the
cluster whose centroid is most correlated with it (in absolute value, so
that ``f`` and ``-f`` share a cluster and the linear maps stay odd) and is
coded by that cluster's sub-dictionary and regressor. Sub-dictionary and
regressor fold into one ``(out_dim, d)`` matrix per cluster, so inference
shares the fused Numba kernel of ANR / A+.

Why not scikit-learn's ``KMeans``: the assignment here is by absolute
correlation on the unit sphere (an antipodally symmetric spherical
k-means), which scikit-learn does not offer; the iterations are a few BLAS
products and are written out below.
"""

import time

import numpy as np

from ..registry import LEARNED_SCALES, register_method
from ._estimator import TrainableModel, model_method
from ._pipeline import PATCH_HALO, anchored_upscale
from ._training_data import normalise_pairs, training_pairs
from .aplus import anchor_dictionary

__all__ = ["KMeansRegressors", "spherical_kmeans"]


def spherical_kmeans(x, n_clusters, *, n_iter=15, random_state=0, chunk=65536):
    """Antipodally symmetric spherical k-means of unit rows ``x``.

    Assignment: ``argmax_c |x . c|``; update: ``c = normalise(sum sign(x . c) x)``.
    Empty clusters are re-seeded with the worst-fitting samples.

    Returns
    -------
    centroids : ndarray (n_clusters, d), unit rows
    labels : ndarray (n,)
    """
    rng = np.random.default_rng(random_state)
    centroids = x[rng.choice(x.shape[0], n_clusters, replace=False)].astype(np.float64)
    labels = np.empty(x.shape[0], dtype=np.int64)
    fit = np.empty(x.shape[0])
    signs = np.empty(x.shape[0])
    for _ in range(n_iter):
        c32 = centroids.T.astype(x.dtype)
        for start in range(0, x.shape[0], chunk):
            s = x[start:start + chunk] @ c32
            best = np.argmax(np.abs(s), axis=1)
            value = s[np.arange(best.size), best]
            labels[start:start + chunk] = best
            fit[start:start + chunk] = np.abs(value)
            signs[start:start + chunk] = np.where(value < 0, -1.0, 1.0)
        # Per-cluster sums by bincount, column by column (np.add.at is 10x slower;
        # both add the same float64 values in sample order).
        signed = x * signs[:, None].astype(x.dtype)
        sums = np.stack([np.bincount(labels, weights=signed[:, j], minlength=n_clusters)
                         for j in range(x.shape[1])], axis=1)
        norms = np.linalg.norm(sums, axis=1)
        empty = norms == 0
        if empty.any():
            # re-seed with the worst-fitting samples that are not zero vectors
            # (flat patches: a zero centroid would divide by zero)
            nonzero = np.flatnonzero(np.any(x != 0, axis=1))
            worst = nonzero[np.argsort(fit[nonzero])[: int(empty.sum())]]
            refill = np.flatnonzero(empty)[: worst.size]
            sums[refill] = x[worst]
            norms[refill] = np.linalg.norm(sums[refill], axis=1)
            dead = norms == 0  # fewer non-zero samples than clusters: keep the old centroid
            sums[dead], norms[dead] = centroids[dead], 1.0
        centroids = sums / norms[:, None]
    return centroids, labels


class KMeansRegressors(TrainableModel):
    """Per-cluster sub-dictionaries and ridge regressors (method ``kmeans``).

    Parameters
    ----------
    scale : int
    dictionary : ZeydeDictionary, str or None
        The Zeyde dictionary whose PCA projects the features (see
        :func:`~classicsr.example_based.aplus.anchor_dictionary`).
    n_clusters : int
        Number of k-means clusters (default 1024).
    n_atoms : int
        Atoms of each cluster's sub-dictionary (principal directions of its
        LR features); at most the feature dimension (default 32, i.e. all
        PCA dimensions). Defaults chosen on a T91 train/validation split by
        ``data/recipes/select_kmeans.py`` (results in ``select_kmeans.json``):
        x3 validation PSNR 31.11 (256 x 8), 31.45 (1024 x 16), 31.53
        (512 x 32), 31.57 (1024 x 32); ANR on the same split 31.18.
    lam : float
        Ridge regulariser of the per-cluster maps.
    max_patches : int
        Training samples (full-overlap patches of the training images and of
        downscaled copies, as A+).
    pyramid_levels, pyramid_factor : int, float
        Scale augmentation of the training images.
    n_iter : int
        k-means iterations.
    regressor_dtype : str
        dtype of the saved regressors ('float16' halves the file).
    augment : bool
        Train on the 8 rotations and flips of every image as well (Timofte
        et al. CVPR 2016, way 1; 8 times the samples).
    random_state : int
    verbose : bool

    Attributes
    ----------
    projection_ : ndarray (n_features, d)
        PCA of the features (from the Zeyde dictionary of the same scale).
    centroids_ : ndarray (n_clusters, d)
    regressors_ : ndarray (n_clusters, (3 * scale) ** 2, d)
        Sub-dictionary and ridge map of each cluster folded into one matrix.
    """

    method = "kmeans"
    _arrays = ("projection_", "centroids_", "regressors_")
    _array_dtypes = {"regressors_": np.float32}

    def __init__(self, scale=3, *, dictionary=None, n_clusters=1024, n_atoms=32, lam=0.1,
                 max_patches=2_000_000, pyramid_levels=12, pyramid_factor=0.98, n_iter=15,
                 regressor_dtype="float32", random_state=0, augment=False, verbose=False):
        self.scale = scale
        self.dictionary = dictionary
        self.n_clusters = n_clusters
        self.n_atoms = n_atoms
        self.lam = lam
        self.max_patches = max_patches
        self.pyramid_levels = pyramid_levels
        self.pyramid_factor = pyramid_factor
        self.n_iter = n_iter
        self.regressor_dtype = regressor_dtype
        self.random_state = random_state
        self.augment = augment
        self.verbose = verbose

    def _fit(self, images):
        """Fit on HR luminance images, features projected by the dictionary's PCA."""
        projection = anchor_dictionary(self.dictionary, self.scale, self.random_state,
                                       self.verbose, images).projection_
        start = time.perf_counter()
        lo, hi = training_pairs(
            images, self.scale, overlap=2, pyramid_levels=self.pyramid_levels,
            pyramid_factor=self.pyramid_factor, projection=projection,
            max_pairs=self.max_patches, dtype=np.float32, progress=self.verbose,
        )
        self.fit_samples(lo, hi, projection)
        self.training_seconds_ = time.perf_counter() - start
        return self

    def fit_samples(self, lo, hi, projection):
        """Fit on PCA features ``lo`` and HR residuals ``hi`` (modified in place:
        normalised as in A+)."""
        from tqdm.auto import tqdm

        start = time.perf_counter()
        normalise_pairs(lo, hi)
        n_clusters = min(self.n_clusters, lo.shape[0])
        self._log(f"{lo.shape[0]} samples; spherical k-means, {n_clusters} clusters")
        centroids, labels = spherical_kmeans(lo, n_clusters, n_iter=self.n_iter,
                                             random_state=self.random_state)
        d = lo.shape[1]
        k = min(self.n_atoms, d)
        regressors = np.zeros((n_clusters, hi.shape[1], d))
        order = np.argsort(labels, kind="stable")
        bounds = np.searchsorted(labels[order], np.arange(n_clusters + 1))
        for c in tqdm(range(n_clusters), desc="cluster regressors", unit="cluster",
                      disable=not self.verbose):
            members = order[bounds[c]:bounds[c + 1]]
            if members.size == 0:
                continue
            x = lo[members].astype(np.float64)
            y = hi[members].astype(np.float64)
            # Sub-dictionary: leading principal directions of the cluster (uncentred).
            _, _, vt = np.linalg.svd(x, full_matrices=False)
            basis = vt[:k].T                                   # (d, k)
            codes = x @ basis                                   # (n, k)
            ridge = np.linalg.solve(codes.T @ codes + self.lam * np.eye(basis.shape[1]),
                                    codes.T @ y)                # (k, out)
            regressors[c] = (basis @ ridge).T                   # (out, d)
        self.projection_ = np.asarray(projection, dtype=np.float64)
        self.centroids_ = centroids
        self.regressors_ = regressors.astype(self.regressor_dtype)
        self.n_training_patches_ = lo.shape[0]
        self.training_seconds_ = time.perf_counter() - start
        return self

    def predict_luminance(self, lr):
        """Reconstruct a luminance image in [0, 1]."""
        return anchored_upscale(lr, self.scale, self.projection_, self.centroids_,
                                self.regressors_)


KMeansRegressors.register_family()


register_method("kmeans", description="k-means clusters, a sub-dictionary and ridge map each",
                reference="Yang & Yang ICCV 2013; Dong et al. TIP 2011 (clustered dictionaries)",
                scales=LEARNED_SCALES, model="kmeans", halo=PATCH_HALO, channels="luminance",
                options={"model": "a k-means model file or KMeansRegressors "
                                  "(default: shipped)"},
                # bytes per output pixel, x2 (the most): tracemalloc 140.0, RSS 140.1
                # (benchmarks/bench_memory.py --per-method)
                memory=145)(
    model_method("kmeans",
                 "Clustered sub-dictionaries with ridge regressors (see the module)."))
