"""Uncentred PCA of patch features, as in Zeyde et al.'s training code.

Zeyde's ``learn_dict.m`` takes the eigenvectors of ``F F^T`` (no mean
removed) and drops the smallest ones that together hold less than 0.1 % of
the energy. scikit-learn's ``PCA`` always centres the data, which would
change the features, so the eigendecomposition is done here with
``numpy.linalg.eigh`` (the feature dimension is at most a few hundred).
"""

import numpy as np

__all__ = ["UncentredPCA"]


class UncentredPCA:
    """Projection onto the leading eigenvectors of the uncentred covariance.

    Parameters
    ----------
    energy_dropped : float
        Largest fraction of the total energy carried by the discarded
        (smallest) components; 1e-3 in Zeyde et al.

    Attributes
    ----------
    components_ : ndarray, shape (n_features, n_components)
        Eigenvectors, as columns, in increasing eigenvalue order (MATLAB's
        ``V(:, k:end)``).
    """

    def __init__(self, energy_dropped=1e-3):
        self.energy_dropped = energy_dropped

    def fit(self, features):
        """Fit on ``features`` of shape ``(n_samples, n_features)``."""
        f = np.asarray(features, dtype=np.float64)
        eigenvalues, eigenvectors = np.linalg.eigh(f.T @ f)
        energy = np.cumsum(eigenvalues) / eigenvalues.sum()
        first = int(np.argmax(energy >= self.energy_dropped))
        self.components_ = np.ascontiguousarray(eigenvectors[:, first:])
        return self

    def transform(self, features):
        """Project ``(n_samples, n_features)`` onto the components."""
        return features @ self.components_
