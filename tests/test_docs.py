"""The built documentation (``python -m sphinx -W -b html docs docs/_build/html``,
run by .ci/run after the tests): every public name has a page, every
registered method has its page, the gallery shows every example with its
figure, and the pages load in headless Chromium without errors (screenshots
kept in ``$CLASSICSR_ARTIFACTS``). Skipped with the reason before the build."""

import importlib
import os
import re
import sys
from pathlib import Path

import pytest

import classicsr

REPO = Path(__file__).resolve().parents[1]
HTML = Path(os.environ.get("CLASSICSR_DOCS_HTML", REPO / "docs" / "_build" / "html"))

sys.path.insert(0, str(REPO / "docs" / "_ext"))
import classicsr_docs  # noqa: E402  (docs/_ext: what the build documents)

sys.path.pop(0)

pytestmark = pytest.mark.skipif(not (HTML / "objects.inv").is_file(),
                                reason=f"the documentation is not built in {HTML} "
                                       "(python -m sphinx -W -b html docs docs/_build/html)")


def _inventory():
    from sphinx.util.inventory import InventoryFile

    with open(HTML / "objects.inv", "rb") as f:
        inventory = InventoryFile.load(f, "", lambda base, uri: uri)
    data = getattr(inventory, "data", inventory)  # a dict before Sphinx 8.2
    return {name for kind, entries in data.items() if kind.startswith("py:") for name in entries}


def _resolve(name):
    """The object of a dotted name (the longest importable module prefix, then
    attributes: a module shadowed by a function of the same name still resolves)."""
    parts = name.split(".")
    for k in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:k]))
        except ImportError:
            continue
        try:
            for attr in parts[k:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


def test_every_public_name_has_a_page():
    """Every public module has a page, and every function and class it exports
    is documented (under its own name or where it is defined)."""
    documented = _inventory()
    objects = {id(obj) for obj in map(_resolve, documented) if obj is not None}
    missing = []
    modules = classicsr_docs.public_modules()  # those importable here
    assert len(modules) > 30 and "classicsr.self_examples.selfexsr" in modules
    for module_name, module in modules.items():
        if module_name != "classicsr":
            assert module_name in documented, f"module {module_name} has no page"
        # functions and classes; constants are described in their module's page
        for name in classicsr_docs._public_names(module):
            obj = getattr(module, name)
            if id(obj) not in objects:
                missing.append(f"{module_name}.{name}")
    assert not missing, f"public functions and classes without a page: {missing}"


def test_every_registered_method_has_a_page():
    for name, info in classicsr.available_methods("all").items():
        page = HTML / "generated" / "methods" / f"{name}.html"
        assert page.is_file(), name
        text = page.read_text()
        assert info.reference.split(",")[0].split()[-1] in text, f"{name}: no reference"
        for option in info.options:
            assert option.name in text, f"{name}: option {option.name} missing"


def test_the_choice_table_lists_every_method_with_numbers():
    text = (HTML / "user_guide" / "choosing.html").read_text()
    for name in classicsr.available_methods("all"):
        assert f"method-{name.replace('_', '-')}" in text, name
    # measured values of the benchmark JSON, e.g. A+'s Set5 x3 PSNR
    assert re.search(r"32\.\d\d dB", text)


def test_gallery_shows_every_example_with_its_figure():
    for script in sorted((REPO / "examples").glob("*.py")):
        page = HTML / "auto_examples" / f"{script.stem}.html"
        assert page.is_file(), f"no gallery page for {script.name}"
        text = page.read_text()
        if script.name in classicsr_docs.NOT_RUN:
            assert "Not run for this page" in text
        elif re.search(r"figure\(|savefig|subplots\(", script.read_text()):  # draws a figure
            assert re.search(r'<img [^>]*src="../_images/sphx_glr_', text), \
                f"{script.name}: its figure is not on the page"


@pytest.mark.skipif(not (REPO / "tests" / "browser.py").is_file(), reason="no browser helper")
def test_pages_in_chromium(tmp_path):
    from browser import IMAGES_JS, Browser, why_no_browser

    if why_no_browser():
        pytest.skip(why_no_browser())
    shots = Path(os.environ.get("CLASSICSR_ARTIFACTS", tmp_path))
    pages = {"docs-home.png": "index.html", "docs-choosing.png": "user_guide/choosing.html",
             "docs-gallery-quickstart.png": "auto_examples/quickstart.html",
             "docs-method-aplus.png": "generated/methods/aplus.html"}
    with Browser(width=1400, height=1000) as browser:
        for shot, page in pages.items():
            browser.open(HTML / page)
            images = browser.evaluate(IMAGES_JS)
            broken = [i["src"] for i in images if not i["width"] > 0]
            assert not broken, f"{page}: images that did not decode: {broken}"
            browser.screenshot(shots / shot, full_page=True)
    # the theme loads its scripts from disk; nothing may fail
    assert not browser.console_errors, browser.console_errors
