"""The training recipes' shared manifest writer (data/recipes/train_models.py)."""

import importlib.util
import json
from pathlib import Path

import pytest

RECIPES = Path(__file__).resolve().parents[1] / "data" / "recipes"


@pytest.fixture
def train_models(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(RECIPES))
    spec = importlib.util.spec_from_file_location("train_models", RECIPES / "train_models.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "MODELS", tmp_path)
    return module


def test_put_manifest_entry_keeps_the_entries_other_recipes_wrote_meanwhile(train_models,
                                                                           tmp_path):
    manifest = tmp_path / "manifest.json"
    train_models.put_manifest_entry("aplus_x3.npz", {"psnr": 1})
    written = json.loads(manifest.read_text())
    assert written["models"] == {"aplus_x3.npz": {"psnr": 1}}
    assert written["description"] == train_models.DESCRIPTION
    # another recipe (e.g. train_cnn.py running at the same time) adds its file
    other = dict(written, description="kept")
    other["models"]["espcn_x3.onnx"] = {"psnr": 2}
    manifest.write_text(json.dumps(other))
    train_models.put_manifest_entry("ia_x3.npz", {"psnr": 3})
    train_models.put_manifest_entry("aplus_x3.npz", {"psnr": 4})
    written = json.loads(manifest.read_text())
    assert written["models"] == {"aplus_x3.npz": {"psnr": 4}, "espcn_x3.onnx": {"psnr": 2},
                                 "ia_x3.npz": {"psnr": 3}}
    assert written["description"] == "kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]  # no temporaries
