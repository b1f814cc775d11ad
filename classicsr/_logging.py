"""The ``classicsr`` logger: library messages go through :mod:`logging`.

Library code never prints. Each module logs to a child of the ``classicsr``
logger (``classicsr.train``, ``classicsr.multiframe.reconstruction``, ...),
which has a :class:`logging.NullHandler` so that nothing is shown unless the
application configures logging. Two ways to see the messages:

- an application configures :mod:`logging` as usual, e.g.
  ``logging.basicConfig(level=logging.INFO)``;
- the ``classicsr`` command maps ``-v`` (INFO) / ``-vv`` (DEBUG) / ``-q``
  (errors only) to :func:`configure` (the default shows warnings).

An estimator built with ``verbose=True`` shows its own INFO messages on
standard output through :func:`verbose_logging` even where logging is not
configured, as it printed them before.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator
from typing import TextIO

__all__ = ["LOGGER_NAME", "configure", "get_logger", "verbose_logging"]

#: Name of the package's root logger.
LOGGER_NAME = "classicsr"

logging.getLogger(LOGGER_NAME).addHandler(logging.NullHandler())

#: The handler :func:`configure` installed (replaced, never stacked).
_CLI_HANDLER: logging.Handler | None = None


def get_logger(name: str | None = None) -> logging.Logger:
    """The ``classicsr`` logger, or its child ``classicsr.<name>``.

    Examples
    --------
    >>> get_logger("train").name
    'classicsr.train'
    """
    return logging.getLogger(LOGGER_NAME if not name else f"{LOGGER_NAME}.{name}")


def _level(verbosity: int) -> int:
    """Logging level of a ``-v`` count minus a ``-q`` count."""
    if verbosity < 0:
        return logging.ERROR
    return {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)


def configure(verbosity: int = 0, stream: TextIO | None = None) -> logging.Handler:
    """Show the ``classicsr`` log on ``stream`` (stderr by default) at a level.

    Parameters
    ----------
    verbosity : int
        ``-1`` or less: errors only; ``0``: warnings; ``1``: INFO; ``2`` or
        more: DEBUG (the ``classicsr`` command's ``-q`` / ``-v`` / ``-vv``).
    stream : file-like, optional
        Where the messages go; ``sys.stderr`` when ``None``.

    Returns
    -------
    logging.Handler
        The handler attached to the ``classicsr`` logger (a second call
        replaces the first one's).

    Examples
    --------
    >>> import io, logging
    >>> out = io.StringIO()
    >>> handler = configure(1, out)
    >>> get_logger("demo").info("hello")
    >>> handler = configure(0, out)
    >>> get_logger("demo").info("not shown")
    >>> out.getvalue()
    'classicsr.demo: hello\\n'
    >>> get_logger().removeHandler(handler); get_logger().setLevel(logging.NOTSET)
    """
    global _CLI_HANDLER
    if not isinstance(verbosity, int) or isinstance(verbosity, bool):
        raise TypeError(f"verbosity must be an int, got {type(verbosity).__name__}")
    logger = get_logger()
    if _CLI_HANDLER is not None:
        logger.removeHandler(_CLI_HANDLER)
    handler = logging.StreamHandler(sys.stderr if stream is None else stream)
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(_level(verbosity))
    _CLI_HANDLER = handler
    return handler


def _shown(logger: logging.Logger, level: int) -> bool:
    """Whether a record of ``level`` on ``logger`` reaches a real handler."""
    if not logger.isEnabledFor(level):
        return False
    current: logging.Logger | None = logger
    while current is not None:
        if any(not isinstance(h, logging.NullHandler) and level >= h.level
               for h in current.handlers):
            return True
        if not current.propagate:
            return False
        current = current.parent
    return logging.lastResort is not None and level >= logging.lastResort.level


@contextlib.contextmanager
def verbose_logging(enabled: bool, logger: logging.Logger | None = None,
                    level: int = logging.INFO) -> Iterator[None]:
    """Within the context, ``logger``'s messages of ``level`` are shown on stdout.

    Used by estimators built with ``verbose=True``: if logging is configured
    to show them already, nothing changes (no message is shown twice);
    otherwise a handler writing to standard output is attached to ``logger``
    for the duration.

    Examples
    --------
    >>> log = get_logger("verbose_demo")
    >>> with verbose_logging(True, log):
    ...     log.info("shown on stdout")
    shown on stdout
    >>> with verbose_logging(False, log):
    ...     log.info("not shown")
    """
    logger = get_logger() if logger is None else logger
    if not enabled or _shown(logger, level):
        yield
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.setLevel(level)
    previous = logger.level
    logger.addHandler(handler)
    if not logger.isEnabledFor(level):
        logger.setLevel(level)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
