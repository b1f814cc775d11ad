"""Library messages go through the ``classicsr`` logger; the CLI maps -v/-q to it."""

import logging

import pytest

from classicsr import _logging
from classicsr.cli import build_parser, main


@pytest.fixture
def log_from_a_command(monkeypatch):
    """Make ``classicsr methods`` log one INFO and one WARNING message."""
    import classicsr.cli as cli

    original = cli._COMMANDS["methods"]

    def methods(args):
        log = logging.getLogger("classicsr.test")
        log.info("an info message")
        log.warning("a warning message")
        original(args)

    monkeypatch.setitem(cli._COMMANDS, "methods", methods)


@pytest.mark.parametrize("flags, info, warning", [
    ([], False, True), (["-v"], True, True), (["methods", "-v"], True, True),
    (["-q"], False, False), (["-vv"], True, True)])
def test_cli_verbosity(log_from_a_command, capsys, flags, info, warning):
    argv = flags + ["methods", "bicubic"] if "methods" not in flags else flags + ["bicubic"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert ("classicsr.test: an info message" in err) == info, err
    assert ("classicsr.test: a warning message" in err) == warning, err


def test_main_leaves_logging_as_it_was(log_from_a_command, capsys):
    logger = logging.getLogger("classicsr")
    handlers, level = list(logger.handlers), logger.level
    assert main(["-v", "methods", "bicubic"]) == 0
    assert logger.handlers == handlers and logger.level == level


def test_version_and_exclusive_flags(capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip().startswith("classicsr 0.")
    with pytest.raises(SystemExit):
        build_parser().parse_args(["-v", "-q", "methods"])


def test_verbose_estimator_shows_its_messages(capsys):
    from classicsr.face import FaceSet, synthetic_faces

    faces = synthetic_faces(12, random_state=0)
    FaceSet(scale=4, verbose=True).fit(list(faces))
    assert "[face x4]" in capsys.readouterr().out
    FaceSet(scale=4, verbose=False).fit(list(faces))
    assert capsys.readouterr().out == ""


def test_verbose_logging_does_not_repeat_configured_messages(capsys):
    log = _logging.get_logger("twice")
    handler = _logging.configure(1)  # INFO to stderr already
    try:
        with _logging.verbose_logging(True, log):
            log.info("once")
    finally:
        _logging.get_logger().removeHandler(handler)
        _logging.get_logger().setLevel(logging.NOTSET)
    captured = capsys.readouterr()
    assert captured.err.count("once") == 1 and "once" not in captured.out
