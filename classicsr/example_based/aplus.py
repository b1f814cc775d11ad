"""A+: adjusted anchored neighbourhood regression (Timofte, De Smet, Van Gool, ACCV 2014).

The anchors are the atoms of a Zeyde dictionary (1024). Each anchor gets a
ridge regression (``lambda = 0.1``) from LR features to HR residual patches,
fitted on its 2048 nearest training samples. The training samples are
full-overlap patches of the training images and of 11 downscaled copies
(factor 0.98 per level), at most 5 million, LR features l2-normalised and
HR patches divided by the same norm (by 1 where the norm is below 0.1), as
in the authors' code.
"""

import time

import numpy as np

from ..modelstore import get_model
from ..registry import LEARNED_SCALES, register_method
from ._estimator import TrainableModel, model_method
from ._pipeline import PATCH_HALO, anchored_upscale
from ._training_data import normalise_pairs, training_pairs
from .zeyde import ZeydeDictionary

__all__ = ["anchor_dictionary", "APlus"]


def anchor_dictionary(dictionary, scale, random_state, verbose, images):
    """The Zeyde dictionary an anchored model is built on (A+, k-means).

    ``dictionary`` is a fitted :class:`ZeydeDictionary`, a path to a Zeyde
    model file, or ``None``: a Zeyde dictionary is then trained on the same
    (luminance) ``images`` with its default parameters and ``random_state``.
    An unfitted ZeydeDictionary (as :func:`sklearn.base.clone` leaves it) is
    fitted on ``images`` with its own parameters.
    """
    if dictionary is None:  # (``images`` are already augmented if asked)
        dictionary = ZeydeDictionary(scale, random_state=random_state, verbose=verbose)
    if isinstance(dictionary, ZeydeDictionary) and not dictionary.is_fitted():
        return dictionary._fit(images)
    return get_model("zeyde", scale, dictionary)


class APlus(TrainableModel):
    """A+ regressors anchored at the atoms of a Zeyde dictionary.

    Parameters
    ----------
    scale : int
    dictionary : ZeydeDictionary, str or None
        The Zeyde dictionary whose atoms are the anchors (and whose PCA
        projects the features): a fitted model, a model file, or ``None`` to
        train one on the same images first (see :func:`anchor_dictionary`).
    n_neighbours : int
        Training samples per anchor (2048).
    lam : float
        Ridge regulariser (0.1).
    pyramid_levels, pyramid_factor : int, float
        Scale augmentation of the training images (12 levels of 0.98).
    max_patches : int
        Training samples kept (the first 5 million).
    regressor_dtype : str
        Storage type of the regressors ('float16' halves the model; the
        PSNR change is measured by the training recipe).
    augment : bool
        Train on the 8 rotations and flips of every image as well (Timofte
        et al. CVPR 2016, way 1; 8 times the samples).
    random_state : int
        Seed of the Zeyde dictionary trained when ``dictionary`` is None
        (A+'s own steps are deterministic).
    verbose : bool

    Attributes
    ----------
    projection_ : ndarray (n_features, d)
        PCA of the dictionary.
    anchors_ : ndarray (n_anchors, d)
        Unit-norm anchor atoms.
    regressors_ : ndarray (n_anchors, (3 * scale) ** 2, d)
    """

    method = "aplus"
    _arrays = ("projection_", "anchors_", "regressors_")
    # Features are single precision at test time; so are the regressors.
    _array_dtypes = {"regressors_": np.float32}

    def __init__(self, scale=3, *, dictionary=None, n_neighbours=2048, lam=0.1,
                 pyramid_levels=12, pyramid_factor=0.98, max_patches=5_000_000,
                 regressor_dtype="float32", random_state=0, augment=False, verbose=False):
        self.scale = scale
        self.dictionary = dictionary
        self.n_neighbours = n_neighbours
        self.lam = lam
        self.pyramid_levels = pyramid_levels
        self.pyramid_factor = pyramid_factor
        self.max_patches = max_patches
        self.regressor_dtype = regressor_dtype
        self.random_state = random_state
        self.augment = augment
        self.verbose = verbose

    def _fit(self, images):
        """Fit the regressors on HR luminance images, anchored at the dictionary."""
        from sklearn.neighbors import NearestNeighbors

        dictionary = anchor_dictionary(self.dictionary, self.scale, self.random_state,
                                       self.verbose, images)
        start = time.perf_counter()
        self._log(f"collecting samples: {self.pyramid_levels} levels x {self.pyramid_factor}")
        lo, hi = training_pairs(
            images, self.scale, overlap=2, pyramid_levels=self.pyramid_levels,
            pyramid_factor=self.pyramid_factor, projection=dictionary.projection_,
            max_pairs=self.max_patches, dtype=np.float32, progress=self.verbose,
        )
        normalise_pairs(lo, hi)
        anchors = dictionary.dict_lo_
        k = min(self.n_neighbours, lo.shape[0])
        self._log(f"{lo.shape[0]} samples; {k} nearest samples of {anchors.shape[0]} anchors")
        nn = NearestNeighbors(n_neighbors=k, algorithm="brute").fit(lo)
        _, hood = nn.kneighbors(anchors.astype(np.float32))
        self._log("ridge regressors")
        d = anchors.shape[1]
        regressors = np.empty((anchors.shape[0], hi.shape[1], d))
        eye = self.lam * np.eye(d)
        from tqdm.auto import tqdm

        for a in tqdm(range(anchors.shape[0]), desc="A+ regressors", unit="anchor",
                      disable=not self.verbose):
            lo_n = lo[hood[a]].astype(np.float64)
            hi_n = hi[hood[a]].astype(np.float64)
            # Hi^T (Lo Lo^T + lam I_K)^-1 Lo, computed in the d x d form
            regressors[a] = np.linalg.solve(lo_n.T @ lo_n + eye, lo_n.T @ hi_n).T
        self.projection_ = dictionary.projection_
        self.anchors_ = anchors
        self.regressors_ = regressors.astype(self.regressor_dtype)
        self.n_training_patches_ = lo.shape[0]
        self.training_seconds_ = time.perf_counter() - start
        return self

    def predict_luminance(self, lr):
        """A+ reconstruction of a luminance image in [0, 1]."""
        return anchored_upscale(lr, self.scale, self.projection_, self.anchors_, self.regressors_)


APlus.register_family()


register_method("aplus", description="A+: adjusted anchored neighbourhood regression",
                reference="R. Timofte, V. De Smet, L. Van Gool, ACCV 2014",
                scales=LEARNED_SCALES, model="aplus", halo=PATCH_HALO, channels="luminance",
                options={"model": "an A+ model file or APlus (default: shipped)"},
                # bytes per output pixel at x2 (x3: 124, x4: 118): tracemalloc 140.0, RSS
                # 140.2 (benchmarks/bench_memory.py --per-method)
                memory=145)(
    model_method("aplus",
                 "A+ of Timofte et al. 2014 (1024 anchors, 2048 samples each, lambda 0.1)."))
