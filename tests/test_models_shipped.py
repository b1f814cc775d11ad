"""Shipped models: manifest integrity, and the paper table at x3 (needs ../shared).

The full 24-number table (x2, x3, x4) is produced by
``benchmarks/bench_example_based.py``; the suite checks x3 to stay fast.
"""

import csv

import pytest

import classicsr
from classicsr.modelstore import read_manifest, sha256_of, shipped_models_dir

PAPER_METHODS = ("zeyde", "anr", "lle", "aplus", "scsr")


@pytest.fixture(scope="module")
def manifest():
    m = read_manifest()
    if not m.get("models"):
        pytest.skip("no shipped models in classicsr/models (run data/recipes/train_models.py)")
    return m


def test_manifest_matches_files(manifest):
    folder = shipped_models_dir()
    size = {}
    for name, entry in manifest["models"].items():
        path = folder / name
        assert path.is_file(), name
        assert sha256_of(path) == entry["sha256"], name
        size[entry["method"]] = size.get(entry["method"], 0) + path.stat().st_size
        for key in ("method", "scale", "command", "seed", "training_seconds", "versions", "psnr"):
            assert key in entry, (name, key)
    mib = 1024 * 1024
    assert sum(size.values()) <= 100 * mib  # issue 15: every shipped model together
    assert size.get("zeyde", 0) + size.get("aplus", 0) <= 40 * mib  # issue 4 budget
    assert size.get("kmeans", 0) + size.get("scsr", 0) <= 30 * mib  # issue 5 budget
    assert {(e["method"], e["scale"]) for e in manifest["models"].values()} >= {
        (m, s) for m in ("zeyde", "aplus", "kmeans", "scsr") for s in (2, 3, 4)}


@pytest.fixture(scope="module")
def paper(reference_dir):
    with open(reference_dir / "paper_tables.csv") as handle:
        return {(r["method"], r["dataset"]): r for r in csv.DictReader(handle)}


#: Datasets of the x3 table checked here: Set14 for every method but ScSR, whose
#: Set14 x3 alone took 150 s of the suite (a feature-sign solve per pixel); its Set5
#: row is checked against the published mean and, to 0.002 dB, against the record,
#: which any change of the pipeline moves. Its Set14 row is measured by
#: benchmarks/bench_example_based.py (README table).
X3_DATASETS = {"scsr": ("Set5",)}


@pytest.mark.parametrize("method", PAPER_METHODS + ("gr", "kmeans"))
@pytest.mark.slow
def test_x3_table(method, manifest, paper, data_root):
    datasets = X3_DATASETS.get(method, ("Set5", "Set14"))
    result = classicsr.evaluate(method, list(datasets), [3], data_root=data_root,
                                progress=False)
    for dataset in datasets:
        ours = result.mean(dataset, 3)
        if method == "gr":  # reported, not in the published table we hold
            assert ours > float(paper[("bicubic", dataset)]["x3"]) + 0.5
        elif method == "kmeans":  # issue: at or above the published ANR mean
            assert ours >= float(paper[("anr", dataset)]["x3"]), (dataset, ours)
        else:
            assert ours >= float(paper[(method, dataset)]["x3"]) - 0.05, (method, dataset, ours)
        recorded = [e for e in manifest["models"].values()
                    if e["scale"] == 3 and method in e["psnr"]][0]["psnr"][method][dataset]
        assert ours == pytest.approx(recorded, abs=2e-3)


@pytest.mark.slow
def test_shipped_ia_x3_matches_its_manifest_and_beats_aplus(manifest, data_root):
    entries = [e for e in manifest["models"].values() if e["method"] == "ia" and e["scale"] == 3]
    if not entries:
        pytest.skip("no shipped ia x3 model")
    from classicsr.modelstore import shipped_model_path

    path, _ = shipped_model_path("ia", 3)
    # Set5 (Set14 took 30 s more; benchmarks/bench_ia.py measures it), as X3_DATASETS
    datasets = ("Set5",)
    result = classicsr.evaluate("ia", list(datasets), [3], data_root=data_root,
                                progress=False, model=str(path))
    aplus = {d: e["psnr"]["aplus"][d] for e in manifest["models"].values()
             if e["method"] == "aplus" and e["scale"] == 3 for d in datasets}
    for dataset in datasets:
        ours = result.mean(dataset, 3)
        assert ours == pytest.approx(entries[0]["psnr"]["ia"][dataset], abs=2e-3)
        assert ours > aplus[dataset] + 0.2, (dataset, ours, aplus[dataset])
