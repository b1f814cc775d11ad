"""Smoke test of an installed classicsr, run by .ci/run in a fresh venv outside
the checkout: the package imports from site-packages, its package data is there
(shipped models and their manifest, py.typed), a shipped model loads and the
command line answers."""

import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import numpy as np

import classicsr

here = Path(classicsr.__file__).resolve()
assert "site-packages" in here.parts, f"classicsr imported from {here}, not an install"
package = files("classicsr")
assert package.joinpath("py.typed").is_file(), "py.typed missing from the wheel"
assert package.joinpath("models", "manifest.json").is_file(), "models/manifest.json missing"
shipped = sorted(p.name for p in package.joinpath("models").iterdir() if p.name.endswith(".npz"))
assert shipped, "no shipped model in the wheel"
lr = (np.arange(24 * 24, dtype=np.uint8) * 7).reshape(24, 24)
for method in ("bicubic", "aplus"):
    sr = classicsr.upscale(lr, 3, method=method)
    assert sr.shape == (72, 72) and sr.dtype == np.uint8, (method, sr.shape, sr.dtype)
assert len(classicsr.available_methods("all")) >= 20
version = subprocess.run([sys.executable, "-m", "classicsr", "--version"], check=True,
                         capture_output=True, text=True).stdout.strip()
assert version == f"classicsr {classicsr.__version__}", version
print(f"smoke test passed: {version} from {here.parent}; {len(shipped)} shipped models")
