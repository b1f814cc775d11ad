"""classicsr batch: a folder in parallel, resumable, failures reported, nothing overwritten,
distinct output names, settings recorded and checked on resume."""

import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest
from skimage import data

import classicsr
from classicsr.batch import SETTINGS_FILE, output_names, plan, run_batch, unique_names
from classicsr.cli import main
from classicsr.datasets import list_images
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
    run_batch(folder, out, 2, "nearest", workers=1, progress=False)
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


def test_local_processes(folder, tmp_path):
    """Two worker processes: every image done, the corrupt one reported."""
    report = run_batch(folder, tmp_path / "two", 2, "bicubic", workers=2, progress=False)
    assert len(report.done) == 4 and len(report.failed) == 1 and not report.interrupted
    np.testing.assert_array_equal(read_image(tmp_path / "two" / "img3.png"),
                                  classicsr.upscale(read_image(folder / "img3.png"), 2))


def test_dask_distributed_scheduler(folder, tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    from classicsr import batch

    log = tmp_path / "tasks.log"  # the task is serialised: the spy writes what it saw
    original = batch._process_one

    def spy(src, dst, *rest):
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"{src}\t{dst}\n")
        return original(src, dst, *rest)

    monkeypatch.setattr(batch, "_process_one", spy)
    monkeypatch.chdir(tmp_path)  # relative paths in, absolute paths to the workers
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        report = run_batch("in", "out", 2, "bicubic",
                           scheduler=cluster.scheduler_address, progress=False)
    assert len(report.done) == 4 and len(report.failed) == 1
    seen = [line.split("\t") for line in log.read_text(encoding="utf-8").splitlines()]
    assert len(seen) == 5 and all(os.path.isabs(s) and os.path.isabs(d) for s, d in seen)
    assert sorted(report.done) == [os.path.join("in", f"img{i}.png") for i in range(4)]


def test_dask_scheduler_without_workers_times_out(folder, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=0, processes=False,
                                  dashboard_address=None) as cluster:
        with pytest.raises(TimeoutError, match="no dask worker.*within 0.5 s"):
            run_batch(folder, tmp_path / "out", 2, "bicubic", progress=False,
                      scheduler=cluster.scheduler_address, scheduler_timeout=0.5)
    assert not (tmp_path / "out").exists()


def test_unreachable_scheduler_is_one_line(folder, tmp_path, capsys):
    pytest.importorskip("distributed")
    assert main(["batch", str(folder), str(tmp_path / "o"), "--scale", "2", "--no-progress",
                 "--scheduler", "tcp://127.0.0.1:9", "--scheduler-timeout", "1"]) == 1
    err = capsys.readouterr().err
    assert "cannot connect to the dask scheduler at tcp://127.0.0.1:9 within 1 s" in err
    assert err.count("\n") == 1 and not (tmp_path / "o").exists()


def test_scheduler_without_distributed_is_one_line(folder, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    with pytest.raises(ImportError, match=r'pip install "classicsr\[dask\]"'):
        run_batch(folder, tmp_path / "o", 2, progress=False, scheduler="tcp://nowhere:1")
    assert main(["batch", str(folder), str(tmp_path / "o"), "--scale", "2",
                 "--scheduler", "tcp://nowhere:1", "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and 'pip install "classicsr[dask]"' in err


def test_missing_extra_is_one_line(folder, tmp_path, monkeypatch, capsys):
    from classicsr import registry

    monkeypatch.setattr(registry, "missing_requirements",
                        lambda info: ["onnx"] if info.name == "srcnn" else [])
    assert main(["batch", str(folder), str(tmp_path / "o"), "--scale", "2",
                 "--method", "srcnn", "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and 'pip install "classicsr[onnx]"' in err
    assert "Traceback" not in err and not (tmp_path / "o").exists()


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
    ({"scheduler_timeout": 0}, ValueError, "scheduler_timeout"),
])
def test_bad_arguments(folder, tmp_path, kwargs, error, match):
    args = {"method": "bicubic", **kwargs}
    with pytest.raises(error, match=match):
        run_batch(folder, tmp_path / "o", 2, progress=False, **args)


def test_missing_folder_and_output_is_input(folder, tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        run_batch(tmp_path / "nothing", tmp_path / "o", 2, progress=False)
    with pytest.raises(ValueError, match="is the input folder"):
        run_batch(folder, folder, 2, progress=False)


def test_empty_folder_is_nothing_to_do(tmp_path, capsys):
    """No image: nothing to do, said so, exit status 0, nothing created."""
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("no images here")
    report = run_batch(tmp_path / "empty", tmp_path / "o", 2, progress=False)
    assert not (report.done or report.failed or report.skipped)
    assert "nothing to do" in report.summary()
    assert main(["batch", str(tmp_path / "empty"), str(tmp_path / "o"), "--scale", "2",
                 "--no-progress"]) == 0
    assert "no images" in capsys.readouterr().out
    assert not (tmp_path / "o").exists()


def test_what_the_output_format_cannot_hold_is_reported(tmp_path, capsys):
    src = tmp_path / "in"
    write_image(src / "deep.png", data.camera()[:20, :20].astype(np.uint16) * 257)
    write_image(src / "rgba.png", np.dstack([data.astronaut()[:20, :20],
                                             np.full((20, 20), 7, np.uint8)]))
    write_image(src / "plain.png", data.astronaut()[:20, :20])
    report = run_batch(src, tmp_path / "out", 2, workers=1, progress=False, fmt="jpg")
    assert len(report.done) == 3 and not report.failed
    assert sorted(Path(name).name for name, _ in report.warnings) == ["deep.png", "rgba.png"]
    summary = report.summary()
    assert "WARNING" in summary and "alpha" in summary and "8-bit" in summary


# -- output names ----------------------------------------------------------------------

def test_output_names_are_distinct_and_predictable():
    files = [Path(n) for n in ("a.png", "a.jpg", "A.tif", "b.png", "c d.bmp", "a.png.png")]
    assert output_names(files, "png") == ["a.png.png", "a.jpg.png", "A.tif.png", "b.png",
                                          "c d.png", "a.png.png.png"]
    assert output_names(files[3:5], "tif") == ["b.tif", "c d.tif"]
    assert unique_names([Path("index.html.png"), Path("x.png")],
                        reserved=["index.html"]) == ["index.html.png", "x"]


def test_same_stem_inputs_get_distinct_outputs(tmp_path, capsys):
    src = tmp_path / "in"
    img = data.astronaut()[:40, :48]
    write_image(src / "a.png", img)
    write_image(src / "a.jpg", img[::-1])
    write_image(src / "b.png", img[:, ::-1])
    out = tmp_path / "out"
    args = ["batch", str(src), str(out), "--scale", "2", "--workers", "1", "--no-progress"]
    assert main(args) == 0
    assert "3 upscaled" in capsys.readouterr().out
    assert sorted(p.name for p in out.glob("*.png")) == ["a.jpg.png", "a.png.png", "b.png"]
    for name in ("a.png", "a.jpg"):
        np.testing.assert_array_equal(read_image(out / f"{name}.png"),
                                      classicsr.upscale(read_image(src / name), 2))
    assert main(args) == 0  # rerun: both skipped, none lost
    assert "0 upscaled, 3 skipped" in capsys.readouterr().out
    assert main(args + ["--overwrite"]) == 0
    assert "3 upscaled" in capsys.readouterr().out
    assert len(list(out.glob("*.png"))) == 3


# -- the settings record ---------------------------------------------------------------

@pytest.fixture()
def done(folder, tmp_path):
    out = tmp_path / "out"
    run_batch(folder, out, 2, "bicubic", workers=1, progress=False)
    return out


def test_settings_are_recorded(done):
    record = json.loads((done / SETTINGS_FILE).read_text())
    assert record == {"classicsr": classicsr.__version__, "method": "bicubic", "scale": 2,
                      "options": {}, "backprojection": False,
                      "backprojection_iterations": None, "format": "png"}


@pytest.mark.parametrize("change, match", [
    ({"scale": 3}, "scale 2 .recorded., 3 .now."),
    ({"scale": 2.5}, "scale"),
    ({"method": "nearest"}, "method 'bicubic'"),
    ({"backprojection": True}, "backprojection False"),
    ({"fmt": "tif"}, "format 'png'"),
])
def test_resume_with_other_settings_is_refused(folder, done, change, match):
    args = {"scale": 2, "method": "bicubic", **change}
    with pytest.raises(FileExistsError, match=match):
        run_batch(folder, done, workers=1, progress=False, **args)
    report = run_batch(folder, done, workers=1, progress=False, overwrite=True, **args)
    assert len(report.done) == 4
    record = json.loads((done / SETTINGS_FILE).read_text())
    assert record["method"] == args["method"] and record["scale"] == args["scale"]
    # and the new settings resume
    assert len(run_batch(folder, done, workers=1, progress=False, **args).skipped) == 4


def test_same_settings_written_differently_resume(folder, done):
    report = run_batch(folder, done, 2.0, "bicubic", workers=1, progress=False, fmt=".PNG")
    assert len(report.skipped) == 4


def test_other_version_unknown_and_unreadable_records_are_refused(folder, done, capsys):
    record = done / SETTINGS_FILE
    settings = json.loads(record.read_text())
    record.write_text(json.dumps({**settings, "classicsr": "0.0.1"}))
    with pytest.raises(FileExistsError, match="classicsr '0.0.1'"):
        run_batch(folder, done, 2, "bicubic", workers=1, progress=False)
    record.write_text("{not json")
    with pytest.raises(FileExistsError, match="cannot be read"):
        run_batch(folder, done, 2, "bicubic", workers=1, progress=False)
    record.unlink()  # outputs of an unknown run
    assert main(["batch", str(folder), str(done), "--scale", "2", "--workers", "1",
                 "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "no settings record" in err and "--overwrite" in err and err.count("\n") == 1
    assert len(run_batch(folder, done, 2, "bicubic", workers=1, progress=False,
                         overwrite=True).done) == 4
    assert json.loads(record.read_text()) == settings


# -- real folders ----------------------------------------------------------------------

def _mixed_sizes(src):
    rng = np.random.default_rng(1)
    write_image(src / "small.png", data.astronaut()[:9, :13])
    write_image(src / "wide.png", data.astronaut()[:20, :200])
    write_image(src / "grey.png", data.camera()[:31, :17])
    write_image(src / "rgba.png", np.dstack([data.astronaut()[:24, :24],
                                             rng.integers(0, 256, (24, 24), np.uint8)]))
    write_image(src / "deep.tif", (data.camera()[:16, :16].astype(np.uint16) * 257))
    return {"small.png": (18, 26, 3), "wide.png": (40, 400, 3), "grey.png": (62, 34),
            "rgba.png": (48, 48, 4), "deep.tif": (32, 32)}, set()


def _unreadable_among_good(src):
    write_image(src / "good1.png", data.astronaut()[:16, :16])
    write_image(src / "good2.jpg", data.astronaut()[16:32, :16])
    (src / "empty.png").write_bytes(b"")
    good = (src / "good1.png").read_bytes()
    (src / "truncated.png").write_bytes(good[:len(good) // 2])
    (src / "text.jpg").write_text("not a JPEG")
    (src / "folder.png").mkdir()  # not a file: not an input
    return ({"good1.png": (32, 32, 3), "good2.jpg": (32, 32, 3)},
            {"empty.png", "truncated.png", "text.jpg"})


def _spaces_and_non_ascii(src):
    img = data.astronaut()[:12, :10]
    names = ["with space.png", "été à Noël.png", "日本語.jpg", "emoji 🙂.bmp", "[x] (1).png"]
    for k, name in enumerate(names):
        write_image(src / name, np.roll(img, k, axis=0))
    return {name: (24, 20, 3) for name in names}, set()


@pytest.mark.parametrize("make", [_mixed_sizes, _unreadable_among_good, _spaces_and_non_ascii],
                         ids=["mixed-sizes", "unreadable-among-good", "spaces-non-ascii"])
@pytest.mark.parametrize("workers", [1, 2])
def test_real_folders(tmp_path, make, workers, capsys):
    src = tmp_path / "in"
    src.mkdir()
    good, bad = make(src)
    out = tmp_path / "out"
    status = main(["batch", str(src), str(out), "--scale", "2", "--workers", str(workers),
                   "--no-progress"])
    captured = capsys.readouterr()
    assert status == (1 if bad else 0)
    assert f"{len(good)} upscaled" in captured.out
    assert "Traceback" not in captured.err
    for name in bad:
        assert f"FAILED {src / name}" in captured.out
    files = list_images(src)
    outputs = dict(zip((p.name for p in files), output_names(files, "png")))
    for name, shape in good.items():
        result = read_image(out / outputs[name])
        assert result.shape == shape
        np.testing.assert_array_equal(result, classicsr.upscale(read_image(src / name), 2))
    assert not list(out.glob(".*.tmp"))
    todo, skipped, blocked = plan(src, out)
    assert {s.name for s, _ in todo} == bad and len(skipped) == len(good) and not blocked
