"""Logging for pipeline scripts: to the rule's log file and to stderr."""

from __future__ import annotations

import logging
import os
import sys


def setup(log_path: str | os.PathLike | None = None, level: int = logging.INFO) -> logging.Logger:
    """Configure the ``hullgen`` logger to write to ``log_path`` (if given) and stderr."""
    logger = logging.getLogger("hullgen")
    logger.setLevel(level)
    logger.handlers.clear()
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_path is not None:
        handlers.append(logging.FileHandler(log_path, mode="w"))
    for handler in handlers:
        handler.setFormatter(fmt)
        logger.addHandler(handler)
    logger.propagate = False
    return logger
