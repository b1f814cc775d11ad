"""Two processes writing to the same output never leave a corrupt or partial file.

Outputs are written to a temporary file in the target folder and renamed
into place (``classicsr.io.atomic_write_bytes``), so a reader sees the old
file or a complete new one, whichever process wins.
"""

import subprocess
import sys

import numpy as np
import pytest
from skimage import data

import classicsr
from classicsr.io import read_image, write_image


def _run_together(commands, cwd):
    procs = [subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for cmd in commands]
    return [p.wait(timeout=300) for p in procs]


def _leftovers(folder):
    return [p.name for p in folder.rglob("*") if p.name.endswith(".tmp")]


def test_two_upscales_to_one_file(tmp_path):
    src = tmp_path / "in.png"
    img = data.astronaut()[:120, :150]
    write_image(src, img)
    out = tmp_path / "out.png"
    cmd = [sys.executable, "-m", "classicsr", "upscale", str(src), str(out), "--scale", "2",
           "--method", "bicubic", "--overwrite"]
    for _ in range(3):
        codes = _run_together([cmd, cmd], tmp_path)
        assert codes == [0, 0]
        np.testing.assert_array_equal(read_image(out), classicsr.upscale(img, 2, "bicubic"))
    assert _leftovers(tmp_path) == []


@pytest.mark.slow
def test_two_batches_into_one_folder(tmp_path):
    folder = tmp_path / "in"
    for k in range(12):
        write_image(folder / f"img_{k:02d}.png", np.roll(data.astronaut()[:96, :96], k, axis=1))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "classicsr", "batch", str(folder), str(out), "--scale", "2",
           "--method", "bicubic", "--workers", "1", "--no-progress"]
    codes = _run_together([cmd, cmd], tmp_path)
    assert all(code in (0, 1) for code in codes), codes  # one may refuse; none may crash
    assert _leftovers(out) == []
    written = sorted(p for p in out.iterdir() if p.suffix == ".png")
    assert written, "at least one of the two runs processed the folder"
    for path in written:  # every output complete and right
        k = int(path.stem.split("_")[1])
        expected = classicsr.upscale(np.roll(data.astronaut()[:96, :96], k, axis=1), 2,
                                     "bicubic")
        np.testing.assert_array_equal(read_image(path), expected)
