"""The test run's shared pipeline runs (the default run, the README's offline example, the
small module run), built one after another in a thread of their own from the moment the
test run has collected a test that needs them.

A pipeline run on 2 cores leaves about a third of the CPU idle (imports, Snakemake's
scheduler, jobs of one thread); the tests that need none of these runs fill it, since
conftest puts their modules first. A fixture that needs a run only waits for it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

# Where the test run keeps its shared runs and the SLURM run (conftest starts them).
BACKGROUND_RUNS = pytest.StashKey()
SLURM_RUN = pytest.StashKey()


class BackgroundRuns:
    """Builds started in order in one daemon thread; :meth:`result` waits for one.

    A build is ``build(runs) -> value``; it starts its commands with :meth:`run` (so that
    :meth:`stop` can end them) and takes its folders from :meth:`folder`.
    """

    def __init__(self, builds: dict[str, Callable[[BackgroundRuns], object]]):
        self.builds = builds
        self.base: Path | None = None  # made by the first build that asks for a folder
        self._started: list[str] = []
        self._done = {name: threading.Event() for name in builds}
        self._outcome: dict[str, tuple[object, BaseException | None]] = {}
        self._procs: set[subprocess.Popen] = set()
        self._lock = threading.Lock()
        self._stopping = False
        self._thread: threading.Thread | None = None

    def start(self, names: list[str]) -> BackgroundRuns:
        """Build ``names`` in this order, in the background."""
        self._started = list(names)
        if self._started:
            self._thread = threading.Thread(target=self._build_all, name="test-runs", daemon=True)
            self._thread.start()
        return self

    def _build_all(self) -> None:
        for name in self._started:
            self._build(name)

    def _build(self, name: str) -> None:
        try:
            if self._stopping:
                raise RuntimeError("the test run ended before this run was built")
            self._outcome[name] = (self.builds[name](self), None)
        except BaseException as err:  # raised by the fixture that waits, never lost here
            self._outcome[name] = (None, err)
        self._done[name].set()

    def result(self, name: str):
        """The value of build ``name``: waited for if started, else built here and now."""
        if name not in self._started and not self._done[name].is_set():
            self._build(name)
        self._done[name].wait()
        value, error = self._outcome[name]
        if error is not None:
            raise error
        return value

    def folder(self, name: str) -> Path:
        """A new empty folder for a build, removed by :meth:`stop`."""
        if self.base is None:
            self.base = Path(tempfile.mkdtemp(prefix="hullgen-test-runs-"))
        return Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self.base))

    def run(self, cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
        """``subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)``, in a process
        group of its own that :meth:`stop` ends."""
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        with self._lock:
            self._procs.add(proc)
            if self._stopping:  # stop() has already ended the others
                os.killpg(proc.pid, signal.SIGTERM)
        try:
            stdout, stderr = proc.communicate()
        finally:
            with self._lock:
                self._procs.discard(proc)
        return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)

    def stop(self) -> None:
        """End what still runs (a test run stopped early) and remove the folders."""
        self._stopping = True
        with self._lock:
            running = list(self._procs)
        for proc in running:
            with contextlib.suppress(ProcessLookupError):  # it has just ended
                os.killpg(proc.pid, signal.SIGTERM)
        if self._thread is not None:
            self._thread.join(60)
        if self.base is not None:
            shutil.rmtree(self.base, ignore_errors=True)
