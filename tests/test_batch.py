"""classicsr batch: a folder in parallel, resumable, failures reported, nothing overwritten."""

import numpy as np
import pytest
from skimage import data

import classicsr
from classicsr.batch import run_batch
from classicsr.cli import main
from classicsr.io import read_image, write_image


@pytest.fixture()
def folder(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    img = data.astronaut()
    for i in range(4):
        write_image(src / f"img{i}.png", img[40 * i:40 * i + 48, 10 * i:10 * i + 56])
    (src / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    (src / "notes.txt").write_text("ignored")
    return src


def test_batch_processes_reports_and_resumes(folder, tmp_path):
    out = tmp_path / "out"
    report = run_batch(folder, out, 2, "bicubic", workers=1, progress=False)
    assert len(report.done) == 4 and not report.skipped
    assert [f[0].endswith("corrupt.png") for f in report.failed] == [True]
    assert "cannot decode" in report.failed[0][1]
    for i in range(4):
        np.testing.assert_array_equal(
            read_image(out / f"img{i}.png"),
            classicsr.upscale(read_image(folder / f"img{i}.png"), 2, "bicubic"))
    # resumable: a second run skips the complete outputs
    stamp = (out / "img0.png").stat().st_mtime_ns
    again = run_batch(folder, out, 2, "bicubic", workers=1, progress=False)
    assert len(again.skipped) == 4 and not again.done
    assert (out / "img0.png").stat().st_mtime_ns == stamp
    assert "4 skipped" in again.summary() and "FAILED" in again.summary()


def test_incomplete_output_is_not_overwritten_without_flag(folder, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "img1.png").write_bytes(b"half a file")
    report = run_batch(folder, out, 2, "nearest", workers=1, progress=False)
    assert (out / "img1.png").read_bytes() == b"half a file"
    assert any("img1.png" in name and "overwrite" in why for name, why in report.failed)
    report = run_batch(folder, out, 2, "nearest", workers=1, progress=False, overwrite=True)
    assert read_image(out / "img1.png").shape == (96, 112, 3)


@pytest.mark.slow
def test_local_processes_equal_single_process(folder, tmp_path):
    one = run_batch(folder, tmp_path / "one", 3, "aplus", workers=1, progress=False)
    two = run_batch(folder, tmp_path / "two", 3, "aplus", workers=2, progress=False)
    assert sorted(one.done) == sorted(two.done) and len(two.done) == 4
    for i in range(4):
        np.testing.assert_array_equal(read_image(tmp_path / "one" / f"img{i}.png"),
                                      read_image(tmp_path / "two" / f"img{i}.png"))


def test_dask_distributed_scheduler(folder, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        report = run_batch(folder, tmp_path / "out", 2, "bicubic",
                           scheduler=cluster.scheduler_address, progress=False)
    assert len(report.done) == 4 and len(report.failed) == 1


def test_cli_batch(folder, tmp_path, capsys):
    assert main(["batch", str(folder), str(tmp_path / "o"), "--scale", "2",
                 "--method", "bicubic", "--workers", "1", "--no-progress"]) == 1
    captured = capsys.readouterr()
    assert "4 upscaled" in captured.out and "corrupt.png" in captured.out
    assert "1 image(s) failed" in captured.err


@pytest.mark.parametrize("kwargs, error, match", [
    ({"workers": 0}, ValueError, "workers"),
    ({"fmt": "gif"}, ValueError, "fmt"),
    ({"method": "nope"}, ValueError, "nope"),
])
def test_bad_arguments(folder, tmp_path, kwargs, error, match):
    args = {"method": "bicubic", **kwargs}
    with pytest.raises(error, match=match):
        run_batch(folder, tmp_path / "o", 2, progress=False, **args)


def test_missing_or_empty_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        run_batch(tmp_path / "nothing", tmp_path / "o", 2, progress=False)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no images"):
        run_batch(tmp_path / "empty", tmp_path / "o", 2, progress=False)
