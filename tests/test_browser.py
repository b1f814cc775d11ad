"""The ``compare`` report in a real browser: headless Chromium loads
``index.html`` from disk, every image decodes, nothing is logged as an error,
and a screenshot is kept (``$CLASSICSR_ARTIFACTS`` or the test's folder)."""

import os
from pathlib import Path

import pytest
from skimage import data

from classicsr.io import write_image
from classicsr.report import compare

from browser import IMAGES_JS, Browser, why_no_browser

pytestmark = pytest.mark.skipif(why_no_browser() is not None,
                                reason=why_no_browser() or "")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("images")
    write_image(folder / "astro.png", data.astronaut()[100:196, 150:246])
    write_image(folder / "cam.png", data.camera()[200:290, 200:290])
    out = tmp_path_factory.mktemp("report") / "report"
    compare(folder, 3, methods=["bicubic", "aplus"], out_dir=out, progress=False)
    return out / "index.html"


def _artifact(tmp_path, name):
    root = os.environ.get("CLASSICSR_ARTIFACTS")
    return (Path(root) if root else tmp_path) / name


def test_report_in_chromium(report, tmp_path):
    with Browser() as browser:
        browser.open(report)
        images = browser.evaluate(IMAGES_JS)
        title = browser.evaluate("document.title")
        cells = browser.evaluate("document.querySelectorAll('table td').length")
        shot = browser.screenshot(_artifact(tmp_path, "compare-report.png"), full_page=True)
    # every <img> of the file was loaded: 2 images x (the HR crop + one per method)
    assert len(images) == report.read_text().count("<img") == 2 * 3, images
    broken = [i["src"] for i in images if not i["width"] > 0]
    assert not broken, f"images that did not decode: {broken}"
    assert not browser.console_errors, browser.console_errors
    assert "classicsr" in title.lower()
    assert cells > 0
    assert shot.stat().st_size > 10_000


def test_a_broken_image_is_caught(report, tmp_path):
    """The checks above fail on a page whose image is missing or that logs an error."""
    page = tmp_path / "broken.html"
    page.write_text("<html><head><title>x</title></head><body>"
                    "<img src='missing.png'><img src='nothing.png'>"
                    "<script>console.error('boom')</script></body></html>")
    with Browser() as browser:
        browser.open(page)
        images = browser.evaluate(IMAGES_JS)
    assert [i["width"] for i in images] == [0, 0]
    assert any("boom" in e for e in browser.console_errors)
