"""Logging for pipeline scripts: to the rule's log file and to stderr."""

from __future__ import annotations

import logging
import os
import sys
from types import TracebackType


def _remove_handlers(logger: logging.Logger) -> None:
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()  # a FileHandler closes its file; stderr is left open


def _log_uncaught(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> None:
    """``sys.excepthook``: the traceback goes through the hullgen logger (log file and stderr)."""
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    logging.getLogger("hullgen").critical(
        "uncaught %s: %s", exc_type.__name__, exc, exc_info=(exc_type, exc, tb)
    )


def setup(log_path: str | os.PathLike | None = None, level: int = logging.INFO) -> logging.Logger:
    """Configure the ``hullgen`` logger to write to ``log_path`` (if given) and stderr.

    With a log path (a Snakemake rule's ``log:``), an uncaught exception is logged with its
    traceback, and Python warnings are logged too, so both land in the rule's log file.
    """
    logger = logging.getLogger("hullgen")
    logger.setLevel(level)
    _remove_handlers(logger)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_path is not None:
        handlers.append(logging.FileHandler(log_path, mode="w", encoding="utf-8"))
    for handler in handlers:
        handler.setFormatter(fmt)
        logger.addHandler(handler)
    logger.propagate = False
    if log_path is not None:
        logging.captureWarnings(True)
        warnings_logger = logging.getLogger("py.warnings")
        for handler in list(warnings_logger.handlers):
            warnings_logger.removeHandler(handler)  # closed above: they were the same handlers
        for handler in handlers:
            warnings_logger.addHandler(handler)
        warnings_logger.propagate = False
        sys.excepthook = _log_uncaught
        # Which code ran: with several checkouts or environments about, the log says.
        import hullgen

        logger.info("hullgen %s from %s", hullgen.__version__, os.path.dirname(hullgen.__file__))
    return logger
