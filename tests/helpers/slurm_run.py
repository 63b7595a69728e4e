"""The SLURM test's pipeline run, started in the background as soon as the test run has
collected that test.

The run spends most of its wall time waiting: the SLURM plugin checks job states at an
interval that grows by 10 s per check without a finished job. Started early, that waiting
overlaps the other tests instead of adding to the test run; the test itself only waits for the
outcome and checks it (tests/test_slurm.py).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

from .slurm_cluster import SlurmCluster, missing_requirements
from .workflow import REPO, SMALL_CONFIG, write_config

# The plugin waits this long for its status checks; the run must never hang (see the README).
TIMEOUT_S = 900


def slurm_profile(cluster: SlurmCluster, folder: Path) -> Path:
    """profiles/slurm, pointed at the test cluster."""
    profile = yaml.safe_load((REPO / "profiles" / "slurm" / "config.yaml").read_text())
    profile["default-resources"]["slurm_partition"] = cluster.partition
    # No GPU is asked for: SMALL_CONFIG trains on the CPU (train.device decides, not the profile).
    profile.update(
        {
            # No accounting database: sacct fails, and the plugin would wait forever.
            "slurm-status-command": "squeue",
            "slurm-no-account": True,
            "slurm-init-seconds-before-status-checks": 2,
            "slurm-keep-successful-logs": True,
            # Threads become --cpus-per-task: more than the node has would pend forever.
            "cores": cluster.cpus,
        }
    )
    folder.mkdir(parents=True)
    (folder / "config.yaml").write_text(yaml.safe_dump(profile))
    return folder


def cancel_once(cluster: SlurmCluster, rule: str, proc: subprocess.Popen) -> str | None:
    """scancel the first running SLURM job of ``rule`` (as a node failure would end it)."""
    deadline = time.monotonic() + TIMEOUT_S
    while proc.poll() is None and time.monotonic() < deadline:
        queue = cluster.run("squeue", "-h", "-o", "%i|%k|%T", check=False).stdout
        for line in queue.splitlines():
            job, comment, state = line.split("|")
            if comment.startswith(f"rule_{rule}_") and state == "RUNNING":
                time.sleep(1.0)  # let it get going
                cluster.run("scancel", job)
                return job
        time.sleep(0.2)
    return None


class BackgroundSlurmRun:
    """SMALL_CONFIG through a one-node SLURM cluster with the repository's SLURM profile,
    the training job cancelled once (a node failure), in a thread of its own.

    After :meth:`wait`: ``missing`` (why no cluster is possible here; empty when one ran),
    ``error`` (an exception that stopped the run), ``returncode``, ``stdout``, ``stderr``,
    ``cancelled`` (the training job scancelled, or None), ``work`` (the run's folder) and
    ``cluster_logs``.
    """

    def __init__(self):
        self.missing = missing_requirements()
        self.error: BaseException | None = None
        self.returncode: int | None = None
        self.stdout = self.stderr = self.cluster_logs = ""
        self.cancelled: str | None = None
        self.base = Path(tempfile.mkdtemp(prefix="hullgen-slurm-run-"))
        self.work = self.base / "slurm-run"
        self.cluster = SlurmCluster()
        self.proc: subprocess.Popen | None = None
        self.thread = threading.Thread(target=self._run, name="slurm-run", daemon=True)

    def start(self) -> BackgroundSlurmRun:
        if not self.missing:
            self.thread.start()
        return self

    def _run(self) -> None:
        try:
            self.cluster.start()
            write_config(self.work, SMALL_CONFIG)
            profile = slurm_profile(self.cluster, self.base / "profile")
            cmd = [
                *("timeout", "-k", "10", str(TIMEOUT_S)),
                str(Path(sys.executable).with_name("snakemake")),
                *("--snakefile", str(REPO / "Snakefile"), "--directory", str(self.work)),
                *("--workflow-profile", str(profile)),
            ]
            self.proc = subprocess.Popen(
                cmd,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=self.work,
                env=self.cluster.env,
            )
            # A job that fails once is resubmitted (retries: 1 in the profile).
            self.cancelled = cancel_once(self.cluster, "train", self.proc)
            self.stdout, self.stderr = self.proc.communicate(timeout=TIMEOUT_S + 30)
            self.returncode = self.proc.returncode
            self.cluster_logs = self.cluster.logs()
        except BaseException as err:  # reported by the test, never lost in the thread
            self.error = err

    def wait(self) -> BackgroundSlurmRun:
        if self.thread.ident is not None:
            self.thread.join(TIMEOUT_S + 120)
        return self

    def stop(self) -> list[str]:
        """End the run (if still going) and the cluster; remove the files. Returns what of
        the cluster still runs (nothing, unless stopping failed)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        if self.thread.ident is not None:
            self.thread.join(60)
        self.cluster.stop()
        alive = self.cluster.alive()
        shutil.rmtree(self.base, ignore_errors=True)
        return alive


def wanted(items) -> bool:
    """Whether this test run runs the SLURM test."""
    return any(Path(str(item.path)).name == "test_slurm.py" for item in items)
