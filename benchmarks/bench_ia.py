"""IA: the ablation of the seven ways, the anchor search, and the speed against A+.

Timofte, Rothe & Van Gool, "Seven ways to improve example-based single image
super resolution" (CVPR 2016). Under the paper protocol (``classicsr.evaluate``)
on Set5 and Set14:

* ``ablation`` (x3): A+ (the shipped model), then each way added in turn --
  augmentation (A+ retrained on the 8 rotations and flips), the large anchor
  tree (IA's first stage alone), cascade (all stages), self-similarities,
  context reasoning, back-projection, enhanced prediction (= IA), then our
  own weighted overlap-average (``patch_weights="variance"``); the PSNR
  and the gain of each step, as the paper's table;
* ``search`` (x3): the IA model with its tree search (``n_probe`` coarse
  clusters, as in training, and ``predict_probe``, as ``ia`` predicts)
  against the exhaustive search (every coarse cluster): PSNR of
  the plain cascade and the search time per image (the anchor search
  kernel alone);
* ``table``: ``ia`` (its defaults, with ``context=4``, and with the plain
  overlap-average ``patch_weights="uniform"``) at each scale,
  next to the published IA and SRCNN means, and the seconds per Set14 image
  of the defaults (mean, max) against A+ in the same run;
* ``profile`` (x3): where the time of ``ia`` goes on the largest Set14
  image (cProfile's own time of the search, regressions, features,
  back-projection filters, overlap-average and patch weights).

The IA models are those ``model=None`` finds (built with ``classicsr train ia
--scale S`` into the user model folder, else the shipped ones) unless
``--model-dir`` holds ``ia_xS.npz`` files.

    python benchmarks/bench_ia.py [--parts ablation search table profile] [--scales 2 3 4]
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np

from _common import published, write_json

import classicsr
from classicsr.datasets import find_data_root, hr_images
from classicsr.io import read_image
from classicsr.modelstore import get_model, user_model_path
from classicsr.protocol import hr_luminance

HERE = Path(__file__).resolve().parent
PLAIN = {"self_similarity": False, "context": 1, "bp_iterations": 0,
         "enhanced_prediction": False, "patch_weights": "uniform"}


def mean_psnr(method, scale, root, **options):
    result = classicsr.evaluate(method, ["Set5", "Set14"], [scale], data_root=root,
                                progress=False, **options)
    return {d: round(result.mean(d, scale), 4) for d in ("Set5", "Set14")}


def lr_images(root, dataset, scale):
    out = []
    for path in hr_images(root / dataset, scale):
        y = classicsr.modcrop(hr_luminance(read_image(path)), scale) / 255.0
        out.append(classicsr.imresize(y, 1.0 / scale))
    return out


def aplus_augmented(scale, build):
    """A+ on the shipped Zeyde anchors, trained on the augmented T91 (cached)."""
    from classicsr.datasets import read_training_images
    from classicsr.example_based import APlus

    path = build / f"aplus_augmented_x{scale}.npz"
    if not path.is_file():
        images = read_training_images(find_data_root() / "T91", paper_luminance=True)
        model = APlus(scale, dictionary=get_model("zeyde", scale), augment=True).fit(images)
        path.parent.mkdir(parents=True, exist_ok=True)
        model.save(path, overwrite=True)
    return str(path)


def ablation(model, root, build):
    steps = [
        ("A+ (shipped)", "aplus", {}),
        ("+ augmentation", "aplus", {"model": aplus_augmented(3, build)}),
        ("+ large anchor tree", "ia", dict(PLAIN, model=model, stages=1)),
        ("+ cascade", "ia", dict(PLAIN, model=model)),
        ("+ self-similarities", "ia", dict(PLAIN, model=model, self_similarity=True)),
        ("+ context reasoning", "ia", dict(PLAIN, model=model, self_similarity=True,
                                           context=4)),
        ("+ back-projection", "ia", dict(PLAIN, model=model, self_similarity=True, context=4,
                                         bp_iterations=20)),
        ("+ enhanced prediction (IA)", "ia", {"model": model, "context": 4,
                                              "patch_weights": "uniform"}),
        ("+ variance-weighted average (ours)", "ia", {"model": model, "context": 4}),
    ]
    rows, previous = [], None
    for name, method, options in steps:
        psnr = mean_psnr(method, 3, root, **options)
        gain = {d: round(psnr[d] - previous[d], 4) for d in psnr} if previous else None
        rows.append({"step": name, "psnr": psnr, "gain": gain})
        previous = psnr
        print(f"{name:38s} {psnr['Set5']:.2f} {psnr['Set14']:.2f}  "
              + (f"+{gain['Set5']:.2f} +{gain['Set14']:.2f}" if gain else ""), flush=True)
    return rows


def search(model, root):
    fitted = get_model("ia", 3, model)
    n_coarse = fitted.coarse_.shape[1]
    out = {"n_anchors": int(fitted.anchors_.shape[1]), "n_coarse": int(n_coarse)}
    images = lr_images(root, "Set14", 3)
    features = []
    from classicsr.example_based._pipeline import prepare

    for lr in images:
        features.append(prepare(lr, 3, fitted.projection_).features)
    tree = fitted.tree(0)
    probes = (("tree", int(fitted.n_probe)), ("tree_predict", int(fitted._predict_probe())),
              ("exhaustive", int(n_coarse)))
    for label, n_probe in probes:
        tree.search(features[0][:10], n_probe)  # JIT
        start = time.perf_counter()
        for f in features:
            tree.search(f, n_probe)
        seconds = (time.perf_counter() - start) / len(features)
        psnr = mean_psnr("ia", 3, root, **dict(PLAIN, model=model, n_probe=n_probe))
        out[label] = {"n_probe": n_probe, "search_s_per_image": round(seconds, 4),
                      "correlations_per_patch": round(tree.correlations(n_probe), 1),
                      "psnr": psnr}
        print(f"{label:12s} n_probe {n_probe:4d}: {seconds * 1000:.1f} ms/image, "
              f"{psnr['Set5']:.4f} / {psnr['Set14']:.4f}", flush=True)
    out["speedup"] = round(out["exhaustive"]["search_s_per_image"]
                           / out["tree"]["search_s_per_image"], 1)
    out["speedup_predict"] = round(out["exhaustive"]["search_s_per_image"]
                                   / out["tree_predict"]["search_s_per_image"], 1)
    return out


def seconds_per_image(method, scale, root, repeats=1, **options):
    images = lr_images(root, "Set14", scale)
    classicsr.upscale(images[0][:40, :40], scale, method, **options)  # JIT, model load
    times = []
    for lr in images:
        runs = []
        for _ in range(repeats):
            start = time.perf_counter()
            classicsr.upscale(lr, scale, method, **options)
            runs.append(time.perf_counter() - start)
        times.append(min(runs))
    return round(float(np.mean(times)), 3), round(float(np.max(times)), 3)


#: The steps of an IA stage, by the function that does each (cProfile's own time).
PROFILE_STEPS = {"tree_search": "anchor search", "indexed_regression": "regressions",
                 "stencil_project": "features",
                 "symmetric_separable_correlate": "back-projection filters",
                 "overlap_add_kernel": "overlap-average", "anchor_weights": "patch weights"}


def profile(model, root):
    """Where the time of ``ia`` (defaults) goes on the largest Set14 image at x3:
    cProfile's own time of each step's function, and the whole call."""
    import cProfile
    import pstats

    images = lr_images(root, "Set14", 3)
    lr = max(images, key=lambda im: im.size)
    classicsr.upscale(lr, 3, "ia", model=model)  # JIT, model load, caches
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.runcall(classicsr.upscale, lr, 3, "ia", model=model)
    total = time.perf_counter() - start
    stats = pstats.Stats(profiler).stats
    steps = {label: 0.0 for label in PROFILE_STEPS.values()}
    for (_, _, name), (_, _, own, _, _) in stats.items():
        name = name.strip("<>").split(".")[-1]  # built-ins: "<built-in method a.b.name>"
        if name in PROFILE_STEPS:
            steps[PROFILE_STEPS[name]] += own
    out = {"image_shape": list(lr.shape), "total_s": round(total, 3),
           "steps_s": {k: round(v, 3) for k, v in steps.items()},
           "share": {k: round(v / total, 3) for k, v in steps.items()}}
    print(json.dumps(out), flush=True)
    return out


def table(models, scales, root):
    paper = published(root.parent / "reference", missing_ok=True)
    rows = []
    for scale in scales:
        model = models.get(scale)
        psnr = mean_psnr("ia", scale, root, model=model)
        psnr_context = mean_psnr("ia", scale, root, model=model, context=4)
        psnr_unweighted = mean_psnr("ia", scale, root, model=model, patch_weights="uniform")
        ia_s = seconds_per_image("ia", scale, root, model=model)
        aplus_s = seconds_per_image("aplus", scale, root)
        row = {"scale": scale, "model": model or "shipped", "psnr": psnr,
               "psnr_context4": psnr_context,
               "psnr_unweighted": psnr_unweighted,
               "seconds_set14": ia_s,
               "aplus_seconds_set14": aplus_s, "ratio_to_aplus": round(ia_s[0] / aplus_s[0], 1),
               "paper_ia": {d: paper.get(("ia2016", d, scale)) for d in psnr},
               "paper_srcnn": {d: paper.get(("srcnn_tpami2016", d, scale)) for d in psnr}}
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", default=["ablation", "search", "table", "profile"],
                        choices=["ablation", "search", "table", "profile"])
    parser.add_argument("--scales", type=int, nargs="+", default=[2, 3, 4])
    parser.add_argument("--model-dir", default=None)
    parser.add_argument("--build", default=str(HERE.parent / "build" / "bench_ia"))
    parser.add_argument("--json", default=str(HERE / "results" / "ia.json"))
    args = parser.parse_args()
    root = find_data_root()
    if root is None:
        parser.error("no data root: set CLASSICSR_DATA or put ../shared beside the checkout")
    models = {}
    for scale in (2, 3, 4):
        if args.model_dir and (Path(args.model_dir) / f"ia_x{scale}.npz").is_file():
            models[scale] = str(Path(args.model_dir) / f"ia_x{scale}.npz")
        elif user_model_path("ia", scale).is_file():
            models[scale] = str(user_model_path("ia", scale))
    path = Path(args.json)
    results = json.loads(path.read_text()) if path.is_file() else {}
    # the models of this run; the rows and models of scales not run this time are kept
    results.setdefault("models", {}).update({str(s): m for s, m in models.items()})
    if "ablation" in args.parts:
        results["ablation_x3"] = ablation(models.get(3), root, Path(args.build))
    if "search" in args.parts:
        results["search_x3"] = search(models.get(3), root)
    if "profile" in args.parts:
        results["profile_x3"] = profile(models.get(3), root)
    if "table" in args.parts:
        rows = table(models, args.scales, root)
        kept = [r for r in results.get("table", []) if r["scale"] not in args.scales]
        results["table"] = sorted(kept + rows, key=lambda r: r["scale"])
    write_json(path, results)


if __name__ == "__main__":
    main()
