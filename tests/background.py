"""Session fixtures that are whole pipeline runs, started in the background as soon as the
session has collected a test that needs them.

A run of the pipeline keeps both cores busy only part of the time (a chain of single-threaded
jobs, Snakemake's own bookkeeping), and the unit tests run on one core. Started at collection,
the runs fill the idle core while the unit tests go on; the fixture itself only waits for its
run and hands over the folder (or raises what stopped it). A session that ends early (``-x``,
Ctrl-C aside) leaves a started run to finish on its own, in pytest's temporary folder.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

RUNS = pytest.StashKey()


class BackgroundRun:
    """``make(folder)`` in a thread of its own; :meth:`result` waits and returns the folder."""

    def __init__(self, name: str, make: Callable[[Path], Any], folder: Path):
        self.name = name
        self.folder = folder
        self._outcome: tuple[Any, BaseException | None] = (None, None)
        self._thread = threading.Thread(
            target=self._run, args=(make,), name=f"background-{name}", daemon=True
        )

    def start(self) -> BackgroundRun:
        self._thread.start()
        return self

    def _run(self, make: Callable[[Path], Any]) -> None:
        try:
            self._outcome = (make(self.folder), None)
        except BaseException as err:  # raised again by result(), in the test that needs it
            self._outcome = (None, err)

    def result(self) -> Any:
        self._thread.join()
        folder, error = self._outcome
        if error is not None:
            raise error
        return folder


def start_needed(session: pytest.Session, runs: dict[str, Callable[[Path], Any]]) -> None:
    """Start each of ``runs`` (fixture name -> function of an empty folder) that a collected
    test uses, directly or through another fixture."""
    used = {name for item in session.items for name in getattr(item, "fixturenames", ())}
    factory = session.config._tmp_path_factory  # pytest's own, so the runs land in basetemp
    session.config.stash[RUNS] = {
        name: BackgroundRun(name, make, factory.mktemp(name.replace("_", "-"))).start()
        for name, make in runs.items()
        if name in used
    }


def result(request: pytest.FixtureRequest, name: str, make: Callable[[Path], Any]) -> Any:
    """What the background run ``name`` returned (its folder); run here and now if none was
    started (a test that asks for the fixture by name at run time)."""
    started = request.config.stash.get(RUNS, {})
    if name not in started:
        folder = request.getfixturevalue("tmp_path_factory").mktemp(name.replace("_", "-"))
        return make(folder)
    return started[name].result()
