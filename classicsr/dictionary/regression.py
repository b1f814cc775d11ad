"""GR, ANR and NE+LLE on a Zeyde dictionary (Timofte et al. ICCV 2013; Chang et al. 2004).

The projections follow the authors' ANR code for a 1024-atom dictionary:
GR with ``lambda = 0.1`` and the factor ``(1 + lambda)``; ANR with the 40
atoms most correlated with each atom, ``lambda = 0.01`` and the factor
1.01; NE+LLE with the 24 atoms most correlated with the feature and the LLE
regulariser ``1e-4 * trace(C)``.
"""

import numpy as np

GR_LAMBDA = 0.1
ANR_NEIGHBOURS = 40
ANR_LAMBDA = 0.01
ANR_GAIN = 1.01
LLE_NEIGHBOURS = 24
LLE_TOL = 1e-4


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


def lle_patches(features, dict_lo, dict_hi, neighbours=LLE_NEIGHBOURS, tol=LLE_TOL):
    """NE+LLE: each feature as the LLE combination of its ``neighbours`` atoms.

    The atoms of largest absolute correlation with the feature, their local
    covariance regularised by ``tol * trace``, weights summing to one (see
    :func:`classicsr.dictionary._kernels.lle_apply`).
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

