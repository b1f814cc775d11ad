"""Base class of the trainable example-based models: scikit-learn estimators.

Every hyper-parameter is an ``__init__`` argument (a model built on another
one, such as A+ on a Zeyde dictionary, takes it as a parameter), the seed is
``random_state``, ``fit(images)`` takes a list of images of any supported
dtype, grey or colour, and returns ``self``; :func:`sklearn.base.clone`,
``get_params`` and ``set_params`` work as for any scikit-learn estimator.
A fitted model's :meth:`TrainableModel.upscale` goes through the same
dispatcher as ``classicsr.upscale(img, scale, method, model=model)``.
Models are saved as ``.npz`` (no pickle) and loaded through
:func:`classicsr.modelstore.get_model`.
"""

import logging
import platform
from typing import ClassVar

import numpy as np
from .._estimator import SuperResolutionEstimator, augmented, check_training_images
from .._logging import verbose_logging
from .._validation import check_integer_scale
from ..modelstore import load_model, register_model_family, save_model
from ..registry import LEARNED_SCALES

__all__ = ["model_method", "TrainableModel"]

logger = logging.getLogger("classicsr.train")

#: Hyper-parameter names of models saved by classicsr 0.1.0 and their names now.
_RENAMED_PARAMS = {"max_samples": "max_patches", "n_samples": "n_patches",
                   "projection_dtype": "regressor_dtype", "storage_dtype": "regressor_dtype",
                   "seed": "random_state"}


class TrainableModel(SuperResolutionEstimator):
    """Common base: validation, ``upscale``, ``save`` and loading.

    Subclasses set ``method`` (the model family, named in the registry entry
    of the methods that use it), ``_arrays`` (the fitted array attributes
    that make up the model) and implement ``_fit(luminance_images)`` and
    ``predict_luminance(y)``.
    """

    method: ClassVar[str | None] = None
    _arrays: ClassVar[tuple[str, ...]] = ()
    #: dtype of each fitted array in memory (float64 unless named here).
    _array_dtypes: ClassVar[dict] = {}

    def _log(self, message):
        # shown on stdout when built with verbose=True (see classicsr._logging)
        with verbose_logging(getattr(self, "verbose", False), logger):
            logger.info(f"[{self.method} x{self.scale}] {message}")

    def _fitted_names(self):
        return self._arrays

    def _check_scale(self):
        return check_integer_scale(self.scale, "scale", allowed=LEARNED_SCALES)

    def fit(self, images):
        """Train on a list of HR images (any supported dtype, grey or colour).

        Returns
        -------
        self
        """
        self._check_scale()
        return self._fit(augmented(check_training_images(images), self.augment))

    def predict_luminance(self, y):
        """Super-resolve a float64 luminance image in [0, 1] (trusted input)."""
        raise NotImplementedError

    def save(self, path, *, overwrite=False, extra=None):
        """Write the model to ``path`` (``.npz``, no pickle) atomically."""
        self._check_fitted()
        import numba
        import scipy
        import sklearn

        params = {k: v for k, v in self.get_params(deep=False).items()
                  if k != "verbose" and _json_value(v)}
        header = {
            "method": self.method,
            "class": type(self).__name__,
            "params": params,
            "n_training_patches": int(getattr(self, "n_training_patches_", 0)),
            "training_seconds": float(getattr(self, "training_seconds_", 0.0)),
            "versions": {
                "python": platform.python_version(), "numpy": np.__version__,
                "scipy": scipy.__version__, "scikit-learn": sklearn.__version__,
                "numba": numba.__version__,
            },
            **(extra or {}),
        }
        save_model(path, {name.rstrip("_"): self._stored(name) for name in self._arrays},
                   header, overwrite=overwrite)

    def _stored(self, name):
        """The fitted array ``name`` as written to a file (subclasses may narrow
        its dtype)."""
        return getattr(self, name)

    @classmethod
    def _from_stored(cls, name, array):
        """The fitted array ``name`` in memory from its stored ``array`` (in its
        ``_array_dtypes`` dtype; subclasses may also choose its layout)."""
        return array.astype(cls._array_dtypes.get(name, np.float64))

    @classmethod
    def from_arrays(cls, arrays, header, path="<model>"):
        """Rebuild a fitted model from :func:`~classicsr.modelstore.load_model` output."""
        if header.get("class") != cls.__name__:
            scale = header.get("params", {}).get("scale")
            raise ValueError(f"model '{path}' is {header.get('method')} x{scale}, not "
                             f"{cls.method} ({cls.__name__})")
        params = {_RENAMED_PARAMS.get(k, k): v for k, v in header["params"].items()}
        valid = cls._get_param_names()
        model = cls(**{k: v for k, v in params.items() if k in valid})
        for name in cls._arrays:
            key = name.rstrip("_")
            if key not in arrays:
                raise ValueError(f"model '{path}' lacks the array {key!r}")
            setattr(model, name, cls._from_stored(name, arrays[key]))
        model.n_training_patches_ = header.get("n_training_patches", 0)
        model.training_seconds_ = header.get("training_seconds", 0.0)
        return model

    @classmethod
    def load(cls, path):
        """Load a model saved by :meth:`save` (not cached; see
        :func:`classicsr.modelstore.get_model`)."""
        arrays, header = load_model(path)
        return cls.from_arrays(arrays, header, path)

    @classmethod
    def register_family(cls):
        """Declare the model family of ``cls`` to :mod:`classicsr.modelstore`."""
        register_model_family(cls.method, suffix=".npz", load=cls.load, model_type=cls,
                              estimator=cls)
        return cls


def model_method(family, summary):
    """The registry function of a method that is its model's ``predict_luminance``.

    ``function(y, scale, model=None)`` loads the model of ``family`` at
    ``scale`` through :func:`classicsr.modelstore.get_model` (the shipped one,
    a file or a fitted model) and super-resolves the luminance ``y``.
    """
    from ..modelstore import get_model

    def upscale(y, scale, model=None):
        return get_model(family, scale, model).predict_luminance(y)

    upscale.__name__ = upscale.__qualname__ = f"upscale_{family}"
    upscale.__doc__ = summary
    return upscale


def _json_value(value):
    return value is None or isinstance(value, (bool, int, float, str))
