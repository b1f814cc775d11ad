"""IA, the improved A+ of Timofte, Rothe & Van Gool (CVPR 2016): seven ways beyond A+.

"Seven ways to improve example-based single image super resolution" adds to
A+ (Timofte, De Smet & Van Gool, ACCV 2014):

1. **augmentation** of the training images by their 8 rotations and flips
   (``augment``; :func:`classicsr._estimator.augmented`);
2. **large dictionaries with a fast search**: many more anchors (the paper
   goes to 65,536), the leaves of a two-level spherical k-means tree
   searched sub-linearly (``n_anchors``, ``n_coarse``, ``n_probe``;
   :mod:`~classicsr.example_based.anchor_tree`);
3. **cascading**: stages of A+, each trained on the previous stages' output
   on the training images and applied to it at test time (``n_stages``);
4. **image self-similarities**: training pairs from the input image's own
   scale pyramid added to the regressors' neighbourhoods at test time
   (``self_similarity``);
5. **back-projection** of each stage's result onto the input
   (:func:`classicsr.backprojection.backproject`, ``bp_iterations``);
6. **enhanced prediction**: the mean of each stage's results on the 8
   rotations and flips of its input (``enhanced_prediction``; as
   :func:`classicsr._image.enhanced_prediction` does for a whole method, the
   ``ensemble`` option of :func:`classicsr.upscale` for every method);
7. **context reasoning**: ``context`` (see :meth:`ImprovedAPlus.predict_luminance`).

Our own addition, not one of the paper's ways: the overlapping patches of
every stage are averaged with weights (``patch_weights``,
:func:`overlap_weights`): by default the inverse of each patch's predictive
variance under its anchor's ridge regression, times its correlation with
the anchor to the power ``confidence_power``.

Each way is a parameter of :class:`ImprovedAPlus` (training) or an option of
the registered method ``ia`` (test time), so that the ablation of the paper
(``benchmarks/bench_ia.py``) measures the gain of each.

Regressors (as A+): for each anchor, ridge regression (``lam``) from the
l2-normalised LR features of its ``n_neighbours`` most correlated training
samples (absolute correlation; ``f`` and ``-f`` give the same regressor) to
their HR residual patches, scaled alike. The neighbourhoods are searched
among the members of the anchor's nearest leaves (enough leaves for 4 times
``n_neighbours`` candidates), not among all samples: with 65,536 anchors and
millions of samples the exhaustive search would cost hours.
The per-anchor Gram matrices ``X^T X`` are kept so that the self-similarity
step can add the input's own pairs to a neighbourhood by a rank update.
"""

import time

import numpy as np

from .._image import DIHEDRAL
from .._validation import check_bool, check_int, check_real
from ..modelstore import get_model
from ..registry import LEARNED_SCALES, register_method
from ._estimator import TrainableModel
from ._pipeline import PATCH_HALO, prepare_interpolated, reconstruct
from ._training_data import count_training_pairs, normalise_pairs, training_pairs
from .anchor_tree import AnchorTree, build_anchor_tree

__all__ = ["ImprovedAPlus", "anchor_neighbourhoods", "anchored_ridge", "assign_leaves",
           "overlap_weights", "upscale_ia"]

#: Default ``confidence_power`` (see :func:`overlap_weights`).
CONFIDENCE_POWER = 8.0
#: The ``patch_weights`` choices (see :func:`overlap_weights`).
PATCH_WEIGHTS = ("uniform", "confidence", "variance", "variance_exact")
#: Smallest feature norm in the variance weights: a flat patch's weight is
#: that of a patch of this contrast (its prediction is zero detail anyway).
FEATURE_FLOOR = 1e-3
#: Most bytes of regressed patches (float32) that one batch of
#: :meth:`ImprovedAPlus._stages` holds: the 8 rotations and flips of the
#: largest Set14 image at x3 (355,000 patches of 81 values) in one batch.
BATCH_BYTES = 128 * 2**20


def anchor_neighbourhoods(lo, tree, leaf, n_neighbours, *, n_probe, candidate_factor=4):
    """The ``n_neighbours`` training samples most correlated with each anchor.

    Searched among the members of the anchor's nearest leaves -- enough
    leaves for ``candidate_factor * n_neighbours`` candidates on average --
    rather than among all samples (with 65,536 anchors and millions of
    samples the exhaustive search costs hours on two cores). When those
    leaves are all the leaves the search is exhaustive.

    Yields
    ------
    ndarray of int64
        For each anchor in turn, the sample indices of its neighbourhood
        (largest absolute correlation; unordered).
    """
    n = lo.shape[0]
    n_anchors = tree.n_anchors
    k = min(n_neighbours, n)
    order = np.argsort(leaf, kind="stable")
    edges = np.searchsorted(leaf[order], np.arange(n_anchors + 1))
    n_leaves = int(min(n_anchors, max(1, np.ceil(candidate_factor * k * n_anchors / n))))
    everything = n_leaves >= n_anchors
    nearest = None if everything else tree.search(tree.anchors, n_probe, k=n_leaves)
    for a in range(n_anchors):
        if everything:
            candidates = np.arange(n)
        else:
            leaves = nearest[a][nearest[a] >= 0]
            candidates = np.concatenate([order[edges[b]:edges[b + 1]] for b in leaves])
        if candidates.size > k:
            score = np.abs(lo[candidates] @ tree.anchors[a])
            candidates = candidates[np.argpartition(-score, k - 1)[:k]]
        yield candidates


def assign_leaves(tree, lo, n_probe, *, chunk=1 << 20, progress=False):
    """The leaf of ``tree`` each row of ``lo`` is nearest to (its tree search with
    ``n_probe``), chunk by chunk."""
    from tqdm.auto import tqdm

    leaf = np.empty(lo.shape[0], dtype=np.int64)
    for start in tqdm(range(0, lo.shape[0], chunk), desc="leaf of every sample", unit="chunk",
                      disable=not progress):
        leaf[start:start + chunk] = tree.search(lo[start:start + chunk], n_probe)[:, 0]
    return leaf


def anchored_ridge(lo, hi, tree, leaf, n_neighbours, lam, *, n_probe, candidate_factor=4,
                   progress=False):
    """A+ ridge regressors of every anchor of ``tree``.

    Parameters
    ----------
    lo, hi : ndarray
        Normalised LR features (n, d) and HR residuals (n, out), float32.
    tree : AnchorTree
    leaf : ndarray of int64 (n,)
        Leaf of each sample (from :func:`build_anchor_tree`).
    n_neighbours : int
        Samples per anchor.
    lam : float
        Ridge regulariser.
    n_probe, candidate_factor : int
        How the neighbourhoods are searched (:func:`anchor_neighbourhoods`).

    Returns
    -------
    regressors : ndarray (n_anchors, out, d), float32
    grams : ndarray (n_anchors, d, d), float32
        ``X^T X`` of each neighbourhood (without ``lam``).
    """
    from tqdm.auto import tqdm

    d = lo.shape[1]
    regressors = np.empty((tree.n_anchors, hi.shape[1], d), dtype=np.float32)
    grams = np.empty((tree.n_anchors, d, d), dtype=np.float32)
    eye = lam * np.eye(d)
    hoods = anchor_neighbourhoods(lo, tree, leaf, n_neighbours, n_probe=n_probe,
                                  candidate_factor=candidate_factor)
    for a, hood in enumerate(tqdm(hoods, total=tree.n_anchors, desc="anchor regressors",
                                  unit="anchor", disable=not progress)):
        x = lo[hood].astype(np.float64)
        y = hi[hood].astype(np.float64)
        gram = x.T @ x
        regressors[a] = np.linalg.solve(gram + eye, x.T @ y).T
        grams[a] = gram
    return regressors, grams


class ImprovedAPlus(TrainableModel):
    """IA: A+ with augmentation, a large anchor tree and a cascade of stages.

    Parameters
    ----------
    scale : int
    dictionary : ZeydeDictionary, str or None
        The Zeyde model whose PCA projects the features (every stage uses
        it; IA's anchors are its own): a fitted model or a model file;
        ``None`` is the shipped Zeyde model of the scale (the PCA of the
        gradient features of T91), so that no K-SVD is trained.
    n_anchors : int
        Anchors (leaves) per stage; the paper's largest is 65,536.
    n_coarse : int
        Coarse clusters of the anchor tree.
    n_probe : int
        Coarse clusters searched per sample when the regressors' neighbourhoods
        are gathered in training. ``n_coarse`` is the exhaustive search.
    predict_probe : int or None
        Coarse clusters searched per feature when predicting (the ``n_probe``
        option of ``ia`` overrides it); ``None``: ``n_probe``. Default 4:
        on ten T91 images at x3 (training images) the full model gives 33.5401
        dB with 4, 33.5391 with 8 and 33.5391 with 2, in 60 % of the time of
        8. Files saved before this parameter existed predict with
        ``n_probe``, as they did.
    n_neighbours : int
        Training samples per anchor (A+: 2048).
    lam : float
        Ridge regulariser (A+: 0.1).
    n_stages : int
        Cascade stages (way 3).
    pyramid_levels, pyramid_factor : int, float
        Scale augmentation of the training images (A+: 12 levels of 0.98).
    max_patches : int
        Training samples per stage, drawn at random from all the pairs of
        the (augmented) pyramid. The default takes all of them at x3 (41
        million) and x4 (27 million) and 48 of the 115 million at x2: the
        regressors gain from dense neighbourhoods (measured at x3, stage 1,
        on 10 held-out T91 images with 65,536 anchors: 8 million samples
        32.663 dB, all 31 million of the 81 other images 32.703; with 8,192
        anchors 1 / 4 / 16 million: 32.499 / 32.596 / 32.654).
    n_iter : int
        Spherical k-means iterations of each tree level.
    tree_samples : int or None
        Cluster the anchor tree on a random subset of this many samples and
        then give every sample the leaf the tree search finds for it
        (``n_probe``), so that ``max_patches`` can far exceed what the
        k-means needs: the regressors gain from dense neighbourhoods, the
        anchors hardly from more clustering data. ``None``: cluster all.
    residual_dtype : str
        Type the HR residuals are held in while training (float16 nearly
        halves the memory of a stage; the ridge solves are in float64).
    regressor_dtype : str
        Storage type of the regressors and Gram matrices in the model file
        (float16 halves it; the change it makes is measured by
        ``data/recipes/train_ia.py``).
    augment : bool
        Way 1: train on the 8 rotations and flips of every image.
    warm_start : bool
        ``fit`` keeps the stages already fitted (a loaded model's too) and
        trains only the missing ones up to ``n_stages`` (as scikit-learn's
        ``warm_start``): a cascade grows one stage at a time.
    random_state : int
    verbose : bool

    Attributes
    ----------
    projection_ : ndarray (n_features, d)
    coarse_ : ndarray (n_stages, n_coarse, d)
    anchors_ : ndarray (n_stages, n_anchors, d)
    bounds_ : ndarray of int64 (n_stages, n_coarse + 1)
    regressors_ : ndarray (n_stages, n_anchors, (3 * scale) ** 2, d)
        float32, stored with the outputs last in memory (a view of an
        ``(n_stages, n_anchors, d, (3 * scale) ** 2)`` array, the layout the
        regression kernel reads; see :func:`outputs_last`).
    grams_ : ndarray (n_stages, n_anchors, d, d)

    References
    ----------
    .. [1] R. Timofte, R. Rothe, L. Van Gool, "Seven ways to improve
       example-based single image super resolution", CVPR 2016.
    .. [2] R. Timofte, V. De Smet, L. Van Gool, "A+: Adjusted anchored
       neighborhood regression for fast super-resolution", ACCV 2014.
    """

    method = "ia"
    _arrays = ("projection_", "coarse_", "anchors_", "bounds_", "regressors_", "grams_")
    _array_dtypes = {"coarse_": np.float32, "anchors_": np.float32, "bounds_": np.int64,
                     "regressors_": np.float32, "grams_": np.float32}

    def __init__(self, scale=3, *, dictionary=None, n_anchors=65536, n_coarse=512, n_probe=8,
                 predict_probe=4, n_neighbours=2048, lam=0.1, n_stages=3, pyramid_levels=12,
                 pyramid_factor=0.98, max_patches=48_000_000, n_iter=10,
                 tree_samples=8_000_000, residual_dtype="float16", regressor_dtype="float16",
                 augment=True, warm_start=False, random_state=0, verbose=False):
        self.scale = scale
        self.dictionary = dictionary
        self.n_anchors = n_anchors
        self.n_coarse = n_coarse
        self.n_probe = n_probe
        self.predict_probe = predict_probe
        self.n_neighbours = n_neighbours
        self.lam = lam
        self.n_stages = n_stages
        self.pyramid_levels = pyramid_levels
        self.pyramid_factor = pyramid_factor
        self.max_patches = max_patches
        self.n_iter = n_iter
        self.tree_samples = tree_samples
        self.residual_dtype = residual_dtype
        self.regressor_dtype = regressor_dtype
        self.augment = augment
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    # -- training -----------------------------------------------------------
    def _check_params(self):
        check_int(self.n_anchors, "n_anchors", minimum=1)
        check_int(self.n_coarse, "n_coarse", minimum=1)
        check_int(self.n_probe, "n_probe", minimum=1)
        if self.predict_probe is not None:
            check_int(self.predict_probe, "predict_probe", minimum=1)
        check_int(self.n_neighbours, "n_neighbours", minimum=1)
        check_real(self.lam, "lam", minimum=0, strict_minimum=True)
        check_int(self.n_stages, "n_stages", minimum=1)
        check_int(self.pyramid_levels, "pyramid_levels", minimum=1)
        check_real(self.pyramid_factor, "pyramid_factor", minimum=0, strict_minimum=True,
                   maximum=1)
        check_int(self.max_patches, "max_patches", minimum=1)
        check_int(self.n_iter, "n_iter", minimum=1)
        if self.tree_samples is not None:
            check_int(self.tree_samples, "tree_samples", minimum=1)
        if self.residual_dtype not in ("float16", "float32"):
            raise ValueError(f"residual_dtype must be 'float16' or 'float32', got "
                             f"{self.residual_dtype!r}")

    def _fit(self, images):
        """Fit the stages on HR luminance images (already augmented)."""
        self._check_params()
        warm = self.warm_start and self.is_fitted()
        projection = (self.projection_ if warm else
                      get_model("zeyde", self.scale, self.dictionary).projection_)
        start = time.perf_counter()
        total = count_training_pairs(images, self.scale, overlap=2,
                                     pyramid_levels=self.pyramid_levels,
                                     pyramid_factor=self.pyramid_factor)
        fraction = min(1.0, self.max_patches / max(total, 1))
        self.projection_ = np.asarray(projection, dtype=np.float64)
        stages = self._fitted_stages() if warm else []
        if len(stages) > self.n_stages:
            raise ValueError(f"warm_start: the model has {len(stages)} stages, more than "
                             f"n_stages={self.n_stages}")
        for stage in range(len(stages), self.n_stages):
            self._log(f"stage {stage + 1}/{self.n_stages}: sampling {fraction:.3f} of "
                      f"{total} pairs")
            self._set_stages(stages)
            lo, hi = training_pairs(
                images, self.scale, overlap=2, pyramid_levels=self.pyramid_levels,
                pyramid_factor=self.pyramid_factor, projection=self.projection_,
                dtype=np.float32, progress=self.verbose, fraction=fraction,
                random_state=self.random_state + stage, residual_dtype=self.residual_dtype,
                # the previous stages as trained (n_probe), as the measured full models were
                upscaler=(lambda lr: self.predict_luminance(lr, n_stages=len(stages),
                                                            n_probe=self.n_probe))
                if stages
                else None,
            )
            normalise_pairs(lo, hi)
            self._log(f"{lo.shape[0]} samples; anchor tree of {self.n_anchors} leaves under "
                      f"{self.n_coarse} coarse clusters")
            tree, leaf = self._anchor_tree(lo, stage)
            self._log(f"{tree.n_anchors} anchors; ridge regressors on {self.n_neighbours} "
                      "samples each")
            regressors, grams = anchored_ridge(lo, hi, tree, leaf, self.n_neighbours, self.lam,
                                               n_probe=self.n_probe, progress=self.verbose)
            del lo, hi
            stages.append((tree, regressors, grams))
        self._set_stages(stages)
        self.n_training_patches_ = round(fraction * total)
        self.training_seconds_ = time.perf_counter() - start
        return self

    def _anchor_tree(self, lo, stage):
        """The stage's anchor tree and the leaf of every sample (``tree_samples``)."""
        n = lo.shape[0]
        seed = self.random_state + stage
        if self.tree_samples is None or n <= self.tree_samples:
            return build_anchor_tree(lo, self.n_anchors, self.n_coarse, n_iter=self.n_iter,
                                     random_state=seed, progress=self.verbose)
        subset = np.sort(np.random.default_rng(seed).choice(n, self.tree_samples,
                                                            replace=False))
        self._log(f"tree clustered on {subset.size} of {n} samples")
        tree, _ = build_anchor_tree(lo[subset], self.n_anchors, self.n_coarse,
                                    n_iter=self.n_iter, random_state=seed,
                                    progress=self.verbose)
        return tree, assign_leaves(tree, lo, self.n_probe, progress=self.verbose)

    def _stored(self, name):
        # Regressors and Gram matrices are float32 in memory (the kernels' type)
        # and written in ``regressor_dtype``.
        value = getattr(self, name)
        return value.astype(self.regressor_dtype) if name in ("regressors_", "grams_") else value

    def _fitted_stages(self):
        """The fitted stages as ``(tree, regressors, grams)`` (for ``warm_start``)."""
        return [(AnchorTree(self.coarse_[s], self.anchors_[s], self.bounds_[s]),
                 self.regressors_[s], self.grams_[s]) for s in range(self.n_fitted_stages)]

    def _set_stages(self, stages):
        if not stages:
            return
        n_anchors = min(t.n_anchors for t, _, _ in stages)
        n_coarse = max(t.coarse.shape[0] for t, _, _ in stages)
        d = self.projection_.shape[1]
        # Stages are stored stacked: pad to the largest coarse level (empty
        # clusters have equal bounds and a zero centroid that never wins).
        self.coarse_ = np.zeros((len(stages), n_coarse, d), dtype=np.float32)
        self.bounds_ = np.zeros((len(stages), n_coarse + 1), dtype=np.int64)
        for s, (tree, _, _) in enumerate(stages):
            c = tree.coarse.shape[0]
            self.coarse_[s, :c] = tree.coarse
            self.bounds_[s, :c + 1] = np.minimum(tree.bounds, n_anchors)
            self.bounds_[s, c + 1:] = self.bounds_[s, c]
        self.anchors_ = np.stack([t.anchors[:n_anchors] for t, _, _ in stages])
        self.regressors_ = outputs_last(np.stack([r[:n_anchors] for _, r, _ in stages]).astype(
            self.regressor_dtype))
        self.grams_ = np.stack([g[:n_anchors] for _, _, g in stages]).astype(
            self.regressor_dtype).astype(np.float32)

    # -- prediction ---------------------------------------------------------
    @property
    def n_fitted_stages(self):
        return self.anchors_.shape[0]

    def tree(self, stage):
        """The :class:`AnchorTree` of ``stage`` (built once per fitted state)."""
        return self._cached("_trees", stage, self.anchors_, lambda stage: AnchorTree(
            self.coarse_[stage], self.anchors_[stage], self.bounds_[stage]))

    def _stage(self, stage, mid, n_probe, overrides=None, context=1, patch_weights="uniform",
               confidence_power=CONFIDENCE_POWER):
        """Stage ``stage`` applied to the estimate ``mid`` (see :meth:`_stages`)."""
        return self._stages(stage, [mid], n_probe, [overrides], context, patch_weights,
                            confidence_power)[0]

    def _stages(self, stage, mids, n_probe, overrides, context=1, patch_weights="uniform",
                confidence_power=CONFIDENCE_POWER):
        """Stage ``stage`` applied to each of the estimates ``mids`` (the 8
        rotations and flips of one with enhanced prediction), ``overrides[i]``
        the self-similarity regressors of ``mids[i]`` (or None).

        The images without overrides are processed together, up to
        :data:`BATCH_BYTES` of regressed patches at once: their features are
        searched and regressed in one call each. Every patch gets what it
        would get alone; what batching saves is memory traffic: the patches
        of a call are regressed anchor after anchor, and the 8 rotations and
        flips of a Set14 image share anchors, so that a regressor (81 x 30
        floats at x3, 65,536 of them: 637 MB) is read from memory once for
        all of them rather than once per image.
        """
        from ._kernels import anchor_order, indexed_regression

        problems = [prepare_interpolated(mid, self.scale, self.projection_) for mid in mids]
        results = [problem.mid for problem in problems]
        default = (np.full(self.anchors_.shape[1], -1, dtype=np.int64),
                   np.zeros((1,) + self.regressors_.shape[2:], dtype=np.float32))
        tree = self.tree(stage)
        patch_bytes = 4 * self.regressors_.shape[2]
        regressors_t = self._regressors_t(stage)
        for batch in _batches([i for i, p in enumerate(problems) if p.grid.count],
                              [p.grid.count for p in problems],
                              [o is None for o in overrides], BATCH_BYTES // patch_bytes):
            override, table = default if overrides[batch[0]] is None else overrides[batch[0]]
            table_t = np.ascontiguousarray(np.swapaxes(table, 1, 2))
            features = (problems[batch[0]].features if len(batch) == 1 else
                        np.concatenate([problems[i].features for i in batch]))
            index = tree.search(features, n_probe, k=context)

            def regress(anchor, patches=None, features=features, override=override,
                        table_t=table_t):
                if patches is None:
                    # float32: the kernel sums in single precision
                    patches = np.empty((anchor.size, self.regressors_.shape[2]),
                                       dtype=np.float32)
                anchor = np.ascontiguousarray(anchor)
                indexed_regression(features, anchor,
                                   anchor_order(anchor, self.regressors_.shape[1]),
                                   regressors_t, override, table_t, patches)
                return patches

            weights = None
            if patch_weights != "uniform":
                weights = overlap_weights(
                    features, self.anchors_[stage], index[:, 0],
                    precisions=self.precisions(stage) if patch_weights == "variance_exact"
                    else None,
                    isotropic=self.leverage_terms(stage) if patch_weights == "variance"
                    else None,
                    confidence_power=confidence_power)
            patches = regress(index[:, 0]) if context == 1 else None
            first = 0
            for i in batch:
                problem = problems[i]
                part = slice(first, first + problem.grid.count)
                first = part.stop
                if context == 1:
                    mine = patches[part]
                else:
                    mine = _context_choice(problem.grid, index[part],
                                           lambda anchor, out, f=features[part]:
                                           regress(anchor, out, f))
                results[i] = reconstruct(problem, mine,
                                         None if weights is None else weights[part])
        return results

    def _inverse_blocks(self, stage, block=4096):
        """``(G + lam I)^-1`` of the anchors of ``stage``, block by block (bounded
        float64 temporaries)."""
        grams = self.grams_[stage]
        eye = self.lam * np.eye(grams.shape[-1])
        for start in range(0, grams.shape[0], block):
            yield start, np.linalg.inv(grams[start:start + block].astype(np.float64) + eye)

    def _cached(self, name, stage, owner, compute):
        """``compute(stage)``, kept in the cache ``name`` while the fitted array
        ``owner`` it derives from is the model's (emptied when it is replaced)."""
        key = (id(owner), stage)
        cache = self.__dict__.setdefault(name, {})
        if key not in cache:
            if any(k[0] != key[0] for k in cache):
                cache.clear()
            cache[key] = compute(stage)
        return cache[key]

    def precisions(self, stage):
        """``(G + lam I)^-1`` of every anchor of ``stage`` (``G`` its stored Gram
        matrix), float32, computed once per fitted state (``"variance_exact"``)."""
        def compute(stage):
            out = np.empty(self.grams_[stage].shape, dtype=np.float32)
            for start, inverse in self._inverse_blocks(stage):
                out[start:start + inverse.shape[0]] = inverse
            return out
        return self._cached("_precisions", stage, self.grams_, compute)

    def leverage_terms(self, stage):
        """Per anchor of ``stage``, ``alpha = a^T P a`` and ``beta = (tr P -
        alpha) / (d - 1)`` with ``P = (G + lam I)^-1`` (``"variance"``; see
        :func:`overlap_weights`), computed once per fitted state."""
        def compute(stage):
            anchors = self.anchors_[stage].astype(np.float64)
            alpha = np.empty(anchors.shape[0])
            beta = np.empty(anchors.shape[0])
            d = anchors.shape[1]
            for start, inverse in self._inverse_blocks(stage):
                rows = slice(start, start + inverse.shape[0])
                alpha[rows] = np.einsum("ad,ade,ae->a", anchors[rows], inverse, anchors[rows])
                beta[rows] = (np.trace(inverse, axis1=1, axis2=2) - alpha[rows]) / max(d - 1, 1)
            return alpha, beta
        return self._cached("_leverage_terms", stage, self.grams_, compute)

    def _predict_probe(self):
        return self.n_probe if self.predict_probe is None else self.predict_probe

    def _regressors_t(self, stage):
        """The regressors of ``stage`` transposed, ``(n_anchors, d, n_out)``
        C-contiguous: a view where ``regressors_`` is stored outputs last (as
        loaded or fitted), else a copy kept with the fitted state."""
        transposed = np.swapaxes(self.regressors_[stage], 1, 2)
        if transposed.flags.c_contiguous and transposed.dtype == np.float32:
            return transposed
        return self._cached("_regressors_t", stage, self.regressors_,
                            lambda s: np.ascontiguousarray(
                                np.swapaxes(self.regressors_[s], 1, 2), dtype=np.float32))

    @classmethod
    def _from_stored(cls, name, array):
        if name == "regressors_":
            return outputs_last(array)
        return super()._from_stored(name, array)

    @classmethod
    def from_arrays(cls, arrays, header, path="<model>"):
        model = super().from_arrays(arrays, header, path)
        if "predict_probe" not in header.get("params", {}):
            model.predict_probe = None  # saved before it existed: predicted with n_probe
        return model

    def self_similarity_regressors(self, lr, stage, n_probe=None, *, levels=6, weight=1.0):
        """Way 4: the regressors of ``stage`` updated with the input's own pairs.

        The pairs are those of the training pipeline taken from ``lr``
        itself as the HR image (and ``levels`` downscaled copies, factor
        0.98): ``lr`` downscaled by the scale, upscaled by the earlier
        stages, features and residuals. Each pair joins the neighbourhood of
        its nearest anchor with ``weight``: ``R' = (C + w Y^T X)(G + lam I +
        w X^T X)^-1`` with ``G`` the stored Gram matrix and ``C = R (G + lam
        I)`` (a rank update of the anchor's ridge regression).

        Returns
        -------
        override : ndarray of int64 (n_anchors,)
            Row of each anchor's updated regressor in ``table`` (-1: unchanged).
        table : ndarray (m, out, d), float32
        """
        n_probe = self._predict_probe() if n_probe is None else n_probe
        n_anchors = self.anchors_.shape[1]
        override = np.full(n_anchors, -1, dtype=np.int64)
        empty = (override, np.zeros((1,) + self.regressors_.shape[2:], dtype=np.float32))
        if min(lr.shape) < 5 * self.scale:
            return empty
        try:
            lo, hi = training_pairs(
                [lr], self.scale, overlap=2, pyramid_levels=levels, pyramid_factor=0.98,
                projection=self.projection_, dtype=np.float32,
                upscaler=(lambda x: self.predict_luminance(x, n_stages=stage, n_probe=n_probe))
                if stage else None)
        except ValueError:  # no pairs: the input is too small
            return empty
        normalise_pairs(lo, hi)
        index = self.tree(stage).search(lo, n_probe)[:, 0]
        order = np.argsort(index, kind="stable")
        touched, starts = np.unique(index[order], return_index=True)
        ends = np.append(starts[1:], index.size)
        lam = self.lam
        d = lo.shape[1]
        updated = np.empty((touched.size, hi.shape[1], d), dtype=np.float32)
        for j, a in enumerate(touched):
            rows = order[starts[j]:ends[j]]
            x = lo[rows].astype(np.float64)
            y = hi[rows].astype(np.float64)
            gram = self.grams_[stage][a].astype(np.float64) + lam * np.eye(d)
            c = self.regressors_[stage][a].astype(np.float64) @ gram
            updated[j] = np.linalg.solve(gram + weight * (x.T @ x),
                                         (c + weight * (y.T @ x)).T).T
        override[touched] = np.arange(touched.size)
        return override, updated

    def predict_luminance(self, lr, *, n_stages=None, n_probe=None, self_similarity=False,
                          self_similarity_weight=1.0, context=1, enhanced_prediction=False,
                          bp_iterations=0, patch_weights="uniform",
                          confidence_power=CONFIDENCE_POWER):
        """The cascade on a luminance image in [0, 1].

        Each stage refines the current estimate (the bicubic interpolation
        of ``lr`` at first). With ``enhanced_prediction`` (way 6) the stage
        is applied to the 8 rotations and flips of the estimate and the
        results, transformed back, are averaged; with ``bp_iterations``
        (way 5) the stage's result is then back-projected onto ``lr``. Both
        at every stage, so that the next stage starts from the averaged,
        consistent estimate: on ten T91 images this gains 0.013-0.020 dB at
        x2-x4 over the mean of 8 whole cascades back-projected once (the
        shipped 2-stage models; see ``benchmarks/results/ia_measured.md``),
        for ``n_stages - 1`` more back-projections.

        ``context`` > 1 is way 7, context reasoning: each patch's regressor
        is chosen among those of its ``context`` most correlated anchors as
        the one whose HR patch agrees best with its neighbours' (the
        overlap-average of the patches chosen so far), by two sweeps of
        iterated conditional modes from the nearest-anchor choice.

        ``patch_weights`` is how the overlapping patches of every stage are
        averaged: ``"uniform"`` (the plain mean, A+'s and the paper's),
        ``"confidence"``, ``"variance"`` or ``"variance_exact"`` (see
        :func:`overlap_weights`; ``ia`` uses ``"variance"``; training builds
        the stages' inputs with the plain mean, as the measured full models
        were built). With
        ``self_similarity`` the variances are those of the stored
        neighbourhoods, without the input's own pairs.
        """
        from .._image import dihedral, undo_dihedral
        from ..backprojection import backproject_trusted
        from ..resize._imresize import resize_trusted

        n_stages = self.n_fitted_stages if n_stages is None else min(n_stages,
                                                                     self.n_fitted_stages)
        n_probe = self._predict_probe() if n_probe is None else n_probe
        transforms = range(DIHEDRAL) if enhanced_prediction else (0,)
        internal = {k: None for k in transforms}
        if self_similarity:
            internal = {k: [self.self_similarity_regressors(dihedral(lr, k), s, n_probe,
                                                            weight=self_similarity_weight)
                            for s in range(n_stages)] for k in transforms}
        out = resize_trusted(lr, self.scale)
        for stage in range(n_stages):
            results = self._stages(
                stage, [dihedral(out, k) for k in transforms], n_probe,
                [None if internal[k] is None else internal[k][stage] for k in transforms],
                context, patch_weights, confidence_power)
            total = None
            for k, result in zip(transforms, results):
                result = undo_dihedral(result, k)
                total = result.copy() if total is None else total + result
            out = total / len(transforms)
            if bp_iterations:
                out = backproject_trusted(out, lr, bp_iterations)
        return out


def overlap_weights(features, anchors, anchor, *, precisions=None, isotropic=None,
                    confidence_power=CONFIDENCE_POWER):
    """Weight of each patch in the overlap-average of a stage.

    ``c = |cos(f, a)| ** confidence_power``, the absolute correlation of the
    patch's feature ``f`` with its anchor ``a`` (unit rows) normalised by
    ``|f|``: the ``"confidence"`` weights. With ``precisions`` (the anchors'
    ``P = (G + lam I)^-1``, ``G`` the Gram matrix of the anchor's training
    neighbourhood; :meth:`ImprovedAPlus.precisions`) ``c / (|f|^2 h)`` with
    ``h = u^T P u``, ``u = f / |f|`` (``"variance_exact"``); with
    ``isotropic = (alpha, beta)`` (:meth:`ImprovedAPlus.leverage_terms`) the
    same with ``h ~ alpha_a cos^2 + beta_a (1 - cos^2)``, ``alpha_a = a^T P
    a`` and ``beta_a`` the mean of ``P`` across the directions orthogonal to
    ``a`` (``"variance"``: O(d) per patch instead of O(d^2)).

    ``|f|^2 h`` is, up to the noise level, the predictive variance of the
    ridge regression at ``f`` (the features and HR residuals are scaled by
    ``|f|`` alike): where patches overlap, those whose prediction the
    anchor's neighbourhood supports count more, and a patch far from its
    anchor counts less again (``c``). Our own addition, not one of the
    paper's ways.

    Measured on 10 T91 images set apart (a 1,024-anchor x3 model trained on
    the other 81, enhanced prediction and back-projection): uniform 33.1809
    dB; ``"confidence"`` with powers 2 / 4 / 8 / 12 / 16 / 32: 33.1896 /
    33.1950 / 33.1987 / 33.1972 / 33.1938 / 33.1718; ``"variance_exact"``
    with powers 0 / 4 / 8: 33.2448 / 33.2563 / 33.2590 (``|f|^-1`` instead
    of ``|f|^-2``: 33.2472; ``h^-2``: 33.2352); ``"variance"`` (power 8)
    33.2507.
    """
    from ._kernels import anchor_order, anchor_weights, quadratic_forms

    features = np.ascontiguousarray(features, dtype=np.float32)
    anchor = np.ascontiguousarray(anchor, dtype=np.int64)
    empty = np.zeros(0)
    alpha, beta = (empty, empty) if isotropic is None else isotropic
    leverage = np.zeros(0, dtype=np.float32)  # float32 as computed: one specialisation
    if precisions is not None:
        leverage = np.empty(anchor.size, dtype=np.float32)
        quadratic_forms(features, anchor, anchor_order(anchor, anchors.shape[0]), precisions,
                        leverage)
    weights = np.empty(anchor.size)
    anchor_weights(features, np.ascontiguousarray(anchors, dtype=np.float32), anchor,
                   np.ascontiguousarray(alpha, np.float64), np.ascontiguousarray(beta, np.float64),
                   leverage, float(confidence_power), FEATURE_FLOOR, weights)
    return weights


def outputs_last(regressors):
    """``regressors`` (..., n_out, d) in float32, stored with the outputs last
    in memory: a view, of the same shape, of a C-contiguous (..., d, n_out)
    array (one copy, no other temporary). Each regressor's transpose is then
    contiguous, as :func:`~classicsr.example_based._kernels.indexed_regression`
    reads it, without a second copy of the model in memory."""
    return np.swapaxes(np.swapaxes(regressors, -1, -2).astype(np.float32, order="C"), -1, -2)


def _batches(items, sizes, batchable, budget):
    """``items`` in order, in batches: consecutive batchable ones whose
    ``sizes`` sum to at most ``budget`` (at least one each), the others
    alone."""
    batch, total = [], 0
    for i in items:
        if batch and (not batchable[i] or total + sizes[i] > budget):
            yield batch
            batch, total = [], 0
        batch.append(i)
        total += sizes[i]
        if not batchable[i]:
            yield batch
            batch, total = [], 0
    if batch:
        yield batch


def _context_choice(grid, index, regress, sweeps=2):
    """Way 7: per patch, the candidate regression (one per column of ``index``)
    closest to the overlap-average of the current choices (ICM sweeps).

    ``regress(anchor, out)`` writes the regression of every patch by its
    ``anchor`` into ``out``.
    """
    from ..patches import overlap_add
    from ._kernels import context_errors

    n, k = index.shape
    candidates = np.empty((k, n, grid.size * grid.size), dtype=np.float32)
    for j in range(k):
        regress(np.where(index[:, j] >= 0, index[:, j], index[:, 0]), candidates[j])
    rows = np.arange(n)
    valid = np.ascontiguousarray(index >= 0)
    error = np.empty((k, n))
    choice = np.zeros(n, dtype=np.int64)
    for _ in range(sweeps):
        consensus, _ = overlap_add(candidates[choice, rows], grid)
        context_errors(candidates, valid, consensus, grid.rows, grid.cols, grid.size, error)
        choice = np.argmin(error, axis=0)
    return candidates[choice, rows]


ImprovedAPlus.register_family()


_IA_OPTIONS = {
    "model": "an IA model file or ImprovedAPlus (default: the user's built model when "
             "present, else the shipped one)",
    "stages": "cascade stages to apply (default: all of the model's)",
    "n_probe": "coarse clusters searched per patch (default: the model's predict_probe; n_coarse "
               "is the exhaustive search)",
    "self_similarity": "add the input's own pyramid pairs to the regressors (way 4)",
    "self_similarity_weight": "weight of the input's own pairs",
    "bp_iterations": "iterations of back-projection onto the input (way 5; "
                                 "0: none)",
    "enhanced_prediction": "mean over the 8 rotations and flips of the input (way 6)",
    "context": "candidate anchors per patch for context reasoning (way 7; 1: the nearest "
               "anchor only)",
    "patch_weights": "how overlapping patches are averaged: 'variance' (inverse predictive "
                     "variance, isotropic approximation, times the anchor correlation to "
                     "confidence_power), 'variance_exact' (the same, exact), "
                     "'confidence' (the anchor correlation to confidence_power) or "
                     "'uniform' (the plain mean, as A+ and the paper)",
    "confidence_power": "power of each patch's normalised anchor correlation in its weight",
}


def upscale_ia(y, scale, model=None, stages=None, n_probe=None, self_similarity=False,
               self_similarity_weight=1.0, bp_iterations=20,
               enhanced_prediction=True, context=1, patch_weights="variance",
               confidence_power=CONFIDENCE_POWER):
    """IA of Timofte, Rothe & Van Gool (CVPR 2016) on a luminance image in [0, 1]."""
    check_bool(self_similarity, "self_similarity")
    check_bool(enhanced_prediction, "enhanced_prediction")
    check_real(self_similarity_weight, "self_similarity_weight", minimum=0)
    check_int(bp_iterations, "bp_iterations", minimum=0)
    if stages is not None:
        check_int(stages, "stages", minimum=1)
    if n_probe is not None:
        check_int(n_probe, "n_probe", minimum=1)
    check_int(context, "context", minimum=1)
    check_real(confidence_power, "confidence_power", minimum=0)
    if patch_weights not in PATCH_WEIGHTS:
        raise ValueError(f"patch_weights must be one of {PATCH_WEIGHTS}, got {patch_weights!r}")
    fitted = get_model("ia", scale, model)
    return fitted.predict_luminance(y, n_stages=stages, n_probe=n_probe,
                                    self_similarity=self_similarity,
                                    self_similarity_weight=self_similarity_weight,
                                    context=context, enhanced_prediction=enhanced_prediction,
                                    bp_iterations=bp_iterations,
                                    patch_weights=patch_weights,
                                    confidence_power=confidence_power)


register_method("ia", description="IA: A+ improved by the seven ways (Timofte et al. 2016)",
                reference="R. Timofte, R. Rothe, L. Van Gool, CVPR 2016",
                scales=LEARNED_SCALES, model="ia", halo=PATCH_HALO, channels="luminance",
                options=_IA_OPTIONS)(upscale_ia)
