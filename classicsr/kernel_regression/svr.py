"""Ni & Nguyen: support vector regression from LR patches to HR pixels.

K. S. Ni and T. Q. Nguyen, "Image superresolution using support vector
regression", IEEE Trans. Image Processing 16(6), 2007.

Each LR pixel's ``patch_size`` neighbourhood (mean removed, divided by its
norm plus ``norm_offset``) is mapped by epsilon-insensitive support vector
regressions with an RBF kernel to the ``scale x scale`` HR pixels it covers
(one regression per HR sub-pixel position, as the paper; here the residual
of the HR pixel over MATLAB bicubic, scaled by the same norm).

Solver: scikit-learn's kernel :class:`~sklearn.svm.SVR` (libsvm) is too slow
here, measured on T91 pairs: fitting one output on 20 000 pairs takes
minutes and keeps thousands of support vectors, so predicting a 500 x 500
output means ``n_sv x n_pixels`` kernel evaluations per sub-pixel position in
libsvm's scalar loop (minutes per image). The RBF kernel is therefore
approximated by :class:`~sklearn.kernel_approximation.Nystroem`
(``n_components`` landmarks) and each output is fitted by
:class:`~sklearn.svm.LinearSVR` (the epsilon-insensitive SVR loss, squared,
liblinear's primal solver) on the mapped features: prediction is two BLAS
products. The landmarks play the role of the support vectors (the manifest
records their number). Defaults were chosen on a T91 split (80 / 11 images),
never on Set5/Set14.
"""

import time
from typing import ClassVar

import numpy as np

from ..example_based._estimator import TrainableModel, model_method
from ..registry import LEARNED_SCALES, register_method
from ..resize._imresize import resize_trusted
from . import _sparse_krr
from ._patches import dense_patches, mid_and_residual, normalise_patches
from .kim_kwon import natural_image_prior

__all__ = ["SupportVectorRegression"]

_CHUNK = 16384


def _lr_pairs(images, scale, size, n_patches, rng, progress=False):
    """Mean-removed LR patches and the residual ``HR - bicubic`` blocks they cover."""
    from tqdm.auto import tqdm

    per_image = int(np.ceil(n_patches / len(images)))
    xs, ys = [], []
    r = size // 2
    for hr in tqdm(images, desc="training pairs", unit="image", disable=not progress):
        mid, residual = mid_and_residual(hr, scale)
        lr = resize_trusted(hr[:mid.shape[0], :mid.shape[1]], 1.0 / scale)
        h, w = lr.shape
        if min(h, w) < 2 * r + 1:
            continue
        rows = rng.integers(r, h - r, per_image)
        cols = rng.integers(r, w - r, per_image)
        off = np.arange(-r, r + 1)
        xs.append(lr[rows[:, None, None] + off[None, :, None],
                     cols[:, None, None] + off[None, None, :]].reshape(rows.size, -1))
        sub = np.arange(scale)
        ys.append(residual[rows[:, None, None] * scale + sub[None, :, None],
                           cols[:, None, None] * scale + sub[None, None, :]].reshape(
            rows.size, -1))
    if not xs:
        raise ValueError(f"no training pairs: every training image is smaller than "
                         f"{(2 * r + 1) * scale} pixels")
    x = np.concatenate(xs)[:n_patches].astype(np.float32)
    y = np.concatenate(ys)[:n_patches].astype(np.float32)
    x -= x.mean(1, keepdims=True)
    return x, y


class SupportVectorRegression(TrainableModel):
    """Ni & Nguyen's SVR super-resolution (one scale), RBF kernel by Nystroem.

    Parameters
    ----------
    scale : int
    patch_size : int
        Odd side of the LR patch.
    n_components : int
        Nystroem landmarks (the approximate kernel's rank).
    relative_gamma : float
        RBF ``gamma`` times the median squared distance between training inputs.
    C, epsilon : float
        SVR penalty and tube half-width (normalised residual units).
    norm_offset : float
        Added to the patch norm in the contrast normalisation.
    n_patches : int
        Training pairs (random LR pixels of the training images).
    linear_term : bool
        Also give the SVRs the normalised patch itself as features (a linear
        kernel added to the RBF kernel; not in the paper, measured on the T91
        split).
    prior_iterations, prior_strength : int, float
        Post-processing of the result by Kim & Kwon's step
        (:func:`~classicsr.kernel_regression.kim_kwon.natural_image_prior`:
        back-projection with a sparse gradient prior). Not in Ni & Nguyen's
        paper (``prior_iterations=0`` is their method); measured with the
        shipped x3 model on the 11 T91 images of the recipe's split (images
        it was trained on, so only the difference counts): +0.19 dB
        (back-projection alone +0.04 dB).
    regressor_dtype : str
        Storage type of the landmarks and weights ('float16' or 'float32').
    augment : bool
    random_state : int
    verbose : bool

    Attributes
    ----------
    landmarks_ : ndarray (n_components, patch_size ** 2)
    weights_ : ndarray (n_components, scale ** 2)
        Nystroem normalisation folded into the SVR coefficients.
    linear_ : ndarray (patch_size ** 2, scale ** 2)
        Weights of the linear part (zeros without ``linear_term``).
    intercepts_ : ndarray (scale ** 2,)
    width_ : ndarray (1,)
        ``1 / gamma``.
    """

    method = "svr"
    _arrays = ("landmarks_", "weights_", "linear_", "intercepts_", "width_")
    _array_dtypes: ClassVar[dict] = {"landmarks_": np.float32, "weights_": np.float32}

    def __init__(self, scale=2, *, patch_size=5, n_components=500, relative_gamma=2.0,
                 C=1.0, epsilon=0.01, norm_offset=0.05, n_patches=50_000, linear_term=True,
                 prior_iterations=10, prior_strength=0.0005, regressor_dtype="float32",
                 augment=False, random_state=0, verbose=False):
        self.scale = scale
        self.patch_size = patch_size
        self.n_components = n_components
        self.relative_gamma = relative_gamma
        self.C = C
        self.epsilon = epsilon
        self.norm_offset = norm_offset
        self.n_patches = n_patches
        self.linear_term = linear_term
        self.prior_iterations = prior_iterations
        self.prior_strength = prior_strength
        self.regressor_dtype = regressor_dtype
        self.augment = augment
        self.random_state = random_state
        self.verbose = verbose

    def _check_params(self):
        from .._validation import check_choice, check_int, check_real

        size = check_int(self.patch_size, "patch_size", minimum=1)
        if size % 2 == 0:
            raise ValueError(f"patch_size must be odd, got {size}")
        check_int(self.n_components, "n_components", minimum=1)
        check_int(self.n_patches, "n_patches", minimum=1)
        check_int(self.prior_iterations, "prior_iterations", minimum=0)
        for name in ("relative_gamma", "C"):
            check_real(getattr(self, name), name, minimum=0, strict_minimum=True)
        for name in ("epsilon", "norm_offset", "prior_strength"):
            check_real(getattr(self, name), name, minimum=0)
        check_choice(self.regressor_dtype, "regressor_dtype", ("float16", "float32"))

    def _fit(self, images):
        from sklearn.kernel_approximation import Nystroem
        from sklearn.svm import LinearSVR
        from tqdm.auto import tqdm

        self._check_params()
        start = time.perf_counter()
        rng = np.random.default_rng(self.random_state)
        x, y = _lr_pairs(images, self.scale, self.patch_size, self.n_patches, rng,
                         progress=self.verbose)
        norm = normalise_patches(x, self.norm_offset)
        y /= norm[:, None].astype(y.dtype)
        gamma = self.relative_gamma / _sparse_krr.median_sq_distance(x, rng)
        nystroem = Nystroem(kernel="rbf", gamma=gamma,
                            n_components=min(self.n_components, x.shape[0]),
                            random_state=self.random_state).fit(x)
        features = nystroem.transform(x)
        if self.linear_term:
            features = np.hstack([features, x])
        coef = np.empty((y.shape[1], features.shape[1]))
        intercepts = np.empty(y.shape[1])
        for k in tqdm(range(y.shape[1]), desc="SVR outputs", unit="output",
                      disable=not self.verbose):
            svr = LinearSVR(C=self.C, epsilon=self.epsilon,
                            loss="squared_epsilon_insensitive", dual=False,
                            max_iter=2000, random_state=self.random_state)
            svr.fit(features, y[:, k])
            coef[k], intercepts[k] = svr.coef_, svr.intercept_[0]
        self.landmarks_ = nystroem.components_.astype(self.regressor_dtype)
        n_land = nystroem.components_.shape[0]
        self.weights_ = (nystroem.normalization_.T @ coef[:, :n_land].T).astype(
            self.regressor_dtype)
        self.linear_ = (coef[:, n_land:].T if self.linear_term
                        else np.zeros((x.shape[1], y.shape[1])))
        self.intercepts_ = intercepts
        self.width_ = np.array([1.0 / gamma])
        self.n_training_patches_ = x.shape[0]
        self.training_seconds_ = time.perf_counter() - start
        self._log(f"trained in {self.training_seconds_:.0f} s")
        return self

    def _stored(self, name):
        value = getattr(self, name)
        return value.astype(self.regressor_dtype) if name in ("landmarks_", "weights_") else value

    def predict_luminance(self, lr):
        """SVR reconstruction of a luminance image in [0, 1]."""
        self._check_fitted()
        s = self.scale
        mid = resize_trusted(lr, s)
        feats = dense_patches(lr, self.patch_size, np.float64)  # see kim_kwon
        feats -= feats.mean(1, keepdims=True)
        norm = normalise_patches(feats, self.norm_offset)
        landmarks = self.landmarks_.astype(np.float64)
        weights = self.weights_.astype(np.float64)
        linear = self.linear_.astype(np.float64)
        out = np.empty((feats.shape[0], s * s))
        width = float(self.width_[0])
        for start in range(0, feats.shape[0], _CHUNK):
            k = _sparse_krr.gaussian_kernel(feats[start:start + _CHUNK], landmarks, width,
                                            np.float64)
            f = feats[start:start + _CHUNK]
            out[start:start + _CHUNK] = ((k @ weights + f @ linear + self.intercepts_)
                                         * norm[start:start + _CHUNK, None])
        h, w = lr.shape
        residual = out.reshape(h, w, s, s).transpose(0, 2, 1, 3).reshape(h * s, w * s)
        if self.prior_iterations:
            return natural_image_prior(mid + residual, lr, self.prior_iterations,
                                       self.prior_strength)
        return mid + residual


SupportVectorRegression.register_family()

register_method(
    "svr",
    description="Ni & Nguyen: support vector regression of LR patches (RBF, Nystroem)",
    reference="K. S. Ni, T. Q. Nguyen, IEEE TIP 16(6), 2007",
    scales=LEARNED_SCALES, model="svr", halo=24, channels="luminance",
    options={"model": "an SVR model file or SupportVectorRegression (default: shipped)"},
)(model_method("svr", "Ni & Nguyen 2007 (epsilon-SVR, RBF kernel by Nystroem)."))
