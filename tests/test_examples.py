"""Every example runs from an empty working directory, as a new user would run it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.py"))
#: Examples that need the real sequences of ../shared (they exit 1 with a message without).
NEEDS_SHARED = {"real_video.py"}


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.name for p in EXAMPLES])
@pytest.mark.slow
def test_example_runs(script, tmp_path, request):
    env = dict(os.environ)
    if script.name in NEEDS_SHARED:
        # skips with the reason when absent; the example, run from an empty folder
        # and installed outside the checkout, is told where the data is
        env["CLASSICSR_DATA"] = str(request.getfixturevalue("shared_dir") / "data")
    # Examples that train or loop take --fast (the suite stays under 10 minutes);
    # each was also run without arguments, as a new user would (see the note).
    fast = ["--fast"] if "--fast" in script.read_text() else []
    proc = subprocess.run([sys.executable, str(script), *fast], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert any(tmp_path.iterdir()), "the example wrote nothing"
