"""NE+LLE on the atoms of a Zeyde dictionary (Chang, Yeung & Xiong, CVPR 2004).

As benchmarked in the ANR paper: each feature is the LLE combination of the
24 atoms most correlated with it, with the regulariser ``1e-4 * trace(C)``.
"""

import numpy as np

from ..registry import LEARNED_SCALES, register_method
from ._pipeline import PATCH_HALO
from .anr import on_zeyde_dictionary

__all__ = ["LLE_NEIGHBOURS", "lle_patches", "LLE_TOL", "upscale_lle"]

LLE_NEIGHBOURS = 24
LLE_TOL = 1e-4


def lle_patches(features, dict_lo, dict_hi, neighbours=LLE_NEIGHBOURS, tol=LLE_TOL):
    """NE+LLE: each feature as the LLE combination of its ``neighbours`` atoms.

    The atoms of largest absolute correlation with the feature, their local
    covariance regularised by ``tol * trace``, weights summing to one (see
    :func:`classicsr.example_based._kernels.lle_apply`).
    """
    from ._kernels import lle_apply

    neighbours = int(neighbours)
    if not 1 <= neighbours <= dict_lo.shape[0]:
        raise ValueError(f"neighbours must be between 1 and the {dict_lo.shape[0]} atoms, "
                         f"got {neighbours}")
    features = np.ascontiguousarray(features, dtype=np.float64)
    out = np.empty((features.shape[0], dict_hi.shape[1]))
    lle_apply(features, np.ascontiguousarray(dict_lo.T, dtype=np.float64),
              np.ascontiguousarray(dict_lo, dtype=np.float64),
              np.ascontiguousarray(dict_hi, dtype=np.float64), neighbours, float(tol), out)
    return out



@register_method("lle", description="neighbour embedding with LLE on dictionary atoms",
                 reference="H. Chang, D.-Y. Yeung, Y. Xiong, CVPR 2004 (as benchmarked in ANR)",
                 scales=LEARNED_SCALES, model="zeyde", halo=PATCH_HALO, channels="luminance",
                 options={"model": "a Zeyde model file or ZeydeDictionary (default: shipped)"},
                 # bytes per output pixel, x2 (the most): tracemalloc 162.5, RSS 162.9
                 # (benchmarks/bench_memory.py --per-method)
                 memory=165)
def upscale_lle(y, scale, model=None):
    """NE+LLE of Chang et al. with the 24 nearest atoms of the Zeyde dictionary."""
    return on_zeyde_dictionary(y, scale, model,
                               lambda f, m: lle_patches(f, m.dict_lo_, m.dict_hi_))
