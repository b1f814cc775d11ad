"""Every example runs from an empty working directory, as a new user would run it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.py"))
#: Examples that use the real sequences of ../shared (a simulated one without them).
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


@pytest.mark.slow
def test_real_video_example_without_the_sequences(tmp_path):
    """Without ../shared the example says so and shows a simulated sequence (the gallery)."""
    env = dict(os.environ, CLASSICSR_DATA=str(tmp_path / "no-data"))
    script = Path(__file__).resolve().parents[1] / "examples" / "real_video.py"
    proc = subprocess.run([sys.executable, str(script), "--fast"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "simulated sequence instead" in proc.stderr
    assert (tmp_path / "classicsr-real-video" / "real_video.png").stat().st_size > 10_000
