"""Base class of the trainable example-based models (scikit-learn style)."""

import inspect
import logging
import platform

import numpy as np

from ..modelstore import load_model, save_model

logger = logging.getLogger("classicsr.train")


class TrainableModel:
    """Hyper-parameters in ``__init__``, ``fit(images)``, ``save`` / ``load``.

    Subclasses set ``method`` (the registry name of the model file) and
    ``_arrays`` (the fitted array attributes that make up the model).
    """

    method = None
    _arrays = ()
    #: dtype of each fitted array in memory (float64 unless named here).
    _array_dtypes = {}

    def get_params(self):
        """Hyper-parameters as a dict."""
        names = list(inspect.signature(type(self).__init__).parameters)[1:]
        return {name: getattr(self, name) for name in names}

    def _log(self, message):
        logger.info(message)
        if getattr(self, "verbose", False):
            print(f"[{self.method} x{self.scale}] {message}", flush=True)

    def is_fitted(self):
        return all(hasattr(self, name) for name in self._arrays)

    def save(self, path, *, overwrite=False, extra=None):
        """Write the model to ``path`` (``.npz``, no pickle) atomically."""
        if not self.is_fitted():
            raise ValueError(f"{type(self).__name__} is not fitted; call fit() first")
        import numba
        import scipy
        import sklearn

        params = {k: v for k, v in self.get_params().items() if k != "verbose"}
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
        save_model(path, {name.rstrip("_"): getattr(self, name) for name in self._arrays},
                   header, overwrite=overwrite)

    @classmethod
    def from_arrays(cls, arrays, header, path="<model>"):
        """Rebuild a fitted model from :func:`~classicsr.modelstore.load_model` output."""
        if header.get("class") != cls.__name__:
            raise ValueError(
                f"model '{path}' holds a {header.get('class')!r} model, not {cls.__name__}"
            )
        model = cls(**{k: v for k, v in header["params"].items()})
        for name in cls._arrays:
            key = name.rstrip("_")
            if key not in arrays:
                raise ValueError(f"model '{path}' lacks the array {key!r}")
            setattr(model, name, arrays[key].astype(cls._array_dtypes.get(name, np.float64)))
        model.n_training_patches_ = header.get("n_training_patches", 0)
        model.training_seconds_ = header.get("training_seconds", 0.0)
        return model

    @classmethod
    def load(cls, path, *, expected_sha256=None):
        """Load a model saved by :meth:`save`."""
        arrays, header = load_model(path, expected_sha256=expected_sha256)
        return cls.from_arrays(arrays, header, path)
