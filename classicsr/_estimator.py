"""What every trainable model shares: scikit-learn estimator, validated images, fitted state.

Trainable models are scikit-learn estimators (:class:`sklearn.base.BaseEstimator`):
every hyper-parameter is an ``__init__`` argument, the seed is
``random_state``, ``fit(images)`` takes a list of images of any supported
dtype, grey or colour (:func:`check_training_images`), and a fitted model's
:meth:`SuperResolutionEstimator.upscale` goes through the same dispatcher as
``classicsr.upscale(img, scale, method, model=model)``. The example-based
models (:mod:`classicsr.example_based`) and the CNN trainer
(:class:`classicsr.cnn.train.CNNTrainer`) derive from it.
"""

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError

from ._image import DIHEDRAL, dihedral, training_luminance
from ._validation import check_bool, check_image

__all__ = ["SuperResolutionEstimator", "augmented", "check_training_images"]


def augmented(images, augment):
    """``images`` and, with ``augment``, their 7 other rotations and flips.

    The augmentation of Timofte, Rothe & Van Gool (CVPR 2016, "Seven ways to
    improve example-based single image super resolution", way 1): the
    training set is the 8 dihedral transforms of every image, in the order
    transform by transform (the untransformed images first, so a model that
    keeps its first N samples keeps the originals first).
    """
    if not check_bool(augment, "augment"):
        return list(images)
    return [dihedral(img, k) for k in range(DIHEDRAL) for img in images]


def check_training_images(images, name="images"):
    """Validate a list of training images and return their float luminance in [0, 1].

    Parameters
    ----------
    images : list of ndarray
        Images of any supported dtype (uint8, uint16, float32, float64 in
        [0, 1]), grey or RGB(A); colour images give the Y of MATLAB's
        ``rgb2ycbcr`` (:func:`classicsr._image.training_luminance`).

    Raises
    ------
    TypeError
        ``images`` is not a list / tuple of ndarrays (a single array is refused).
    ValueError
        An empty list, or an image that is not valid (see ``check_image``).
    """
    if isinstance(images, np.ndarray) or not isinstance(images, (list, tuple)):
        raise TypeError(f"{name} must be a list of images (ndarrays), got "
                        f"{type(images).__name__}; for a folder use "
                        "classicsr.datasets.read_training_images(folder)")
    if not images:
        raise ValueError(f"{name} is empty: give at least one training image")
    return [training_luminance(check_image(img, f"{name}[{k}]")) for k, img in enumerate(images)]


class SuperResolutionEstimator(BaseEstimator):
    """Base of the trainable models: fitted state and ``upscale`` through the dispatcher.

    Subclasses have ``method`` (the registered method, also the model
    family) and ``scale``, and name the attributes that :meth:`fit` sets in
    :meth:`_fitted_names`.
    """

    def _fitted_names(self):
        return ()

    def __sklearn_is_fitted__(self):
        return all(hasattr(self, name) for name in self._fitted_names())

    def is_fitted(self):
        """Whether :meth:`fit` has been run (or the model was loaded)."""
        return self.__sklearn_is_fitted__()

    def _check_fitted(self):
        if not self.is_fitted():
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit() "
                                 "or load a model first")

    def upscale(self, img, **options):
        """Super-resolve ``img`` with this model, exactly as
        ``classicsr.upscale(img, self.scale, method=self.method, model=self, **options)``."""
        from ._dispatch import upscale

        self._check_fitted()
        return upscale(img, self.scale, method=self.method, model=self, **options)
