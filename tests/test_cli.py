"""The ``classicsr`` command line: outputs, atomic writes and one-line errors."""

import json
import subprocess
import sys

import numpy as np
import pytest
from skimage import data

from classicsr.cli import main
from classicsr.io import read_image, write_image


@pytest.fixture()
def lr_png(tmp_path):
    path = tmp_path / "lr.png"
    write_image(path, data.astronaut()[:40, :48])
    return path


def test_upscale_writes_and_refuses_to_overwrite(lr_png, tmp_path, capsys):
    out = tmp_path / "sr.png"
    assert main(["upscale", str(lr_png), str(out), "--scale", "2"]) == 0
    img = read_image(out)
    assert img.shape == (80, 96, 3)
    before = out.read_bytes()
    assert main(["upscale", str(lr_png), str(out), "--scale", "3"]) == 1
    assert "exists; use --overwrite" in capsys.readouterr().err
    assert out.read_bytes() == before
    assert main(["upscale", str(lr_png), str(out), "--scale", "3", "--overwrite",
                 "--method", "lanczos3"]) == 0
    assert read_image(out).shape == (120, 144, 3)
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize("args, message", [
    (["upscale", "missing.png", "o.png", "--scale", "2"], "no such image file"),
    (["upscale", "{corrupt}", "o.png", "--scale", "2"], "cannot decode"),
    (["upscale", "{lr}", "o.png", "--scale", "0"], "scale must be a finite number > 0"),
    (["upscale", "{lr}", "o.xyz", "--scale", "2"], "unknown image suffix"),
    (["evaluate", "--method", "bicubic", "--dataset", "nowhere", "--scale", "2"],
     "not a folder"),
])
def test_errors_are_one_line(args, message, lr_png, tmp_path, capsys, monkeypatch):
    corrupt = tmp_path / "bad.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    monkeypatch.chdir(tmp_path)
    args = [a.format(lr=lr_png, corrupt=corrupt) for a in args]
    assert main(args) == 1
    err = capsys.readouterr().err.strip()
    assert message in err and "Traceback" not in err and len(err.splitlines()) == 1


def test_unknown_method_is_a_usage_error(lr_png, capsys):
    with pytest.raises(SystemExit) as info:
        main(["upscale", str(lr_png), "o.png", "--scale", "2", "--method", "magic"])
    assert info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_methods_lists_registry(capsys):
    assert main(["methods"]) == 0
    out = capsys.readouterr().out
    for name in ("nearest", "bilinear", "bicubic", "lanczos3"):
        assert name in out


def test_methods_name_shows_its_options(capsys):
    assert main(["methods", "aplus"]) == 0
    out = capsys.readouterr().out
    assert "aplus" in out and "options:" in out and "model = None" in out
    assert main(["methods", "no-such"]) == 1
    assert "unknown method 'no-such'" in capsys.readouterr().err


def test_train_offers_the_trainable_methods(capsys):
    from classicsr.training import trainable_methods

    trainable = trainable_methods()
    assert trainable == {"zeyde": "zeyde", "gr": "zeyde", "anr": "zeyde", "lle": "zeyde",
                         "aplus": "aplus", "kmeans": "kmeans", "scsr": "scsr",
                         "srcnn": "srcnn", "fsrcnn": "fsrcnn", "espcn": "espcn", "ia": "ia",
                         "kim_kwon": "kim_kwon", "svr": "svr"}
    with pytest.raises(SystemExit) as info:
        main(["train", "--help"])
    assert info.value.code == 0
    assert "one of: " + ", ".join(sorted(trainable)) in " ".join(
        capsys.readouterr().out.split())
    with pytest.raises(SystemExit) as info:
        main(["train", "bicubic", "--scale", "2", "--images", ".", "--out", "m.npz"])
    assert info.value.code == 2 and "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize("method, out, suffix", [("aplus", "m.png", ".npz"),
                                                 ("srcnn", "m.npz", ".onnx")])
def test_train_checks_the_output_name_before_training(tmp_path, capsys, method, out, suffix):
    target = tmp_path / out
    assert main(["train", method, "--scale", "2", "--images", str(tmp_path / "none"),
                 "--out", str(target)]) == 1
    err = capsys.readouterr().err
    assert f"must end in {suffix}" in err and len(err.strip().splitlines()) == 1
    assert not target.exists()


def test_evaluate_writes_json(tmp_path, capsys):
    folder = tmp_path / "imgs"
    write_image(folder / "a.png", data.astronaut()[:60, :60])
    target = tmp_path / "r.json"
    assert main(["evaluate", "--method", "bicubic", "--dataset", str(folder),
                 "--scale", "2", "3", "--json", str(target)]) == 0
    result = json.loads(target.read_text())
    assert [m["scale"] for m in result["means"]] == [2, 3]
    assert "PSNR" in capsys.readouterr().out
    assert main(["evaluate", "--method", "bicubic", "--dataset", str(folder),
                 "--scale", "2", "--json", str(target)]) == 1


@pytest.mark.slow
def test_demo_runs_as_installed_command(tmp_path):
    """``classicsr demo`` end to end, through the console entry point module."""
    # three methods: every method runs on this image in the README's demo command
    # (CI's first step) and in test_upscale_registry; this checks the entry point
    proc = subprocess.run([sys.executable, "-m", "classicsr", "demo", "--out", "d",
                           "--scale", "2", "--fast", "--methods", "bicubic", "aplus",
                           "selfexsr"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "bicubic" in proc.stdout and "aplus" in proc.stdout and "PSNR" in proc.stdout
    assert "selfexsr" not in proc.stdout  # --fast: the slow methods are left out
    assert "nearest" not in proc.stdout  # --methods: only those
    figure = read_image(tmp_path / "d" / "comparison.png")
    assert figure.ndim == 3 and figure.shape[1] > 800  # 3 panels: 858 measured
    sr = read_image(tmp_path / "d" / "bicubic_x2.png")
    assert sr.shape == (512, 512, 3) and sr.dtype == np.uint8
    again = subprocess.run([sys.executable, "-m", "classicsr", "demo", "--out", "d"],
                           cwd=tmp_path, capture_output=True, text=True)
    assert again.returncode == 1 and "--overwrite" in again.stderr
    unusable = subprocess.run([sys.executable, "-m", "classicsr", "demo", "--out", "e",
                               "--scale", "5", "--methods", "aplus"],
                              cwd=tmp_path, capture_output=True, text=True)
    assert unusable.returncode != 0 and "aplus cannot run at scale 5" in unusable.stderr
    assert len(unusable.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"])
@pytest.mark.parametrize("channels", [0, 3])
def test_image_formats_round_trip(tmp_path, suffix, channels):
    img = data.astronaut()[:32, :40]
    if channels == 0:
        img = img[..., 0]
    path = tmp_path / f"img{suffix}"
    write_image(path, img)
    back = read_image(path)
    assert back.shape == img.shape and back.dtype == np.uint8
    if suffix in (".jpg", ".jpeg"):
        assert np.abs(back.astype(int) - img).mean() < 4  # lossy
    else:
        np.testing.assert_array_equal(back, img)


def test_uint16_png_round_trip(tmp_path):
    img = (np.arange(48 * 40, dtype=np.uint16) * 27).reshape(48, 40)
    write_image(tmp_path / "a.png", img)
    np.testing.assert_array_equal(read_image(tmp_path / "a.png"), img)


def test_methods_says_which_extra_is_missing(capsys, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "onnxruntime" else real(name, *a))
    assert main(["methods"]) == 0
    lines = capsys.readouterr().out.splitlines()
    srcnn = next(line for line in lines if line.startswith("srcnn "))
    assert 'needs: pip install "classicsr[onnx]"' in srcnn
    assert "needs:" not in next(line for line in lines if line.startswith("aplus "))
