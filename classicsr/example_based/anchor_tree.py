"""Large anchor sets with a sub-linear search: a two-level spherical k-means tree.

Way 2 of Timofte, Rothe & Van Gool ("Seven ways to improve example-based
single image super resolution", CVPR 2016): A+ keeps improving as the number
of anchors grows (the paper goes to 65,536), but the exhaustive search of a
patch's most correlated anchor grows with it. The anchors here are the
leaves of a two-level tree: the l2-normalised training features are
clustered into ``n_coarse`` coarse clusters, and the members of each coarse
cluster into leaves (their number proportional to the cluster's size, about
``n_anchors`` in all). A feature is compared with the coarse centroids, then
only with the leaves of its ``n_probe`` most correlated coarse clusters:
``n_coarse + n_probe * n_anchors / n_coarse`` correlations instead of
``n_anchors`` (65,536 anchors, 256 coarse clusters, 8 probes: 2,304, 28
times fewer). ``n_probe = n_coarse`` is the exhaustive search.

Both levels use the antipodally symmetric spherical k-means of
:func:`~classicsr.example_based.kmeans.spherical_kmeans` (assignment by
absolute correlation, as A+'s anchor choice), so ``f`` and ``-f`` share a
leaf and the regressors stay odd.

Why not scikit-learn's ``NearestNeighbors`` / a KD-tree: the search is by
absolute correlation on the unit sphere, in ~30 dimensions, for ~10^5
features per image; KD-trees are no faster than brute force there, and the
tree above is the structure the paper proposes. The search is one Numba
kernel (:func:`~classicsr.example_based._kernels.tree_search`).
"""

from dataclasses import dataclass

import numpy as np

from .._blas import single_threaded_blas
from .kmeans import spherical_kmeans

__all__ = ["AnchorTree", "build_anchor_tree", "split_counts"]


@dataclass
class AnchorTree:
    """Anchors grouped by coarse cluster.

    Attributes
    ----------
    coarse : ndarray (n_coarse, d)
        Unit-norm coarse centroids.
    anchors : ndarray (n_anchors, d)
        Unit-norm anchors (leaves), those of coarse cluster ``c`` in rows
        ``bounds[c]:bounds[c + 1]``.
    bounds : ndarray of int64 (n_coarse + 1,)
    """

    coarse: np.ndarray
    anchors: np.ndarray
    bounds: np.ndarray

    def __post_init__(self):
        # The search kernel reads, in single precision as the features, the
        # coarse centroids as columns of one (d, n_coarse) array and the leaves
        # of each coarse cluster as a run of rows of the anchors.
        self._coarse_t = np.ascontiguousarray(self.coarse.T, dtype=np.float32)
        self._bounds = np.ascontiguousarray(self.bounds, dtype=np.int64)
        self._anchors = np.ascontiguousarray(self.anchors, dtype=np.float32)

    @property
    def n_anchors(self):
        return self.anchors.shape[0]

    def search(self, features, n_probe, k=1):
        """Indices ``(n, k)`` of the ``k`` anchors most correlated (in absolute
        value) with each feature row among the leaves of its ``n_probe``
        most correlated coarse clusters, best first (``-1`` where fewer
        anchors were searched; the first seen on ties).

        One Numba kernel (:func:`~classicsr.example_based._kernels.tree_search`):
        the probed leaves of all features are correlated cluster by cluster,
        each cluster's features at once with BLAS.
        """
        from ._kernels import tree_search

        n_probe = int(min(max(n_probe, 1), self.coarse.shape[0]))
        k = int(min(k, self.n_anchors))
        features = np.ascontiguousarray(features, dtype=np.float32)
        out = np.full((features.shape[0], k), -1, dtype=np.int64)
        if features.shape[0]:
            # The kernel's threads each call BLAS on their own block: BLAS's
            # own threads on top would oversubscribe the cores (1.6x slower).
            with single_threaded_blas():
                tree_search(features, self._coarse_t, self._anchors, self._bounds, n_probe, out)
        return out

    def correlations(self, n_probe):
        """Correlations computed per feature by :meth:`search` (on average)."""
        sizes = np.diff(self.bounds)
        return self.coarse.shape[0] + n_probe * float(sizes.mean())


def split_counts(sizes, total):
    """Split ``total`` leaves over clusters of ``sizes`` members, proportionally
    (largest remainders), at least one per non-empty cluster and at most its
    member count."""
    sizes = np.asarray(sizes, dtype=np.int64)
    share = sizes / max(int(sizes.sum()), 1) * total
    counts = np.floor(share).astype(np.int64)
    order = np.argsort(-(share - counts), kind="stable")
    counts[order[: max(total - int(counts.sum()), 0)]] += 1
    counts = np.minimum(np.maximum(counts, (sizes > 0).astype(np.int64)), sizes)
    while counts.sum() > max(total, int((sizes > 0).sum())):  # the minimum of one added
        counts[np.argmax(counts)] -= 1
    return counts


def build_anchor_tree(samples, n_anchors, n_coarse, *, n_iter=10, random_state=0,
                      progress=False):
    """Two-level spherical k-means of unit-norm ``samples`` (float32 rows).

    Returns
    -------
    tree : AnchorTree
    leaf : ndarray of int64 (n_samples,)
        The leaf (anchor row) each sample was assigned to while clustering.
    """
    from tqdm.auto import tqdm

    n = samples.shape[0]
    n_coarse = int(min(n_coarse, n_anchors, n))
    coarse, labels = spherical_kmeans(samples, n_coarse, n_iter=n_iter,
                                      random_state=random_state)
    order = np.argsort(labels, kind="stable")
    edges = np.searchsorted(labels[order], np.arange(n_coarse + 1))
    counts = split_counts(np.diff(edges), int(min(n_anchors, n)))
    anchors, bounds = [], [0]
    leaf = np.empty(n, dtype=np.int64)
    rng = np.random.default_rng(random_state)
    for c in tqdm(range(n_coarse), desc="anchor leaves", unit="cluster", disable=not progress):
        members = order[edges[c]:edges[c + 1]]
        k = int(counts[c])
        if k == 0:
            bounds.append(bounds[-1])
            continue
        sub = samples[members]
        if k >= members.size:
            leaves, sub_labels = sub.astype(np.float64), np.arange(members.size)
        else:
            leaves, sub_labels = spherical_kmeans(sub, k, n_iter=n_iter,
                                                  random_state=int(rng.integers(2**31)))
        leaf[members] = bounds[-1] + sub_labels
        anchors.append(leaves)
        bounds.append(bounds[-1] + leaves.shape[0])
    tree = AnchorTree(coarse.astype(np.float32), np.concatenate(anchors).astype(np.float32),
                      np.asarray(bounds, dtype=np.int64))
    return tree, leaf
