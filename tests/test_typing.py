"""The public API is typed: ``py.typed`` ships, and every name of
``classicsr.__all__`` has annotated parameters and return (mypy, run by
``.ci/run`` with the ``[mypy]`` section of setup.cfg, checks the bodies)."""

import inspect
from pathlib import Path

import pytest

import classicsr

PACKAGE = Path(classicsr.__file__).parent


def test_py_typed_ships():
    assert (PACKAGE / "py.typed").is_file()
    setup_cfg = (PACKAGE.parent / "setup.cfg")
    if setup_cfg.is_file():  # in a checkout: it is package data
        assert "classicsr = py.typed" in setup_cfg.read_text()


@pytest.mark.parametrize("name", classicsr.__all__)
def test_public_function_is_annotated(name):
    function = getattr(classicsr, name)
    signature = inspect.signature(function)
    missing = [p.name for p in signature.parameters.values()
               if p.annotation is inspect.Parameter.empty]
    assert not missing, f"classicsr.{name}: parameters without a type: {missing}"
    assert signature.return_annotation is not inspect.Signature.empty, \
        f"classicsr.{name} has no return type"


def test_an_unannotated_function_is_caught():
    """The check above fails on what it should catch."""
    def untyped(img, scale: int) -> None:
        return None

    missing = [p.name for p in inspect.signature(untyped).parameters.values()
               if p.annotation is inspect.Parameter.empty]
    assert missing == ["img"]
