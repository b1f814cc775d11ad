"""classicsr compare: the HTML report parses and references files that exist."""

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pytest
from skimage import data

import classicsr
from classicsr.cli import main
from classicsr.io import read_image, write_image
from classicsr.report import compare, textured_crop


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for key, value in attrs:
            if key in ("src", "href"):
                self.refs.append(value)


@pytest.fixture()
def images(tmp_path):
    folder = tmp_path / "imgs"
    write_image(folder / "astro.png", data.astronaut()[100:196, 150:246])
    write_image(folder / "cam.png", data.camera()[200:290, 200:290])
    return folder


def test_report_html_and_files(images, tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["compare", str(images), "--scale", "3", "--methods", "bicubic", "aplus",
                 "--out", str(out), "--no-progress"]) == 0
    page = (out / "index.html").read_text()
    parser = _Links()
    parser.feed(page)
    parser.close()
    assert {"html", "table", "img"} <= set(parser.tags)
    assert parser.refs and all(not r.startswith(("http:", "https:", "/")) for r in parser.refs)
    for ref in parser.refs:
        assert (out / unquote(ref)).is_file(), ref
    for name in ("astro", "cam"):
        for f in ("hr.png", "lr.png", "comparison.png", "bicubic.png", "crop_aplus.png"):
            assert (out / name / f).is_file()
    rows = (out / "results.csv").read_text().splitlines()
    assert len(rows) == 1 + 2 * 2
    assert "report:" in capsys.readouterr().out
    # refuses to write into the report folder again without --overwrite
    assert main(["compare", str(images), "--scale", "3", "--methods", "bicubic",
                 "--out", str(out), "--no-progress"]) == 1
    assert main(["compare", str(images), "--scale", "3", "--methods", "bicubic",
                 "--out", str(out), "--no-progress", "--overwrite"]) == 0


def test_report_numbers_are_the_protocol(images, tmp_path):
    rows = compare(images / "cam.png", 2, ["bicubic"], tmp_path / "r", progress=False)
    hr = classicsr.modcrop(data.camera()[200:290, 200:290], 2)
    sr = classicsr.upscale(classicsr.degrade(hr, 2), 2, "bicubic")
    assert rows[0]["psnr"] == pytest.approx(classicsr.psnr(hr, sr, crop_border=2), abs=1e-12)


def test_textured_crop_finds_the_texture():
    img = np.zeros((64, 64), np.uint8)
    img[40:56, 8:24] = np.random.default_rng(0).integers(0, 255, (16, 16))
    top, left, h, w = textured_crop(img)
    assert h == w == 16 and abs(top - 40) <= 4 and abs(left - 8) <= 4


def test_bad_input(tmp_path, images):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        compare(tmp_path / "missing.png", 2, ["bicubic"], tmp_path / "r", progress=False)
    with pytest.raises(ValueError, match="scale"):
        compare(images, 5, ["aplus"], tmp_path / "r", progress=False)
    with pytest.raises(ValueError, match="at least one"):
        compare(images, 2, [], tmp_path / "r", progress=False)
    Path(tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no images"):
        compare(tmp_path / "empty", 2, ["bicubic"], tmp_path / "r", progress=False)


def _table_cells(page):
    """The report table as rows of cell HTML."""
    table = page[page.index("<table>"):page.index("</table>")]
    return [re.findall(r"<td>(.*?)</td>", row) for row in table.split("<tr>")[2:]]


def test_only_the_best_of_each_column_is_bold(images, tmp_path):
    out = tmp_path / "r"
    compare(images, 2, ["nearest", "bicubic", "bilinear"], out, progress=False)
    rows = _table_cells((out / "index.html").read_text())
    assert [r[0] for r in rows] == ["nearest", "bicubic", "bilinear"]
    means = {r[0]: r[3] for r in rows}
    assert means["bicubic"].count("<b>") == 2  # best mean PSNR and best mean SSIM
    assert "<b>" not in means["nearest"] and "<b>" not in means["bilinear"]
    for column in (1, 2):  # per image: the best PSNR and the best SSIM of the column
        assert sum(r[column].count("<b>") for r in rows) == 2
    assert sum(r[4].count("<b>") for r in rows) == 1  # the fastest


@pytest.fixture()
def odd_images(tmp_path):
    """RGBA, grey, 16-bit, float32 TIFF, and names that clash or need quoting."""
    import cv2

    folder = tmp_path / "odd"
    rgb = data.astronaut()[100:160, 150:210]
    alpha = np.random.default_rng(0).integers(0, 256, rgb.shape[:2], dtype=np.uint8)
    write_image(folder / "rgba.png", np.dstack([rgb, alpha]))
    write_image(folder / "rgb.png", rgb)
    write_image(folder / "same.png", data.camera()[:40, :44])
    write_image(folder / "same.jpg", data.camera()[50:90, :44])
    write_image(folder / "deep 16 bit.tif", data.camera()[:30, :30].astype(np.uint16) * 257)
    float_rgb = (rgb / 255.0).astype(np.float32)
    assert cv2.imwrite(str(folder / "float été.tiff"), float_rgb[..., ::-1])
    return folder


def test_rgba_grey_16bit_float_and_clashing_names(odd_images, tmp_path, capsys):
    out = tmp_path / "r"
    assert main(["compare", str(odd_images), "--scale", "2", "--methods", "bicubic", "aplus",
                 "--out", str(out), "--no-progress"]) == 0
    assert "report:" in capsys.readouterr().out
    rows = {(r["image"], r["method"]): r for r in
            json.loads((out / "results.json").read_text())}
    assert {i for i, _ in rows} == {"rgba", "rgb", "same.png", "same.jpg", "deep 16 bit",
                                    "float été"}
    # alpha is ignored by the metrics, as evaluate does: RGBA scores as its RGB
    for method in ("bicubic", "aplus"):
        assert rows["rgba", method]["psnr"] == rows["rgb", method]["psnr"]
        assert rows["rgba", method]["ssim"] == rows["rgb", method]["ssim"]
    assert read_image(out / "rgba" / "bicubic.png").shape[2] == 4  # alpha kept in outputs
    # float images: peak 1.0
    hr = classicsr.modcrop(read_image(odd_images / "float été.tiff"), 2)
    sr = classicsr.upscale(classicsr.degrade(hr, 2), 2, "bicubic")
    assert rows["float été", "bicubic"]["psnr"] == pytest.approx(
        classicsr.psnr(hr, sr, crop_border=2, data_range=1.0), abs=1e-12)
    assert 25 < rows["float été", "bicubic"]["psnr"] < 60
    # same stems get distinct folders; every reference exists
    assert (out / "same.png" / "hr.png").is_file() and (out / "same.jpg" / "hr.png").is_file()
    parser = _Links()
    parser.feed((out / "index.html").read_text())
    for ref in parser.refs:
        assert (out / unquote(ref)).is_file(), ref


def test_a_bad_image_does_not_abort_the_report(images, tmp_path, capsys):
    (images / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    write_image(images / "tiny.png", data.camera()[:5, :5])  # too small to shave 4 pixels
    out = tmp_path / "r"
    assert main(["compare", str(images), "--scale", "4", "--methods", "bicubic",
                 "--out", str(out), "--no-progress"]) == 1
    captured = capsys.readouterr()
    assert "FAILED" in captured.out and "broken.png" in captured.out
    assert "tiny.png" in captured.out and "2 image(s) could not be compared" in captured.err
    page = (out / "index.html").read_text()
    assert "Not compared" in page and "broken.png" in page
    assert (out / "astro" / "bicubic.png").is_file() and (out / "cam" / "bicubic.png").is_file()
    result = compare(images, 4, ["bicubic"], tmp_path / "r2", progress=False)
    assert len(result) == 2 and [Path(f).name for f, _ in result.failed] == ["broken.png",
                                                                             "tiny.png"]


def test_missing_extra_is_one_line(images, tmp_path, monkeypatch, capsys):
    from classicsr import registry

    monkeypatch.setattr(registry, "missing_requirements",
                        lambda info: ["onnx"] if info.name == "srcnn" else [])
    assert main(["compare", str(images), "--scale", "2", "--methods", "bicubic", "srcnn",
                 "--out", str(tmp_path / "r"), "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and 'pip install "classicsr[onnx]"' in err
    assert not (tmp_path / "r").exists()
