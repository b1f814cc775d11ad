"""Build-time helpers of the classicsr documentation (imported by ``conf.py``).

- :func:`write_generated` writes ``docs/generated/``: one page per
  registered method (from :mod:`classicsr.registry`, with the measured PSNR
  and speed of ``benchmarks/results/*.json``), the method-choice table
  included by ``user_guide/choosing.rst``, and a copy of ``examples/`` that
  sphinx-gallery renders (the examples are never edited: the copy gets a
  title line, which sphinx-gallery requires).
- :class:`PNGScraper`, :func:`reset_argv` and :func:`reset_working_files`
  are sphinx-gallery hooks: the examples write their figures as PNG files
  (they never show a matplotlib window), run with ``--fast`` where they have
  it, each in a clean folder.

Numbers are read from the benchmark JSON files as measured there; nothing is
typed in here.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "benchmarks" / "results"
EXAMPLES = REPO / "examples"

#: Examples shown but not run by the gallery, with the reason.
NOT_RUN: dict[str, str] = {}  # real_video.py shows a simulated sequence without the data
#: sphinx-gallery's ``filename_pattern``: the examples it runs (the others are shown).
GALLERY_RUN_PATTERN = (r"[\\/](?!(?:" + "|".join(re.escape(n) for n in NOT_RUN) + r")$)[^\\/]+\.py$"
                       if NOT_RUN else r"\.py$")

KIND_TITLES = {"single": "Single-image methods", "face": "Face hallucination methods",
               "multiframe": "Multi-frame methods"}


# --------------------------------------------------------------------------- benchmarks
def _load(name):
    path = RESULTS / name
    if not path.is_file():
        return None
    with open(path) as f:
        return json.load(f)


def measurements():
    """``{method: [row, ...]}`` of the measured numbers in ``benchmarks/results``.

    Each row is a dict with ``source`` (the JSON file), ``setting``,
    ``quality`` (text, e.g. ``'32.55 dB'``) and ``speed`` (text).
    """
    rows: dict[str, list[dict]] = {}

    def add(method, **row):
        rows.setdefault(method, []).append(row)

    data = _load("example_based.json")
    if data:
        for r in data["rows"]:
            published = r.get("published")
            add(r["method"], source="example_based.json",
                setting=f"{r['dataset']} x{r['scale']} (Y, {r['images']} images)",
                quality=f"{r['psnr']:.2f} dB" + (
                    f" (paper {published:.2f})" if published is not None else ""),
                speed=f"{r['seconds']:.3f} s / image")
    data = _load("cnn.json")
    if data:
        for r in data["rows"]:
            seconds = r.get("seconds_per_set14_image", {}).get("cpu")
            for dataset, value in r["psnr"].items():
                if value is None:
                    continue
                add(r["method"], source="cnn.json", setting=f"{dataset} x{r['scale']} (Y)",
                    quality=f"{value:.2f} dB",
                    speed=(f"{seconds:.3f} s / Set14 image (CPU)"
                           if seconds is not None and dataset == "Set14" else ""))
    data = _load("ensemble.json")
    if data:
        for r in data["rows"]:
            for dataset, value in r["plain"].items():
                add(r["method"], source="ensemble.json", setting=f"{dataset} x{data['scale']} (Y)",
                    quality=f"{value:.2f} dB; {r['ensemble'][dataset]:.2f} dB with ensemble=True",
                    speed="")
    data = _load("multiframe.json")
    if data:
        for setting, q in data["quality"].items():
            for method, gain in q.get("gain_db", {}).items():
                seconds = q.get("seconds", {}).get(method)
                base = method.split("_")[0] if method.startswith("map_") else method
                base = {"l1btv_blind": "l1btv", "bayesian_blind": "bayesian"}.get(base, base)
                add(base, source="multiframe.json", setting=f"{setting} ({method})",
                    quality=f"+{gain:.2f} dB over bicubic",
                    speed="" if seconds is None else f"{seconds:.2f} s")
    data = _load("face.json")
    if data:
        for r in data["rows"]:
            add(r["method"], source="face.json", setting="FEI x4, 40 test faces",
                quality=f"{r['psnr']:.2f} dB" + (
                    f" (paper {r['published_psnr']:.2f})"
                    if r.get("published_psnr") is not None else ""),
                speed=f"{r['seconds_per_face']:.4f} s / face")
    data = _load("self_examples.json")
    if data and "speed" in data:
        s = data["speed"]
        for method, seconds in s["mean_s"].items():
            if method == "aplus":
                continue
            add(method, source="self_examples.json", setting=f"Set14 x{s['scale']}",
                quality="", speed=f"{seconds:.2f} s / image ({_ratio(s, method):.0f}x A+)")
    for key, method in (("psnr", "selfexsr"), ("psnr_affine", "selfexsr_affine")):
        for case, r in (data or {}).get(key, {}).items():
            add(method, source="self_examples.json",
                setting=f"{case.replace('_', ' ')} (Y, the SelfExSR LR files)",
                quality=f"{r['ours_as_published']:.2f} dB (paper {r['authors']:.2f})", speed="")
    return rows


def _ratio(speed, method):
    """The ratio to A+ of ``method`` in a ``speed`` record (one number in older files)."""
    ratio = speed["ratio_to_aplus"]
    return ratio[method] if isinstance(ratio, dict) else ratio


def _choice_numbers():
    """``{method: (quality, speed)}`` for the method-choice table: Set5 x3 PSNR
    and seconds with the ratio to A+ in the same run (single-image), the gain
    on the x2 translation burst (multi-frame), FEI x4 PSNR (faces)."""
    out = {}
    data = _load("example_based.json")
    if data:
        set5 = {r["method"]: r for r in data["rows"] if r["dataset"] == "Set5" and r["scale"] == 3}
        aplus = set5.get("aplus", {}).get("seconds")
        for method, r in set5.items():
            ratio = f" ({r['seconds'] / aplus:.2g}x A+)" if aplus else ""
            seconds = f"{r['seconds']:.2g}" if r["seconds"] < 0.01 else f"{r['seconds']:.3f}"
            out[method] = (f"{r['psnr']:.2f} dB", f"{seconds} s{ratio}")
    data = _load("cnn.json")
    if data:
        for r in data["rows"]:
            if r["scale"] == 3 and r["method"] not in out and r["psnr"].get("Set5") is not None:
                s = r.get("seconds_per_set14_image", {}).get("cpu")
                out[r["method"]] = (f"{r['psnr']['Set5']:.2f} dB",
                                    "" if s is None else f"{s:.3f} s (Set14, CPU)")
    data = _load("ensemble.json")  # Set5 x3 of the methods the runs above lack
    if data and data["scale"] == 3:
        for r in data["rows"]:
            if r["method"] not in out and "Set5" in r["plain"]:
                out[r["method"]] = (f"{r['plain']['Set5']:.2f} dB", "")
    data = _load("self_examples.json")
    for key, method in (("psnr", "selfexsr"), ("psnr_affine", "selfexsr_affine")):
        r = (data or {}).get(key, {}).get("Set5_x3")
        if r and method not in out:
            out[method] = (f"{r['ours']:.2f} dB (LR files)", "")
    if data and "speed" in data:
        s = data["speed"]
        for method, seconds in s["mean_s"].items():
            if method != "aplus" and (method not in out or not out[method][1]):
                out[method] = (out.get(method, ("", ""))[0],
                               f"{seconds:.2f} s (Set14; {_ratio(s, method):.0f}x A+)")
    data = _load("multiframe.json")
    if data and "x2_translation" in data["quality"]:
        q = data["quality"]["x2_translation"]
        for method, gain in q["gain_db"].items():
            name = {"map_btv": "map"}.get(method, method)
            if name in out or method.endswith("_blind") or (
                    method.startswith("map_") and method != "map_btv"):
                continue
            out[name] = (f"+{gain:.2f} dB (x2 burst)", f"{q['seconds'][method]:.2f} s")
    data = _load("face.json")
    if data:
        for r in data["rows"]:
            if r["method"].startswith("face_"):
                out[r["method"]] = (f"{r['psnr']:.2f} dB (FEI x4)",
                                    f"{r['seconds_per_face']:.4f} s / face")
    return out


# --------------------------------------------------------------------------- pages
def _rst_escape(text):
    return str(text).replace("\\", "\\\\").replace("*", r"\*").replace("`", r"\`").replace(
        "|", r"\|").replace("_", r"\_")


def _needs(info):
    """What a method needs, in words."""
    from classicsr.modelstore import has_shipped_model

    needs = []
    if info.kind == "multiframe":
        needs.append("several frames of one scene")
    if info.kind == "face":
        needs.append("an aligned face and a face set")
    if info.model is not None:
        shipped = [s for s in (2, 3, 4) if has_shipped_model(info.model, s)]
        needs.append(f"model ``{info.model}``"
                     + (f" (shipped x{', x'.join(map(str, shipped))})" if shipped
                        else " (train it: ``classicsr train``)"))
    for module, extra in info.requires:
        needs.append(f'``pip install "classicsr[{extra}]"`` ({module})')
    return "; ".join(needs) or "nothing"


def _table(header, rows):
    """An rst list-table (``header=None``: none)."""
    lines = [".. list-table::", f"   :header-rows: {0 if header is None else 1}", ""]
    for row in ([] if header is None else [header]) + rows:
        lines.append("   * - " + (row[0] or " "))
        lines.extend("     - " + (cell or " ") for cell in row[1:])
    return "\n".join(lines) + "\n"


def method_page(info, measured):
    """The rst page of one registered method."""
    title = f"``{info.name}``"
    lines = [f".. _method-{info.name}:", "", title, "=" * len(title), "",
             _rst_escape(info.description[:1].upper() + info.description[1:]) + ".", ""]
    scales = ("any positive scale" if info.scales is None
              else ", ".join(f"x{s}" for s in info.scales))
    call = {"single": f"classicsr.upscale(img, scale, method={info.name!r})",
            "face": f"classicsr.upscale(face, 4, method={info.name!r}, model=face_set)",
            "multiframe": f"classicsr.upscale_frames(frames, scale, method={info.name!r})"}
    lines += _table(None, [
        ["Paper", _rst_escape(info.reference)],
        ["Kind", f"{info.kind} (:ref:`{KIND_TITLES[info.kind].lower()} <methods-{info.kind}>`)"],
        ["Call", f"``{call[info.kind]}``"],
        ["Scales", scales],
        ["Colour", "luminance (Y; Cb/Cr bicubic)" if info.channels == "luminance"
         else "every channel"],
        ["Needs", _needs(info)],
        ["Tile halo", f"{info.halo} LR pixels"],
        ["Working memory", "not measured (never tiled)" if info.memory is None
         else f"{info.memory:.0f} bytes per output pixel"],
    ]).splitlines()
    lines += ["", "Options", "-------", ""]
    if info.options:
        lines += _table(["Option", "Default", "Description"],
                        [[f"``{o.name}``", f"``{o.default!r}``", _rst_escape(o.description)]
                         for o in info.options]).splitlines()
    else:
        lines.append("None.")
    lines += ["", "Measured", "--------", ""]
    rows = measured.get(info.name, [])
    if rows:
        lines += ["From ``benchmarks/results/`` (each file says the machine and how it was "
                  "measured; speed on 2 CPU cores unless said).", ""]
        lines += _table(["Setting", "Quality", "Speed", "File"],
                        [[_rst_escape(r["setting"]), _rst_escape(r["quality"]),
                          _rst_escape(r["speed"]), f"``{r['source']}``"]
                         for r in rows]).splitlines()
    else:
        lines.append("No benchmark result for this method in ``benchmarks/results/``.")
    return "\n".join(lines) + "\n"


def methods_index(infos):
    lines = [".. _methods:", "", "Methods", "=======", "",
             "Every method of the registry (:func:`classicsr.available_methods`), one page "
             "each, generated from its registry entry (:class:`classicsr.registry.MethodInfo`) "
             "and the benchmark results. ``classicsr methods NAME`` prints the same options "
             "on the command line.", ""]
    for kind, title in KIND_TITLES.items():
        names = [n for n, i in infos.items() if i.kind == kind]
        lines += [f".. _methods-{kind}:", "", title, "-" * len(title), "",
                  ".. toctree::", "   :maxdepth: 1", ""]
        lines += [f"   {n}" for n in names]
        lines.append("")
    return "\n".join(lines)


def choice_table(infos):
    """The method-choice table (included by ``user_guide/choosing.rst``)."""
    numbers = _choice_numbers()
    rows = []
    for kind in KIND_TITLES:
        for name, info in infos.items():
            if info.kind != kind:
                continue
            quality, speed = numbers.get(name, ("", ""))
            year = re.search(r"\b(?:19|20)\d\d\b", info.reference)
            rows.append([f":ref:`{name} <method-{name}>`", kind, quality or "not measured",
                         speed or "not measured", _needs(info),
                         year.group(0) if year else "n/a"])
    return _table(["Method", "Kind", "Quality", "Speed", "Needs", "Year"], rows)


# --------------------------------------------------------------------------- gallery
def _gallery_copy(name, text):
    """``text`` of an example with the title line sphinx-gallery needs.

    The examples' docstrings start with a one-line summary; it becomes the
    title (underlined). Examples not run get a note saying why.
    """
    match = re.match(r'(\s*"""|\s*\'\'\')(.*?)\n', text)
    if not match:
        raise ValueError(f"examples/{name}: no module docstring")
    title = match.group(2).strip().rstrip(".")
    note = ""
    if name in NOT_RUN:
        note = f"\n.. note:: Not run for this page: {NOT_RUN[name]}.\n"
    head = f'"""\n{title}\n{"=" * len(title)}\n{note}\n'
    body = head + _literal_commands(text[match.end():])
    # sphinx-gallery runs the code with __doc__ = "" while the examples read their
    # docstring (argparse descriptions): restore it, hidden from the rendered code
    end = body.index(match.group(1).strip(), len(head)) + 3
    original = ast.get_docstring(ast.parse(text), clean=False)
    restore = ("\n# sphinx_gallery_start_ignore\n"
               f"__doc__ = {original!r}\n"
               "# sphinx_gallery_end_ignore\n")
    body = body[:end] + "\n" + restore + body[end:]
    # 'raise SystemExit(main())' would end the documentation build: the status is
    # checked instead (a failing example fails the build, abort_on_example_error)
    return re.sub(
        r"^( +)(?:raise SystemExit|sys\.exit)\(main\(\)\)$",
        lambda m: (f"{m.group(1)}status = main()\n"
                   f"{m.group(1)}# sphinx_gallery_start_ignore\n"
                   f"{m.group(1)}if status:\n"
                   f"{m.group(1)}    raise RuntimeError(f'exit status {{status}}')\n"
                   f"{m.group(1)}# sphinx_gallery_end_ignore"),
        body, flags=re.M)


def _literal_commands(text):
    """Indented blocks of the docstring (``python examples/...`` command lines)
    become ``code-block:: bash`` directives (plain rst would read them as block
    quotes, and their deeper-indented comment lines as errors)."""
    end = text.index('"""')
    lines = text[:end].split("\n")
    out = []
    for k, line in enumerate(lines):
        starts_block = (line.startswith("    ") and k > 0 and not lines[k - 1].strip()
                        and not (k > 1 and lines[k - 2].rstrip().endswith("::")))
        if starts_block:
            out += [".. code-block:: bash", ""]
        out.append(line)
    return "\n".join(out) + text[end:]


def write_gallery_sources(target):
    """Copy ``examples/*.py`` to ``target`` for sphinx-gallery."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    (target / "GALLERY_HEADER.rst").write_text(
        "Gallery\n=======\n\nThe runnable examples of ``examples/``, run for this page with "
        "``--fast`` where they take it (fewer images, frames or training patches); "
        "run them without it for the full results. Each writes its figures as PNG files "
        "in the current folder.\n")
    for path in sorted(EXAMPLES.glob("*.py")):
        (target / path.name).write_text(_gallery_copy(path.name, path.read_text()))


def _write(path, text):
    """Write only when changed (Sphinx rebuilds what changed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.is_file() or path.read_text() != text:
        path.write_text(text)


def public_modules():
    """Every public module of classicsr (no part of its name with a leading
    underscore), imported; sub-modules of the optional extras that cannot be
    imported here are left out."""
    import importlib
    import pkgutil

    import classicsr

    modules = {"classicsr": classicsr}
    for info in pkgutil.walk_packages(classicsr.__path__, "classicsr."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        try:
            modules[info.name] = importlib.import_module(info.name)
        except ImportError:
            continue
    return modules


def _public_names(module):
    """``__all__``, else the public functions and classes the module defines."""
    import inspect

    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n, obj in vars(module).items() if not n.startswith("_")
                 and getattr(obj, "__module__", None) == module.__name__]
    return [n for n in names
            if inspect.isclass(getattr(module, n)) or inspect.isroutine(getattr(module, n))]


def canonical_name(obj, modules):
    """Where an object is documented: its defining module if public and exporting
    it, else the nearest public package above (``classicsr.resize.imresize`` for
    the function of ``classicsr.resize._imresize``)."""
    parts = obj.__module__.split(".")
    public = next((k for k, p in enumerate(parts) if p.startswith("_")), len(parts))
    for end in range(public, 0, -1):
        name = ".".join(parts[:end])
        module = modules.get(name)
        if module is not None and obj.__name__ in _public_names(module) \
                and getattr(module, obj.__name__) is obj:
            return f"{name}.{obj.__name__}"
    return None


def _members(name, module, modules):
    """``({'Functions': [...], 'Classes': [...]}, [...])``: the full names of the
    functions and classes documented on a module's page, and those it exports
    that are documented in another module."""
    import inspect

    owned = {"Functions": [], "Classes": []}
    elsewhere = []
    for n in _public_names(module):
        obj = getattr(module, n)
        canonical = canonical_name(obj, modules) or f"{name}.{n}"
        if canonical == f"{name}.{n}":
            owned["Classes" if inspect.isclass(obj) else "Functions"].append(canonical)
        else:
            elsewhere.append(canonical)
    return owned, elsewhere


def _member_tables(name, module, modules, toctree, relative=True):
    """rst tables of a module's functions and classes: those it documents (pages
    made by autosummary in ``toctree``) and those documented in another module.
    ``relative``: names below ``name`` are written relative to it (the page's
    current module, as autosummary wants them)."""
    def entry(full):
        return full[len(name) + 1:] if relative and full.startswith(name + ".") else full

    owned, elsewhere = _members(name, module, modules)
    lines = []
    for rubric, items in owned.items():
        if items:
            lines += [f".. rubric:: {rubric}", "", ".. autosummary::", f"   :toctree: {toctree}",
                      "   :nosignatures:", ""] + [f"   {entry(i)}" for i in items] + [""]
    if elsewhere:
        lines += [".. rubric:: Documented in their modules", "", ".. autosummary::",
                  "   :nosignatures:", ""] + [f"   {entry(i)}" for i in elsewhere] + [""]
    return lines


def module_page(name, module, modules):
    """The page of one public module: its docstring, its functions and classes,
    its sub-modules."""
    title = name.replace("_", r"\_")
    lines = [title, "=" * len(title), "", f".. automodule:: {name}", "   :no-members:", ""]
    lines += _member_tables(name, module, modules, ".")
    children = [m for m in modules if m.startswith(name + ".") and "." not in m[len(name) + 1:]]
    if children:
        lines += [".. rubric:: Modules", "", ".. toctree::", "   :maxdepth: 1", ""]
        lines += [f"   {child}" for child in children] + [""]
    return "\n".join(lines)


def api_page(modules):
    """The API reference: ``classicsr.__all__``, then every public module."""
    top = [m for m in modules if m != "classicsr" and "." not in m[len("classicsr."):]]
    lines = [".. _api:", "", "API reference", "=============", "",
             "The top-level functions (``classicsr.__all__``), then every public module "
             "(names without a leading underscore; the list is made from the package at "
             "each build) with its functions, classes and sub-modules.", ""]
    lines += _member_tables("classicsr", modules["classicsr"], modules, "api", relative=False)
    lines += [".. rubric:: Modules", "", ".. autosummary::", "   :nosignatures:", ""]
    lines += [f"   {name}" for name in top]
    lines += ["", ".. toctree::", "   :hidden:", ""] + [f"   api/{name}" for name in top]
    return "\n".join(lines) + "\n"


def write_generated(docs):
    """Write ``docs/generated``: method pages, the choice table, gallery sources."""
    from classicsr import available_methods

    infos = available_methods("all")
    measured = measurements()
    out = Path(docs) / "generated"
    for name, info in infos.items():
        _write(out / "methods" / f"{name}.rst", method_page(info, measured))
    for stale in (out / "methods").glob("*.rst"):
        if stale.stem not in infos and stale.stem != "index":
            stale.unlink()
    _write(out / "methods" / "index.rst", methods_index(infos))
    _write(out / "choice_table.rst", choice_table(infos))
    modules = public_modules()
    for name, module in modules.items():
        if name != "classicsr":  # the top level is the API page itself
            _write(out / "api" / f"{name}.rst", module_page(name, module, modules))
    pages = set(modules)  # a page per module and per function or class it documents
    for name, module in modules.items():
        pages.update(*_members(name, module, modules)[0].values())
    for stale in (out / "api").glob("*.rst"):  # e.g. of a module removed or not importable
        if stale.stem not in pages:
            stale.unlink()
    _write(out / "api.rst", api_page(modules))
    write_gallery_sources(out / "gallery_src")


# --------------------------------------------------------------------------- gallery hooks
def reset_argv(gallery_conf, script_vars):
    """Command-line arguments of an example in the gallery: ``--fast`` where it has it."""
    text = Path(script_vars["src_file"]).read_text()
    return ["--fast"] if "--fast" in text else []


def _working_files(folder):
    keep = {"GALLERY_HEADER.rst"}
    return [p for p in Path(folder).iterdir()
            if p.name not in keep and p.suffix != ".py" and p.name != "__pycache__"]


def reset_working_files(gallery_conf, fname, when=None):
    """Before each example: remove what the previous one wrote in the gallery folder."""
    folder = Path(gallery_conf["examples_dirs"])
    for path in _working_files(folder):
        shutil.rmtree(path) if path.is_dir() else path.unlink()


class PNGScraper:
    """sphinx-gallery scraper: the PNG files an example wrote are its figures.

    The examples save their figures with :func:`classicsr.io.atomic_write_bytes`
    (no matplotlib window); the new PNG files in the folder they run in (and
    its sub-folders) are moved to the gallery's image paths, in name order.
    """

    def __repr__(self):  # sphinx-gallery keys its cache on it
        return "PNGScraper"

    def __call__(self, block, block_vars, gallery_conf):
        from sphinx_gallery.scrapers import figure_rst

        folder = Path(block_vars["src_file"]).parent
        pngs = sorted(p for p in folder.rglob("*.png"))
        paths = []
        for png, image_path in zip(pngs, block_vars["image_path_iterator"]):
            shutil.move(str(png), image_path)
            paths.append(image_path)
        return figure_rst(paths, gallery_conf["src_dir"])


#: The instance named in ``sphinx_gallery_conf['image_scrapers']``.
png_scraper = PNGScraper()
