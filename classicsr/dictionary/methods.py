"""Registry entries of the example-based methods and their model loading.

Each method works on the Y channel in [0, 1] (``channels='luminance'``) and
takes ``model=PATH`` for a model the user trained; without it, the model
shipped in ``classicsr/models`` for that scale is used (sha256-checked).
"""

import functools
from pathlib import Path

import numpy as np

from ..modelstore import load_model, shipped_model_path
from ..registry import register_method
from .pipeline import anchored_regression, prepare, reconstruct
from .regression import anchored_projections, global_regression, lle_patches
from .zeyde import ZeydeDictionary

SCALES = (2, 3, 4)
#: LR pixels of context: 3x3 patches, +-1 px of feature filter support at LR
#: resolution, and the bicubic interpolation's 2-pixel support, plus margin.
PATCH_HALO = 8
#: ScSR's back-projection (20 iterations of a 5x5 filter and two bicubic
#: resizes) spreads information much further than its patches; this bounds
#: the influence that remains above rounding (see classicsr.dask).
SCSR_HALO = 32


def _load(cls, method, scale, path):
    """Load (cached by path, size and modification time) and check the scale."""
    stamp = None
    if path is not None:
        stat = Path(path).stat() if Path(path).exists() else None
        stamp = None if stat is None else (stat.st_size, stat.st_mtime_ns)
    return _load_cached(cls, method, scale, path, stamp)


@functools.lru_cache(maxsize=16)
def _load_cached(cls, method, scale, path, stamp):
    if path is None:
        path, entry = shipped_model_path(method, scale)
        arrays, header = load_model(path, expected_sha256=entry["sha256"])
    else:
        arrays, header = load_model(path)
    model = cls.from_arrays(arrays, header, path)
    if model.scale != scale:
        raise ValueError(f"model '{path}' is for x{model.scale}, not x{scale}")
    return model


def load_for(cls, method, scale, model):
    """The model object for ``scale``: a path, a fitted model, or the shipped one."""
    if isinstance(model, cls):
        if model.scale != scale:
            raise ValueError(f"model is for x{model.scale}, not x{scale}")
        return model
    if model is not None and not isinstance(model, (str, Path)):
        raise TypeError(f"model must be a path or a {cls.__name__}, got {type(model).__name__}")
    return _load(cls, method, scale, None if model is None else str(Path(model)))


@functools.lru_cache(maxsize=16)
def _gr(model):
    return global_regression(model.dict_lo_, model.dict_hi_)


@functools.lru_cache(maxsize=16)
def _anr(model):
    # single precision, like the features they apply to
    return anchored_projections(model.dict_lo_, model.dict_hi_).astype(np.float32)


def _on_zeyde_dictionary(y, scale, model, predict):
    """Patch pipeline with the Zeyde model; ``predict(features, model)`` gives the patches."""
    m = load_for(ZeydeDictionary, "zeyde", scale, model)
    problem = prepare(y, scale, m.projection_)
    return reconstruct(problem, predict(problem.features, m))


_ZEYDE_REF = "R. Zeyde, M. Elad, M. Protter, Curves and Surfaces 2010"
_ANR_REF = "R. Timofte, V. De Smet, L. Van Gool, ICCV 2013"


@register_method("zeyde", description="sparse coding: K-SVD dictionary + OMP (Zeyde et al.)",
                 reference=_ZEYDE_REF, scales=SCALES, needs_model=True, halo=PATCH_HALO,
                 channels="luminance")
def upscale_zeyde(y, scale, model=None):
    """Zeyde et al.'s sparse-representation scale-up of a luminance image."""
    return load_for(ZeydeDictionary, "zeyde", scale, model).upscale(y)


@register_method("gr", description="global regression on the Zeyde dictionary (Timofte et al.)",
                 reference=_ANR_REF, scales=SCALES, needs_model=True, halo=PATCH_HALO,
                 channels="luminance")
def upscale_gr(y, scale, model=None):
    """Global Regression (GR) of Timofte et al. 2013."""
    return _on_zeyde_dictionary(y, scale, model, lambda f, m: f @ _gr(m).T)


@register_method("anr", description="anchored neighbourhood regression (Timofte et al.)",
                 reference=_ANR_REF, scales=SCALES, needs_model=True, halo=PATCH_HALO,
                 channels="luminance")
def upscale_anr(y, scale, model=None):
    """Anchored Neighborhood Regression (ANR) of Timofte et al. 2013."""
    return _on_zeyde_dictionary(
        y, scale, model, lambda f, m: anchored_regression(f, m.dict_lo_, _anr(m)))


@register_method("lle", description="neighbour embedding with LLE on dictionary atoms",
                 reference="H. Chang, D.-Y. Yeung, Y. Xiong, CVPR 2004 (as benchmarked in ANR)",
                 scales=SCALES, needs_model=True, halo=PATCH_HALO, channels="luminance")
def upscale_lle(y, scale, model=None):
    """NE+LLE of Chang et al. with the 24 nearest atoms of the Zeyde dictionary."""
    return _on_zeyde_dictionary(
        y, scale, model, lambda f, m: lle_patches(f, m.dict_lo_, m.dict_hi_))


@register_method("aplus", description="A+: adjusted anchored neighbourhood regression",
                 reference="R. Timofte, V. De Smet, L. Van Gool, ACCV 2014",
                 scales=SCALES, needs_model=True, halo=PATCH_HALO, channels="luminance")
def upscale_aplus(y, scale, model=None):
    """A+ of Timofte et al. 2014 (1024 anchors, 2048 samples each, lambda 0.1)."""
    from .aplus import APlus

    return load_for(APlus, "aplus", scale, model).upscale(y)


@register_method("kmeans", description="k-means clusters, a sub-dictionary and ridge map each",
                 reference="Yang & Yang ICCV 2013; Dong et al. TIP 2011 (clustered dictionaries)",
                 scales=SCALES, needs_model=True, halo=PATCH_HALO, channels="luminance")
def upscale_kmeans(y, scale, model=None):
    """Clustered sub-dictionaries with ridge regressors (see :mod:`classicsr.dictionary.kmeans`)."""
    from .kmeans import KMeansRegressors

    return load_for(KMeansRegressors, "kmeans", scale, model).upscale(y)


@register_method("scsr", description="sparse coding with a coupled L1 dictionary (Yang et al.)",
                 reference="J. Yang, J. Wright, T. Huang, Y. Ma, IEEE TIP 2010",
                 scales=SCALES, needs_model=True, halo=SCSR_HALO, channels="luminance")
def upscale_scsr(y, scale, model=None):
    """ScSR: feature-sign coding of every 5x5 mid-res patch, then back-projection."""
    from .scsr import ScSRDictionary

    return load_for(ScSRDictionary, "scsr", scale, model).upscale(y)
