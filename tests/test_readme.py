"""Every Python snippet of the README runs, in order, on files like a user's.

The snippets share one namespace (later ones use ``hr`` and ``lr`` of the
first), run in a temporary folder holding the files they name: ``photo.png``
(a size that is not a multiple of the scale), ``clip.mp4``, ``huge.tif`` and
``my_images/``.
"""

import os
import re
from pathlib import Path

import numpy as np
import pytest
from skimage import data

from classicsr.io import write_image

from video_clips import write_video

README = Path(__file__).resolve().parents[1] / "README.md"


def snippets():
    return re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def _needs(snippet):
    """Optional modules a snippet needs."""
    needs = []
    if "dask" in snippet:
        needs += ["dask", "tifffile", "zarr"]
    if "read_frames" in snippet:
        needs.append("av")
    return needs


@pytest.fixture
def user_folder(tmp_path, monkeypatch):
    photo = data.astronaut()[:301, :397]  # 301 x 397: not a multiple of 3
    write_image(tmp_path / "photo.png", photo)
    folder = tmp_path / "my_images"
    for k, crop in enumerate((data.astronaut()[:160, :160], data.coffee()[:160, :200],
                              data.chelsea()[:160, :160])):
        write_image(folder / f"train_{k}.png", crop)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _make_huge_tif(path):
    import tifffile

    tifffile.imwrite(path, data.astronaut()[:256, :256], tile=(128, 128))


def test_readme_snippets_run(user_folder, shared_or_none):
    import importlib.util

    blocks = snippets()
    assert len(blocks) >= 4
    missing = sorted({m for b in blocks for m in _needs(b)
                      if importlib.util.find_spec(m) is None})
    if missing:
        pytest.skip(f"the README snippets need {', '.join(missing)}")
    if shared_or_none is None:
        pytest.skip("the first snippet evaluates on Set5 / Set14 (../shared)")
    os.environ["CLASSICSR_DATA"] = str(shared_or_none / "data")
    write_video(user_folder / "clip.mp4",
                [np.roll(data.astronaut()[:96, :128], k, axis=1) for k in range(20)], "libx264",
                "yuv420p")
    _make_huge_tif(user_folder / "huge.tif")
    namespace = {}
    for k, block in enumerate(blocks):
        exec(compile(block, f"README.md python block {k + 1}", "exec"), namespace)
    assert namespace["sr"].shape == (300, 396, 3)  # the last snippet: A+ of lr
    assert (user_folder / "my_aplus_x3.npz").is_file()
    assert (user_folder / "bicubic.json").is_file()
