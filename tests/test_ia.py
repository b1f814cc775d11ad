"""IA (Timofte, Rothe & Van Gool, CVPR 2016): the anchor tree, the stages, the ways."""

import numpy as np
import pytest
from skimage import data

import classicsr
from classicsr.degradation import degrade
from classicsr.example_based import ImprovedAPlus
from classicsr.example_based.anchor_tree import build_anchor_tree, split_counts
from classicsr.example_based.ia import (
    overlap_weights,
    anchor_neighbourhoods,
    anchored_ridge,
    assign_leaves,
)

RECALL = 0.88  # measured 0.884


def _unit_rows(n, d, seed):
    x = np.random.default_rng(seed).standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def tree_and_samples():
    samples = _unit_rows(6000, 12, 0)
    tree, leaf = build_anchor_tree(samples, 256, 16, n_iter=5, random_state=0)
    return tree, leaf, samples


def test_split_counts_is_proportional_and_bounded():
    counts = split_counts([10, 0, 3, 87], 20)
    assert counts.sum() == 20 and counts[1] == 0 and counts[2] >= 1
    assert np.all(counts <= [10, 0, 3, 87])
    assert split_counts([2, 2], 10).tolist() == [2, 2]  # at most the members
    assert split_counts([50, 1, 1, 1], 3).sum() == 4  # one per non-empty cluster at least
    assert split_counts([5] * 15 + [400], 16).tolist() == [1] * 16


def test_tree_groups_every_anchor_under_one_coarse_cluster(tree_and_samples):
    tree, leaf, samples = tree_and_samples
    assert tree.bounds[0] == 0 and tree.bounds[-1] == tree.n_anchors
    assert np.all(np.diff(tree.bounds) >= 0)
    assert leaf.min() >= 0 and leaf.max() < tree.n_anchors
    np.testing.assert_allclose(np.linalg.norm(tree.anchors, axis=1), 1, atol=1e-5)


def test_exhaustive_tree_search_is_the_brute_force_argmax(tree_and_samples):
    tree, _, _ = tree_and_samples
    queries = _unit_rows(500, 12, 1)
    brute = np.argsort(-np.abs(queries @ tree.anchors.T), axis=1, kind="stable")[:, :3]
    found = tree.search(queries, n_probe=tree.coarse.shape[0], k=3)
    np.testing.assert_array_equal(found, brute)


def test_exhaustive_tree_search_with_one_neighbour_is_the_brute_force_argmax(
        tree_and_samples):
    # k = 1 takes the kernel's maximum-and-scan path, k > 1 the top-k insertion.
    tree, _, _ = tree_and_samples
    queries = _unit_rows(500, 12, 2)
    brute = np.argmax(np.abs(queries @ tree.anchors.T), axis=1)
    found = tree.search(queries, n_probe=tree.coarse.shape[0])
    np.testing.assert_array_equal(found[:, 0], brute)
    with_two = tree.search(queries, tree.coarse.shape[0], k=2)
    np.testing.assert_array_equal(found[:, 0], with_two[:, 0])


def test_tree_search_in_many_spans_with_long_lists(tree_and_samples):
    # n_probe * k = 16 * 256 entries per feature: the kernel takes the
    # features 1,024 at a time (its lists stay bounded), the result is the same.
    tree, _, _ = tree_and_samples
    queries = _unit_rows(2500, 12, 4)
    found = tree.search(queries, n_probe=16, k=1100)
    assert np.all(found[:, 256:] == -1)  # 256 anchors in all
    np.testing.assert_array_equal(np.sort(found[:, :256], axis=1),
                                  np.broadcast_to(np.arange(256), (2500, 256)))
    # every anchor, by decreasing correlation (to rounding: near-ties may swap)
    ranked = np.abs(np.take_along_axis(queries @ tree.anchors.T, found[:, :256], axis=1))
    assert np.all(np.diff(ranked, axis=1) <= 1e-6)
    brute = np.argsort(-np.abs(queries @ tree.anchors.T), axis=1, kind="stable")[:, :3]
    np.testing.assert_array_equal(found[:, :3], brute)
    np.testing.assert_array_equal(found[:, :5], tree.search(queries, n_probe=16, k=5))


def test_tree_search_leaves_the_blas_threads_as_it_found_them(tree_and_samples):
    # The kernel's BLAS calls run single-threaded; the user's setting comes
    # back afterwards, also when searches overlap in several threads.
    from concurrent.futures import ThreadPoolExecutor

    from threadpoolctl import threadpool_info, threadpool_limits

    tree, _, _ = tree_and_samples
    queries = _unit_rows(3000, 12, 3)
    expected = tree.search(queries, n_probe=4)
    with threadpool_limits(2, user_api="blas"):
        before = [(i["filepath"], i["num_threads"]) for i in threadpool_info()
                  if i["user_api"] == "blas"]
        with ThreadPoolExecutor(4) as pool:
            found = list(pool.map(lambda _: tree.search(queries, n_probe=4), range(8)))
        after = [(i["filepath"], i["num_threads"]) for i in threadpool_info()
                 if i["user_api"] == "blas"]
    assert after == before and all(n == 2 for _, n in before)
    for f in found:
        np.testing.assert_array_equal(f, expected)


def test_indexed_regression_in_any_visiting_order():
    from classicsr.example_based._kernels import indexed_regression

    rng = np.random.default_rng(3)
    # 45 outputs: a register tile of 32, one of 8 and 5 single sums
    features = rng.standard_normal((300, 6)).astype(np.float32)
    regressors = rng.standard_normal((40, 45, 6)).astype(np.float32)
    index = rng.integers(0, 40, 300)
    override = np.full(40, -1, dtype=np.int64)
    override[7] = 0
    table = rng.standard_normal((1, 45, 6)).astype(np.float32)
    expected = np.einsum("nrt,nt->nr", regressors[index], features)
    expected[index == 7] = features[index == 7] @ table[0].T
    transposed = np.ascontiguousarray(regressors.transpose(0, 2, 1))
    table_t = np.ascontiguousarray(table.transpose(0, 2, 1))
    outputs = []
    for order in (np.arange(300), np.argsort(index, kind="stable"), rng.permutation(300)):
        out = np.empty((300, 45), dtype=np.float32)
        indexed_regression(features, index, order, transposed, override, table_t, out)
        np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
        outputs.append(out)
    # a patch's outputs do not depend on the others (nor on the visiting order)
    assert all(np.array_equal(outputs[0], out) for out in outputs[1:])


def test_coarse_probes_are_the_top_k_first_seen_on_ties():
    # The selection bounds the k-th largest correlation first and inserts
    # only what reaches the bound: the list must be the plain top-k (by
    # |correlation|, then by index), ties included (small integers) and for
    # cluster counts that are not a multiple of the 8 lanes.
    from classicsr.example_based._kernels import _coarse_probes

    rng = np.random.default_rng(5)
    for n_coarse in (5, 8, 13, 64, 100):
        features = rng.integers(-2, 3, (700, 6)).astype(np.float32)
        coarse_t = rng.integers(-2, 3, (6, n_coarse)).astype(np.float32)
        score = np.abs(features.astype(np.float64) @ coarse_t)
        for k in (1, 3, 4, 8, 9):
            if k >= n_coarse:
                continue
            got = np.empty((700, k), dtype=np.int64)
            _coarse_probes(features, coarse_t, got)
            # lexsort: by decreasing score, then increasing index
            expected = np.array([np.lexsort((np.arange(n_coarse), -row))[:k] for row in score])
            np.testing.assert_array_equal(got, expected)


def test_anchor_order_is_the_stable_argsort():
    from classicsr.example_based._kernels import anchor_order

    rng = np.random.default_rng(4)
    for n, n_anchors in ((0, 3), (1, 1), (500, 1), (500, 7), (5000, 65536)):
        index = rng.integers(-1, n_anchors, n)  # -1: no anchor found, sorted first
        np.testing.assert_array_equal(anchor_order(index, n_anchors),
                                      np.argsort(index, kind="stable"))


def test_probing_a_few_clusters_finds_the_nearest_anchor_mostly(tree_and_samples):
    tree, _, samples = tree_and_samples
    queries = samples[:2000]
    brute = np.argmax(np.abs(queries @ tree.anchors.T), axis=1)
    recall = {p: np.mean(tree.search(queries, n_probe=p)[:, 0] == brute) for p in (1, 4, 8, 16)}
    # Measured on these random 12-d samples: 0.784 / 0.9715 / 0.997 / 1.0 (random
    # data is the hard case: image features cluster far more).
    assert recall[16] == 1.0
    assert recall[8] > 0.995
    assert recall[4] > 0.97
    assert recall[1] > 0.78
    assert tree.correlations(4) < 0.33 * tree.n_anchors  # 80 of 256


def test_one_anchor_regressor_is_the_global_ridge():
    rng = np.random.default_rng(3)
    lo = _unit_rows(400, 6, 2)
    hi = (lo @ rng.standard_normal((6, 9))).astype(np.float32)
    tree, leaf = build_anchor_tree(lo, 1, 1, n_iter=2)
    regressors, grams = anchored_ridge(lo, hi, tree, leaf, 10_000, 0.1, n_probe=1)
    x, y = lo.astype(np.float64), hi.astype(np.float64)
    expected = np.linalg.solve(x.T @ x + 0.1 * np.eye(6), x.T @ y).T
    np.testing.assert_allclose(regressors[0], expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grams[0], x.T @ x, rtol=1e-5)


def test_neighbourhoods_are_the_most_correlated_samples():
    lo = _unit_rows(3000, 8, 4)
    tree, leaf = build_anchor_tree(lo, 32, 4, n_iter=3)

    def exact(a, k):
        return set(np.argsort(-np.abs(lo @ tree.anchors[a]), kind="stable")[:k].tolist())

    # Candidates covering every leaf: the exhaustive search.
    hoods = anchor_neighbourhoods(lo, tree, leaf, 50, n_probe=4, candidate_factor=100)
    for a, hood in enumerate(hoods):
        assert set(hood.tolist()) == exact(a, 50)
    # The default: the members of the nearest leaves only. Measured recall of
    # the exact neighbourhoods on these random 8-d samples: 0.884 (image
    # features: see benchmarks/bench_ia.py).
    hoods = list(anchor_neighbourhoods(lo, tree, leaf, 50, n_probe=4))
    recall = np.mean([len(exact(a, 50) & set(h.tolist())) / 50 for a, h in enumerate(hoods)])
    assert recall > RECALL


def _training_images():
    img = data.camera().astype(np.float64) / 255
    return [img[:192, :192], img[192:384, 192:384], data.coins()[:180, :180] / 255.0,
            data.moon()[:180, :180] / 255.0]


@pytest.fixture(scope="module")
def small_model():
    return ImprovedAPlus(3, n_anchors=64, n_coarse=8, n_probe=8, n_neighbours=256,
                         n_stages=2, pyramid_levels=2, max_patches=40_000, augment=False,
                         random_state=0).fit(_training_images())


@pytest.fixture(scope="module")
def held_out():
    hr = classicsr.modcrop(data.camera()[384:, 300:] / 255.0, 3)
    return hr, degrade(hr, 3)


def _psnr(hr, sr):
    return classicsr.psnr(hr, np.clip(sr, 0, 1), crop_border=3, data_range=1.0)


def test_the_second_stage_improves_a_held_out_image(small_model, held_out):
    hr, lr = held_out
    one = _psnr(hr, small_model.predict_luminance(lr, n_stages=1))
    two = _psnr(hr, small_model.predict_luminance(lr))
    bicubic = _psnr(hr, classicsr.imresize(lr, 3))
    assert one > bicubic + 0.3
    assert two > one + 0.02


def test_self_similarity_update_is_the_ridge_on_the_union(small_model, held_out):
    _, lr = held_out
    override, table = small_model.self_similarity_regressors(lr, 0, weight=1.0)
    touched = np.flatnonzero(override >= 0)
    assert touched.size > 0
    # Rank update = the regression refitted on the stored Gram plus the image's pairs.
    from classicsr.example_based._training_data import normalise_pairs, training_pairs

    lo, hi = training_pairs([lr], 3, overlap=2, pyramid_levels=6, pyramid_factor=0.98,
                            projection=small_model.projection_)
    normalise_pairs(lo, hi)
    index = small_model.tree(0).search(lo, small_model.predict_probe)[:, 0]
    a = touched[0]
    x, y = lo[index == a].astype(np.float64), hi[index == a].astype(np.float64)
    gram = small_model.grams_[0][a].astype(np.float64) + 0.1 * np.eye(x.shape[1])
    c = small_model.regressors_[0][a].astype(np.float64) @ gram
    expected = np.linalg.solve(gram + x.T @ x, (c + y.T @ x).T).T
    np.testing.assert_allclose(table[override[a]], expected, rtol=1e-4, atol=1e-5)
    # Weight 0 changes nothing.
    override0, table0 = small_model.self_similarity_regressors(lr, 0, weight=0.0)
    np.testing.assert_allclose(table0[override0[touched]],
                               small_model.regressors_[0][touched], rtol=1e-4, atol=1e-6)


def test_ia_method_runs_every_way_and_round_trips(small_model, held_out, tmp_path):
    hr, lr = held_out
    path = tmp_path / "ia_x3.npz"
    small_model.save(path)
    plain = dict(self_similarity=False, bp_iterations=0, enhanced_prediction=False,
                 patch_weights="uniform")
    a = classicsr.upscale(lr, 3, "ia", model=small_model, **plain)
    b = classicsr.upscale(lr, 3, "ia", model=str(path), **plain)
    np.testing.assert_allclose(a, b, atol=1e-6)
    np.testing.assert_allclose(a, small_model.predict_luminance(lr), atol=1e-12)
    # Enhanced prediction and back-projection act at every stage: with one
    # stage that is the ensemble of the method (back-projection is affine,
    # so the mean of the 8 back-projections is that of the mean) ...
    one = classicsr.upscale(lr, 3, "ia", model=small_model, stages=1)
    ensemble = classicsr.upscale(lr, 3, "ia", model=small_model, stages=1, ensemble=True,
                                 enhanced_prediction=False)
    np.testing.assert_allclose(one, ensemble, atol=1e-9)
    # ... and the next stage refines that estimate the same way.
    from classicsr._image import dihedral, undo_dihedral
    from classicsr.backprojection import backproject_trusted

    second = np.mean([undo_dihedral(small_model._stage(1, dihedral(one, k),
                                                       small_model.predict_probe,
                                                       patch_weights="variance"), k)
                      for k in range(8)], axis=0)
    np.testing.assert_allclose(classicsr.upscale(lr, 3, "ia", model=small_model),
                               backproject_trusted(second, lr, 20), atol=1e-9)
    # On a broad scene the default ways together gain (astronaut, green; measured
    # 28.90 plain, 29.49 with the defaults).
    hr = classicsr.modcrop(data.astronaut()[:300, :300, 1] / 255.0, 3)
    lr = degrade(hr, 3)
    plain_psnr = _psnr(hr, classicsr.upscale(lr, 3, "ia", model=small_model, **plain))
    full_psnr = _psnr(hr, classicsr.upscale(lr, 3, "ia", model=small_model))
    assert full_psnr > plain_psnr + 0.4


@pytest.mark.parametrize("option, value, error", [
    ("stages", 0, ValueError), ("n_probe", "all", TypeError),
    ("self_similarity", 1, TypeError), ("bp_iterations", -1, ValueError),
    ("confidence_power", -1, ValueError), ("confidence_power", "high", TypeError),
    ("patch_weights", "mean", ValueError),
])
def test_ia_options_are_checked(small_model, held_out, option, value, error):
    with pytest.raises(error, match=option):
        classicsr.upscale(held_out[1], 3, "ia", model=small_model, **{option: value})


def test_overlap_weights_are_the_inverse_predictive_variance_times_the_confidence(
        small_model, held_out):
    from classicsr.example_based._pipeline import prepare_interpolated, reconstruct

    hr, lr = held_out
    mid = classicsr.imresize(lr, 3)
    problem = prepare_interpolated(mid, 3, small_model.projection_)
    anchors = small_model.anchors_[0]
    nearest = small_model.tree(0).search(problem.features, small_model.predict_probe)[:, 0]
    f = problem.features.astype(np.float64)
    norm = np.linalg.norm(f, axis=1)
    cos = np.abs((f / norm[:, None] * anchors[nearest]).sum(axis=1))
    confidence = overlap_weights(problem.features, anchors, nearest, confidence_power=8)
    np.testing.assert_allclose(confidence, cos ** 8, rtol=1e-5)  # float32 anchors
    # "variance_exact": divided by the ridge regression's predictive variance at
    # f, |f|^2 u^T (G + lam I)^-1 u with u = f / |f|, G the anchor's stored Gram.
    precisions = small_model.precisions(0)
    grams = small_model.grams_[0].astype(np.float64)
    np.testing.assert_allclose(precisions[5], np.linalg.inv(grams[5] + 0.1 * np.eye(len(grams[5]))),
                               rtol=1e-4, atol=1e-5)
    variance = np.array([fi @ np.linalg.solve(grams[a] + 0.1 * np.eye(len(fi)), fi)
                         for fi, a in zip(f, nearest)])
    exact = overlap_weights(problem.features, anchors, nearest, precisions=precisions)
    np.testing.assert_allclose(exact, cos ** 8 / variance, rtol=1e-4)
    # "variance": u^T P u ~ alpha cos^2 + beta (1 - cos^2), alpha = a^T P a and
    # beta the mean of P's quadratic form across the directions orthogonal to a.
    alpha, beta = small_model.leverage_terms(0)
    p5 = np.linalg.inv(grams[5] + 0.1 * np.eye(len(grams[5])))
    a5 = anchors[5].astype(np.float64)
    assert alpha[5] == pytest.approx(a5 @ p5 @ a5, rel=1e-9)
    assert beta[5] == pytest.approx((np.trace(p5) - a5 @ p5 @ a5) / (len(a5) - 1), rel=1e-9)
    isotropic = overlap_weights(problem.features, anchors, nearest, isotropic=(alpha, beta))
    h = alpha[nearest] * cos ** 2 + beta[nearest] * (1 - cos ** 2)
    np.testing.assert_allclose(isotropic, cos ** 8 / (norm ** 2 * h), rtol=1e-4)
    # The stage averages its regressions with these weights.
    regressions = np.einsum("nod,nd->no", small_model.regressors_[0][nearest].astype(np.float64),
                            f)
    for kind, weights in (("uniform", None), ("confidence", confidence),
                          ("variance", isotropic), ("variance_exact", exact)):
        np.testing.assert_allclose(small_model._stage(0, mid, small_model.predict_probe,
                                                      patch_weights=kind),
                                   reconstruct(problem, regressions, weights), atol=1e-5)


@pytest.mark.slow
def test_variance_weighting_gains_with_the_shipped_model():
    # Three 240 px crops that are neither training nor evaluation images, x3,
    # the shipped model, all other defaults. Measured gains over the uniform
    # mean: "confidence" astronaut +0.041, coffee +0.064, chelsea -0.011 dB
    # (mean +0.031); "variance" +0.093, +0.131, +0.015 (mean +0.080);
    # "variance_exact" +0.098, +0.144, +0.023 (mean +0.088).
    from classicsr.modelstore import get_model, shipped_model_path

    model = get_model("ia", 3, str(shipped_model_path("ia", 3)[0]))
    gains = {"confidence": [], "variance": [], "variance_exact": []}
    for name, rows, cols in (("astronaut", slice(0, 240), slice(120, 360)),
                             ("coffee", slice(100, 340), slice(200, 440)),
                             ("chelsea", slice(0, 240), slice(100, 340))):
        y = classicsr.rgb2ycbcr(getattr(data, name)())[..., 0]
        hr = classicsr.modcrop(np.asarray(y, float)[rows, cols] / 255.0, 3)
        lr = degrade(hr, 3)
        uniform = _psnr(hr, classicsr.upscale(lr, 3, "ia", model=model,
                                               patch_weights="uniform"))
        for kind in gains:
            gains[kind].append(_psnr(hr, classicsr.upscale(lr, 3, "ia", model=model,
                                                           patch_weights=kind)) - uniform)
    assert np.mean(gains["confidence"]) > 0.028, gains
    assert np.mean(gains["variance"]) > 0.075, gains
    assert np.mean(gains["variance_exact"]) > 0.085, gains


def test_ia_parameters_are_checked():
    with pytest.raises(ValueError, match="n_anchors"):
        ImprovedAPlus(3, n_anchors=0).fit(_training_images())
    with pytest.raises(ValueError, match="tree_samples"):
        ImprovedAPlus(3, tree_samples=0).fit(_training_images())
    with pytest.raises(ValueError, match="residual_dtype.*float16"):
        ImprovedAPlus(3, residual_dtype="int8").fit(_training_images())


def test_assign_leaves_is_the_tree_search_chunk_by_chunk(tree_and_samples):
    tree, _, samples = tree_and_samples
    leaf = assign_leaves(tree, samples, 4, chunk=1000)
    np.testing.assert_array_equal(leaf, tree.search(samples, 4)[:, 0])


def test_tree_on_a_subset_with_half_residuals_keeps_the_quality(small_model, held_out):
    # the tree clustered on a quarter of the samples, every sample assigned to a
    # leaf by the search, residuals held as float16: the 2-stage cascade stays
    # within 0.02 dB of the full clustering on the held-out image (measured -0.012)
    from sklearn.base import clone

    hr, lr = held_out
    dense = clone(small_model).set_params(tree_samples=10_000, residual_dtype="float16")
    dense.fit(_training_images())
    assert dense.anchors_.shape == small_model.anchors_.shape
    full = _psnr(hr, small_model.predict_luminance(lr))
    assert abs(_psnr(hr, dense.predict_luminance(lr)) - full) < 0.02


def test_warm_start_adds_a_stage_to_a_fitted_cascade(small_model, held_out):
    from sklearn.base import clone

    one = clone(small_model).set_params(n_stages=1).fit(_training_images())
    grown = one.set_params(n_stages=2, warm_start=True).fit(_training_images())
    assert grown.n_fitted_stages == 2
    # the first stage is kept as it was, the second is trained as in a 2-stage fit
    np.testing.assert_array_equal(grown.regressors_[0], small_model.regressors_[0])
    np.testing.assert_array_equal(grown.regressors_[1], small_model.regressors_[1])
    with pytest.raises(ValueError, match="n_stages"):
        grown.set_params(n_stages=1).fit(_training_images())


def test_cli_builds_the_user_model_that_model_none_then_uses(tmp_path, monkeypatch):
    from classicsr.cli import main
    from classicsr.io import write_image
    from classicsr.modelstore import clear_cache, user_model_path

    images = tmp_path / "faces"
    images.mkdir()
    for k, img in enumerate(_training_images()[:3]):
        write_image(images / f"{k}.png", (img * 255).round().astype(np.uint8))
    monkeypatch.setenv("CLASSICSR_MODELS", str(tmp_path / "models"))
    assert main(["train", "ia", "--scale", "3", "--images", str(images), "--anchors", "16",
                 "--stages", "1", "--patches", "5000"]) in (0, None)
    built = user_model_path("ia", 3)
    assert built.is_file()
    clear_cache()
    lr = degrade(classicsr.modcrop(data.camera()[:120, :150] / 255.0, 3), 3)
    np.testing.assert_array_equal(classicsr.upscale(lr, 3, "ia"),
                                  classicsr.upscale(lr, 3, "ia", model=str(built)))
    assert "ia" in classicsr._dispatch.usable_methods(3)

def test_cli_refuses_ia_options_for_other_methods(tmp_path, capsys):
    from classicsr.cli import main

    try:
        code = main(["train", "aplus", "--scale", "3", "--images", str(tmp_path),
                     "--anchors", "16", "--out", str(tmp_path / "a.npz")])
    except SystemExit as exit_:
        code = exit_.code
    assert code != 0
    assert "--anchors is for ia, not 'aplus'" in capsys.readouterr().err


def test_predict_probe_default_and_older_files(small_model, tmp_path):
    from classicsr.modelstore import load_model

    assert small_model.predict_probe == 4 and small_model.n_probe == 8
    path = tmp_path / "ia.npz"
    small_model.save(path)
    arrays, header = load_model(path)
    assert ImprovedAPlus.from_arrays(arrays, header).predict_probe == 4
    del header["params"]["predict_probe"]  # a file saved before the parameter existed
    old = ImprovedAPlus.from_arrays(arrays, header)
    assert old.predict_probe is None and old._predict_probe() == 8
    with pytest.raises(ValueError, match="predict_probe"):
        ImprovedAPlus(3, predict_probe=0).fit(_training_images()[:1])


def test_context_choice_is_icm_on_the_overlap_average():
    """Way 7: each sweep picks, per patch, the candidate nearest (squared
    distance) to the overlap-average of the current choices; an index of -1
    is never chosen. Reference: the same sweeps in NumPy."""
    from classicsr.example_based.ia import _context_choice
    from classicsr.patches import PatchGrid, extract_patches, overlap_add

    rng = np.random.default_rng(3)
    grid = PatchGrid.build((24, 27), 3)
    n, k = grid.count, 3
    y, x = np.mgrid[:24, :27]
    truth = extract_patches(np.sin(y / 5.0) + np.cos(x / 7.0), grid)
    # candidate j of patch i is table[j * n + i]: the true patch plus noise,
    # strong for the first candidate of a third of the patches
    noise = np.full((k, n, 1), 0.05)
    noise[0, rng.random(n) < 0.3] = 1.0
    table = (truth[None] + noise * rng.normal(size=(k,) + truth.shape)).reshape(k * n, -1)
    table = table.astype(np.float32)  # the candidates are single precision, as regressed
    index = np.arange(k)[None, :] * n + np.arange(n)[:, None]
    index[:, 1:][rng.random((n, k - 1)) < 0.2] = -1

    def regress(anchor, out):
        out[:] = table[anchor]

    got = _context_choice(grid, index, regress)

    candidates = np.stack([table[np.where(index[:, j] >= 0, index[:, j], index[:, 0])]
                           for j in range(k)])
    choice = np.zeros(n, dtype=np.int64)
    for _ in range(2):
        target = extract_patches(overlap_add(candidates[choice, np.arange(n)], grid)[0], grid)
        error = ((candidates - target[None]) ** 2).sum(axis=2)
        error[(index < 0).T] = np.inf
        choice = np.argmin(error, axis=0)
    assert np.mean(choice > 0) > 0.2  # the sweeps moved patches off their nearest anchor
    assert np.all(index[np.arange(n), choice] >= 0)
    np.testing.assert_allclose(got, candidates[choice, np.arange(n)], rtol=0, atol=0)
