"""classicsr compare: the HTML report parses and references files that exist."""

from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from skimage import data

import classicsr
from classicsr.cli import main
from classicsr.io import write_image
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
        assert (out / ref).is_file(), ref
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
