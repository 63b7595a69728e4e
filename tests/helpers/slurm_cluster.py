"""A real one-node SLURM cluster on this machine, for the SLURM executor test.

Debian's ``slurm-wlm`` (22.05) and ``munge``, without systemd: munged runs as user munge on its
default socket, slurmctld and slurmd run in the foreground as children of this process, and
every daemon is stopped by the PID it was started with. Where a munged already answers on that
socket (installing ``munge`` starts one where the init system lets it), the cluster uses it and
leaves it running; a socket nobody answers on is taken over. slurmd gets its configuration from
slurmctld (configless mode), so nothing is written to /etc/slurm: clients find the cluster
through ``SLURM_CONF``, jobs through the copy slurmd hands them. Everything else lives in a
private folder under /tmp, removed on stop.

Run by hand (as root) to get a cluster to play with::

    python tests/helpers/slurm_cluster.py     # prints the SLURM_CONF to export; Ctrl-C stops it
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DAEMONS = ("munged", "slurmctld", "slurmd")
CLIENTS = ("sbatch", "squeue", "sinfo", "scancel", "munge", "unmunge")
MUNGE_RUN = Path("/run/munge")


class ClusterError(RuntimeError):
    """The cluster did not come up; the message ends with the daemons' logs."""


def missing_requirements() -> list[str]:
    """What this machine lacks to run the cluster (empty when it can)."""
    missing = [name for name in DAEMONS + CLIENTS if shutil.which(name) is None]
    if missing:
        missing = [f"{', '.join(missing)} (apt-get install slurm-wlm munge)"]
    if os.geteuid() != 0:
        missing.append("root (slurmd and munged need it)")
    if not Path("/etc/munge/munge.key").exists():
        missing.append("/etc/munge/munge.key (installed with munge)")
    return missing


def munge_answers(socket_path: Path) -> bool:
    """Whether a munged answers on ``socket_path``: a credential it encodes, it decodes."""
    if not socket_path.exists():
        return False
    try:
        credential = subprocess.run(
            ["munge", "--no-input", f"--socket={socket_path}"],
            capture_output=True,
            check=True,
            timeout=10,
        ).stdout
        subprocess.run(
            ["unmunge", f"--socket={socket_path}"],
            input=credential,
            capture_output=True,
            check=True,
            timeout=10,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
        return False
    return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def node_resources() -> dict[str, str]:
    """CPUs, RealMemory and the board layout of this node, as ``slurmd -C`` prints them."""
    out = subprocess.run(["slurmd", "-C"], capture_output=True, text=True, check=True).stdout
    fields = dict(item.split("=", 1) for item in out.split() if "=" in item)
    keys = ("CPUs", "Boards", "SocketsPerBoard", "CoresPerSocket", "ThreadsPerCore", "RealMemory")
    return {key: fields[key] for key in keys}


class SlurmCluster:
    """Start with ``with SlurmCluster() as cluster:``; ``cluster.env`` reaches it."""

    partition = "hullgen"

    def __init__(self, min_job_age: int = 300, start_timeout: float = 60):
        self.min_job_age = min_job_age
        self.start_timeout = start_timeout
        self.folder: Path | None = None
        self.processes: dict[str, subprocess.Popen] = {}
        # The default socket: slurmd in configless mode looks there before it has a config.
        self.munge_socket = MUNGE_RUN / "munge.socket.2"
        self.node = socket.gethostname().split(".")[0]

    @property
    def conf(self) -> Path:
        return self.folder / "slurm.conf"

    @property
    def env(self) -> dict[str, str]:
        """This process's environment, pointed at the cluster."""
        return {**os.environ, "SLURM_CONF": str(self.conf)}

    @property
    def cpus(self) -> int:
        return int(self.resources["CPUs"])

    def __enter__(self) -> SlurmCluster:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        missing = missing_requirements()
        if missing:
            raise ClusterError("cannot start SLURM: missing " + "; ".join(missing))
        self.folder = Path(tempfile.mkdtemp(prefix="hullgen-slurm-"))
        self.folder.chmod(0o755)  # munged runs as user munge and logs here
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        for sub in ("state", "spool", "log"):
            (self.folder / sub).mkdir()
        self.resources = node_resources()
        self.conf.write_text(self._slurm_conf())

        if not munge_answers(self.munge_socket):
            self._start_munged()
        self._spawn("slurmctld", ["slurmctld", "-D", "-c", "-i", "-f", str(self.conf)])
        # Configless: slurmd fetches the config from slurmctld and hands jobs a copy through
        # SLURM_CONF, so srun inside a job (the executor plugin's job step) finds the cluster
        # without anything written to /etc/slurm.
        server = f"127.0.0.1:{self.ports[0]}"
        self._spawn("slurmd", ["slurmd", "-D", "--conf-server", server, "-N", self.node])
        self._wait(self._node_idle, f"node {self.node} to be idle")

    def _start_munged(self) -> None:
        # --force: a socket left behind by a munged that died is taken over (munged's own
        # lock still stops it if another daemon holds the socket).
        MUNGE_RUN.mkdir(exist_ok=True)
        shutil.chown(MUNGE_RUN, "munge", "munge")
        (self.folder / "munge").mkdir()
        shutil.chown(self.folder / "munge", "munge", "munge")
        munge_log = self.folder / "log" / "munged.log"
        munge_log.touch()
        shutil.chown(munge_log, "munge", "munge")
        self._spawn(
            "munged",
            [
                "munged",
                "--foreground",
                "--force",
                f"--socket={self.munge_socket}",
                f"--log-file={munge_log}",
                f"--pid-file={self.folder / 'munge' / 'munged.pid'}",
            ],
            user="munge",
        )
        self._wait(lambda: munge_answers(self.munge_socket), "munged to answer on its socket")

    def _slurm_conf(self) -> str:
        self.ports = ports = _free_port(), _free_port()
        node = " ".join(f"{k}={v}" for k, v in self.resources.items())
        return "\n".join(
            [
                "ClusterName=hullgen-test",
                "SlurmctldParameters=enable_configless",
                f"SlurmctldHost={self.node}(127.0.0.1)",
                f"SlurmctldPort={ports[0]}",
                f"SlurmdPort={ports[1]}",
                "SlurmUser=root",
                "SlurmdUser=root",
                "AuthType=auth/munge",
                "CredType=cred/munge",
                f"StateSaveLocation={self.folder / 'state'}",
                f"SlurmdSpoolDir={self.folder / 'spool'}",
                f"SlurmctldPidFile={self.folder / 'slurmctld.pid'}",
                f"SlurmdPidFile={self.folder / 'slurmd.pid'}",
                f"SlurmctldLogFile={self.folder / 'log' / 'slurmctld.log'}",
                f"SlurmdLogFile={self.folder / 'log' / 'slurmd.log'}",
                # No systemd and no cgroup v1 controllers: plain process tracking.
                "ProctrackType=proctrack/linuxproc",
                "TaskPlugin=task/none",
                "SelectType=select/cons_tres",
                "SelectTypeParameters=CR_Core_Memory",
                "SchedulerType=sched/backfill",
                # No accounting daemon: squeue is the status command, so finished jobs must
                # stay visible long enough for Snakemake to see how they ended.
                "AccountingStorageType=accounting_storage/none",
                "JobAcctGatherType=jobacct_gather/none",
                f"MinJobAge={self.min_job_age}",
                "ReturnToService=2",
                "MpiDefault=none",
                "SlurmctldTimeout=30",
                "SlurmdTimeout=30",
                "InactiveLimit=0",
                "KillWait=5",
                f"NodeName={self.node} NodeAddr=127.0.0.1 {node} State=UNKNOWN",
                f"PartitionName={self.partition} Nodes={self.node} Default=YES"
                " MaxTime=INFINITE State=UP",
                "",
            ]
        )

    def _spawn(self, name: str, cmd: list[str], user: str | None = None) -> None:
        with open(self.folder / "log" / f"{name}.out", "wb") as log:
            self.processes[name] = subprocess.Popen(
                cmd,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                start_new_session=True,
                user=user,
                group=user,
                extra_groups=[] if user else None,
            )

    def _node_idle(self) -> bool:
        state = self.run("sinfo", "-h", "-n", self.node, "-o", "%T", check=False).stdout
        return state.strip().rstrip("*") == "idle"

    def _wait(self, ready, what: str) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            dead = [n for n, p in self.processes.items() if p.poll() is not None]
            if dead:
                raise ClusterError(
                    f"{', '.join(dead)} exited while waiting for {what}\n{self.logs()}"
                )
            if ready():
                return
            time.sleep(0.5)
        raise ClusterError(
            f"timed out after {self.start_timeout:.0f} s waiting for {what}\n{self.logs()}"
        )

    def run(self, *cmd: str, check: bool = True) -> subprocess.CompletedProcess:
        """A SLURM client command against this cluster."""
        return subprocess.run(
            cmd, capture_output=True, text=True, env=self.env, check=check, timeout=30
        )

    def logs(self) -> str:
        if self.folder is None or not (self.folder / "log").is_dir():
            return ""
        parts = []
        for path in sorted((self.folder / "log").iterdir()):
            text = path.read_text(errors="replace")[-3000:]
            parts.append(f"--- {path.name} ---\n{text}")
        return "\n".join(parts)

    def job_steps(self) -> list[int]:
        """PIDs of slurmstepd processes started by this cluster's slurmd."""
        pids = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                if (proc / "comm").read_text().strip() != "slurmstepd":
                    continue
                if f"SLURM_CONF={self.conf}".encode() in (proc / "environ").read_bytes().split(
                    b"\0"
                ):
                    pids.append(int(proc.name))
            except OSError:
                continue
        return pids

    def stop(self) -> None:
        """Cancel every job, stop every daemon this object started, remove its files."""
        if "slurmctld" in self.processes and self.processes["slurmctld"].poll() is None:
            self.run("scancel", "--full", f"--partition={self.partition}", check=False)
            deadline = time.monotonic() + 15
            while self.job_steps() and time.monotonic() < deadline:
                time.sleep(0.5)
        for pid in self.job_steps() if self.folder else []:
            _kill(pid)
        for name in reversed(list(self.processes)):
            process = self.processes[name]
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        started = set(self.processes)
        self.processes.clear()
        if self.folder is not None:
            if "munged" in started:
                self.munge_socket.unlink(missing_ok=True)
                Path(f"{self.munge_socket}.lock").unlink(missing_ok=True)
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def alive(self) -> list[str]:
        """Names of daemons (and job steps) of this cluster that still run."""
        names = [name for name, p in self.processes.items() if p.poll() is None]
        return names + ["slurmstepd"] * len(self.job_steps() if self.folder else [])


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def main() -> int:
    cluster = SlurmCluster()
    try:
        cluster.start()
    except ClusterError as err:
        print(err, file=sys.stderr)
        return 1
    print(f"export SLURM_CONF={cluster.conf}   # partition {cluster.partition}; Ctrl-C stops it")
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
