"""Logging for pipeline scripts: to the rule's log file and to stderr."""

from __future__ import annotations

import atexit
import logging
import os
import resource
import sys
from types import TracebackType

from hullgen.errors import HullgenError


def _remove_handlers(logger: logging.Logger) -> None:
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()  # a FileHandler closes its file; stderr is left open


def _log_uncaught(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> None:
    """``sys.excepthook``: the error goes through the hullgen logger, its traceback to the log
    file only (:class:`_Console` leaves it out). An expected error (bad input: a
    :class:`HullgenError`) is one line that names the file, key or value; anything else is
    a bug, said to be uncaught."""
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    logger = logging.getLogger("hullgen")
    if issubclass(exc_type, HullgenError):
        logger.error("%s", exc, exc_info=(exc_type, exc, tb))
    else:
        logger.critical("uncaught %s: %s", exc_type.__name__, exc, exc_info=(exc_type, exc, tb))


class _Console(logging.Formatter):
    """One line per record on the console: a traceback goes to the log file only, and the
    line says where (Snakemake shows the job's console output beside its own)."""

    def __init__(self, fmt: str, log_path: str | os.PathLike | None):
        super().__init__(fmt)
        self.log_path = log_path

    def format(self, record: logging.LogRecord) -> str:
        if not (record.exc_info or record.exc_text or record.stack_info):
            return super().format(record)
        # A copy: the record's cached traceback text is the log file's.
        bare = logging.makeLogRecord(
            {**record.__dict__, "exc_info": None, "exc_text": None, "stack_info": None}
        )
        where = f" (traceback in {self.log_path})" if self.log_path is not None else ""
        return super().format(bare) + where


def setup(log_path: str | os.PathLike | None = None, level: int = logging.INFO) -> logging.Logger:
    """Configure the ``hullgen`` logger to write to ``log_path`` (if given) and stderr.

    With a log path (a Snakemake rule's ``log:``), an uncaught exception is logged with its
    traceback, and Python warnings are logged too, so both land in the rule's log file; the
    console gets one line per record (the error, and where its traceback is).
    """
    logger = logging.getLogger("hullgen")
    logger.setLevel(level)
    _remove_handlers(logger)
    fmt = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    console = logging.StreamHandler(sys.stderr)
    # Without a log file the console is the only place the traceback can go.
    console.setFormatter(
        _Console(fmt, log_path) if log_path is not None else logging.Formatter(fmt)
    )
    handlers: list[logging.Handler] = [console]
    if log_path is not None:
        handlers.append(logging.FileHandler(log_path, mode="w", encoding="utf-8"))
        handlers[-1].setFormatter(logging.Formatter(fmt))
    for handler in handlers:
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
        atexit.register(_log_peak_memory, handlers[-1])
    return logger


def peak_memory_mib() -> tuple[float, float]:
    """The peak resident memory of this process and of its largest finished child (MiB):
    the high-water marks the kernel keeps, which a sampling benchmark can miss."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, child


def _log_peak_memory(handler: logging.Handler) -> None:
    """The job's peak memory, in its log file only (the console keeps one line per job)."""
    own, child = peak_memory_mib()
    record = logging.getLogger("hullgen").makeRecord(
        "hullgen", logging.INFO, __file__, 0,
        "peak resident memory: %.0f MiB (this process), %.0f MiB (its largest child)",
        (own, child), None,
    )  # fmt: skip
    handler.handle(record)
