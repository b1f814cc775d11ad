"""GR and ANR on a Zeyde dictionary (Timofte, De Smet & Van Gool, ICCV 2013).

The projections follow the authors' ANR code for a 1024-atom dictionary:
GR with ``lambda = 0.1`` and the factor ``(1 + lambda)``; ANR with the 40
atoms most correlated with each atom, ``lambda = 0.01`` and the factor
1.01. Both use the shipped (or given) Zeyde model; the projections are
computed once per model and kept on it.
"""

import numpy as np

from ..modelstore import get_model
from ..registry import LEARNED_SCALES, register_method
from ._pipeline import PATCH_HALO, anchored_regression, prepare, reconstruct

__all__ = ["anchored_projections", "ANR_GAIN", "ANR_LAMBDA", "ANR_NEIGHBOURS",
           "global_regression", "GR_LAMBDA", "on_zeyde_dictionary", "upscale_anr",
           "upscale_gr"]

GR_LAMBDA = 0.1
ANR_NEIGHBOURS = 40
ANR_LAMBDA = 0.01
ANR_GAIN = 1.01


def global_regression(dict_lo, dict_hi, lam=GR_LAMBDA):
    """GR projection ``(out_dim, d)``: ``(1 + lam) Dh (Dl^T Dl + lam I)^-1 Dl^T``."""
    lo, hi = dict_lo.T, dict_hi.T  # atoms as columns
    gram = lo.T @ lo + lam * np.eye(lo.shape[1])
    return (1 + lam) * hi @ np.linalg.solve(gram, lo.T)


def anchored_projections(dict_lo, dict_hi, neighbours=ANR_NEIGHBOURS, lam=ANR_LAMBDA,
                         gain=ANR_GAIN):
    """ANR projections ``(n_atoms, out_dim, d)``, one per atom.

    Each atom's neighbourhood is the ``neighbours`` atoms of largest absolute
    correlation with it (itself included); ``P = gain Dh_N (Lo^T Lo + lam I)^-1 Lo^T``.
    """
    correlation = np.abs(dict_lo @ dict_lo.T)
    hood = np.argsort(-correlation, axis=1, kind="stable")[:, :neighbours]
    lo = dict_lo[hood]                      # (n_atoms, K, d): rows are atoms
    hi = dict_hi[hood]                      # (n_atoms, K, out_dim)
    gram = lo @ lo.transpose(0, 2, 1) + lam * np.eye(neighbours)   # (n, K, K)
    coef = np.linalg.solve(gram, lo)        # (n, K, d) = (Lo^T Lo + lam I)^-1 Lo^T
    return gain * hi.transpose(0, 2, 1) @ coef



_REFERENCE = "R. Timofte, V. De Smet, L. Van Gool, ICCV 2013"
_MODEL = "a Zeyde model file or ZeydeDictionary (default: shipped)"


def _derived(model, key, compute):
    """A projection derived from ``model``, computed once and kept on it."""
    cache = model.__dict__.setdefault("_derived_projections", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def on_zeyde_dictionary(y, scale, model, predict):
    """The patch pipeline on the Zeyde model; ``predict(features, model)`` gives the patches."""
    zeyde = get_model("zeyde", scale, model)
    problem = prepare(y, scale, zeyde.projection_)
    return reconstruct(problem, predict(problem.features, zeyde))


@register_method("gr", description="global regression on the Zeyde dictionary (Timofte et al.)",
                 reference=_REFERENCE, scales=LEARNED_SCALES, model="zeyde", halo=PATCH_HALO,
                 channels="luminance", options={"model": _MODEL},
                 # bytes per output pixel, x2 (the most): tracemalloc 162.5, RSS 158.7
                 # (benchmarks/bench_memory.py --per-method)
                 memory=165)
def upscale_gr(y, scale, model=None):
    """Global Regression (GR) of Timofte et al. 2013."""
    def predict(features, m):
        gr = _derived(m, "gr", lambda: global_regression(m.dict_lo_, m.dict_hi_))
        return features @ gr.T

    return on_zeyde_dictionary(y, scale, model, predict)


@register_method("anr", description="anchored neighbourhood regression (Timofte et al.)",
                 reference=_REFERENCE, scales=LEARNED_SCALES, model="zeyde", halo=PATCH_HALO,
                 channels="luminance", options={"model": _MODEL},
                 # bytes per output pixel, x2 (the most): tracemalloc 140.0, RSS 122.2
                 # (benchmarks/bench_memory.py --per-method)
                 memory=145)
def upscale_anr(y, scale, model=None):
    """Anchored Neighborhood Regression (ANR) of Timofte et al. 2013."""
    def predict(features, m):
        # single precision, like the features they apply to
        anr = _derived(m, "anr", lambda: anchored_projections(m.dict_lo_, m.dict_hi_)
                       .astype(np.float32))
        return anchored_regression(features, m.dict_lo_, anr)

    return on_zeyde_dictionary(y, scale, model, predict)
