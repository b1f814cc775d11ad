"""classicsr batch under Ctrl-C: it stops at once, keeps what is finished, says so.

``python -m classicsr batch`` runs as a subprocess in its own process group;
SIGINT goes to the whole group, as a terminal's Ctrl-C does, once the first
outputs appear.
"""

import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from skimage import data

import classicsr
from classicsr.batch import SETTINGS_FILE, BatchInterrupted, plan, run_batch
from classicsr.io import read_image, write_image

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

N_IMAGES = 30
METHOD = "scsr"  # about half a second per 64x64 image: the batch lasts long enough
SCALE = 3
STOP_SECONDS = 5.0


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    src = tmp_path_factory.mktemp("signals") / "in"
    src.mkdir()
    astronaut = data.astronaut()
    for k in range(N_IMAGES):
        top, left = 80 * (k // 6), 70 * (k % 6)
        write_image(src / f"img{k:02d}.png", astronaut[top:top + 64, left:left + 64])
    return src


def _terminal_sigint():
    """SIGINT as a command started from a terminal gets it: a shell's background job
    (``pytest &``, a CI script run with ``&``) starts with SIGINT ignored, which the
    child would inherit -- Python then never raises KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(src, out, workers):
    env = {**os.environ, "NUMBA_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "classicsr", "batch", str(src), str(out), "--scale",
         str(SCALE), "--method", METHOD, "--workers", str(workers), "--no-progress"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        start_new_session=True, preexec_fn=_terminal_sigint)


def _wait_for_outputs(proc, out, timeout=240.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if out.is_dir() and any(p.suffix == ".png" for p in out.iterdir()):
            return
        if proc.poll() is not None:
            pytest.fail(f"batch ended before the interrupt: {proc.communicate()}")
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    pytest.fail("no output appeared")


def _living_members(pgid):
    """Processes of group ``pgid`` that still run, as (pid, command line).

    Zombies do not count: they have ended and wait to be reaped by whoever
    adopted them (multiprocessing's resource tracker, which the batch does not
    wait for, ends last and is reaped by init, sometimes late on a loaded
    machine). Without /proc, any member counts.
    """
    import glob

    stats = glob.glob("/proc/[0-9]*/stat")
    if not stats:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return []
        return [(pgid, "?")]
    living = []
    for stat in stats:
        try:
            with open(stat) as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                with open(stat[:-len("stat")] + "cmdline", "rb") as handle:
                    living.append((int(stat.split("/")[2]),
                                   handle.read().replace(b"\0", b" ").decode()[:200]))
        except (OSError, IndexError, ValueError):  # ended meanwhile
            continue
    return living


def _group_is_gone(pgid, timeout=2.0):
    """Whether every process of the group (the workers too) has ended."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _living_members(pgid):
            return True
        time.sleep(0.05)
    return False


def _interrupt(src, out, workers, signals):
    """Start, interrupt with ``signals`` SIGINTs 0.1 s apart; (status, stdout, stderr, s)."""
    proc = _start(src, out, workers)
    _wait_for_outputs(proc, out)
    start = time.monotonic()
    for k in range(signals):
        if k:
            time.sleep(0.1)
        os.killpg(proc.pid, signal.SIGINT)
    try:
        stdout, stderr = proc.communicate(timeout=STOP_SECONDS + 5)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        pytest.fail(f"batch did not stop within {STOP_SECONDS + 5} s of SIGINT: {stderr}")
    seconds = time.monotonic() - start
    print(f"stopped {seconds:.2f} s after the first SIGINT ({workers} workers, {signals} "
          "SIGINT)")
    assert _group_is_gone(proc.pid), \
        f"a worker process outlived the batch: {_living_members(proc.pid)}"
    return proc.returncode, stdout, stderr, seconds


def _check_outputs(src, out):
    """Finished outputs are whole images, no temporary file is left, a rerun resumes."""
    outputs = sorted(p for p in out.iterdir() if p.suffix == ".png")
    assert 1 <= len(outputs) < N_IMAGES
    for path in outputs:
        assert read_image(path).shape == (64 * SCALE, 64 * SCALE, 3)
    np.testing.assert_array_equal(
        read_image(outputs[0]),
        classicsr.upscale(read_image(src / outputs[0].name), SCALE, METHOD))
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]
    assert (out / SETTINGS_FILE).is_file()
    todo, skipped, blocked = plan(src, out)
    assert len(skipped) == len(outputs) and len(todo) == N_IMAGES - len(outputs)
    assert not blocked
    return outputs


@pytest.mark.parametrize("workers", [2, 1])
def test_sigint_stops_promptly_and_keeps_finished_outputs(images, tmp_path, workers):
    out = tmp_path / "out"
    status, stdout, stderr, seconds = _interrupt(images, out, workers, signals=1)
    assert seconds < STOP_SECONDS
    assert status == 130, stderr
    assert "Traceback" not in stderr and "interrupted" in stderr
    outputs = _check_outputs(images, out)
    summary = stdout.strip().splitlines()[0]
    assert summary.startswith(f"interrupted: {len(outputs)} upscaled, 0 skipped")
    assert f"{N_IMAGES - len(outputs)} not processed" in summary


def test_second_sigint_still_exits_promptly(images, tmp_path):
    out = tmp_path / "out"
    status, _, stderr, seconds = _interrupt(images, out, 2, signals=2)
    assert seconds < STOP_SECONDS
    assert status in (130, -signal.SIGINT), stderr
    _check_outputs(images, out)


def test_interrupt_from_python(images, tmp_path):
    """In Python, BatchInterrupted (a KeyboardInterrupt) carries the report."""
    out = tmp_path / "out"

    def interrupt_soon():
        while not (out.is_dir() and any(p.suffix == ".png" for p in out.iterdir())):
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGINT)

    handler = signal.getsignal(signal.SIGINT)
    threading.Thread(target=interrupt_soon, daemon=True).start()
    with pytest.raises(BatchInterrupted) as caught:
        run_batch(images, out, SCALE, METHOD, workers=2, progress=False)
    report = caught.value.report
    assert report.interrupted and report.done and report.pending
    assert len(report.done) + len(report.pending) + len(report.failed) == N_IMAGES
    assert signal.getsignal(signal.SIGINT) is handler  # restored
    _check_outputs(images, out)


def test_a_worker_that_dies_fails_its_image_only(images, tmp_path):
    """A worker killed (as by a crash or the OOM killer) fails only the image it had."""
    import multiprocessing

    src = tmp_path / "few"
    src.mkdir()
    for k in range(6):
        (src / f"img{k:02d}.png").write_bytes((images / f"img{k:02d}.png").read_bytes())
    out = tmp_path / "out"

    def kill_a_worker():
        while not (out.is_dir() and any(p.suffix == ".png" for p in out.iterdir())):
            time.sleep(0.02)
        workers = multiprocessing.active_children()
        if workers:
            os.kill(workers[0].pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_a_worker, daemon=True)
    killer.start()
    report = run_batch(src, out, SCALE, METHOD, workers=2, progress=False)
    killer.join()
    assert len(report.done) + len(report.failed) == 6 and len(report.failed) <= 1
    assert all("worker process died" in why for _, why in report.failed)
    assert len(report.done) >= 5
