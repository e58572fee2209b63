"""A private PostgreSQL cluster for tests that must stop, start or freeze the database.

The machine's PostgreSQL is shared: no test may stop it. A test that needs the database to
go away and come back starts a cluster of its own: ``initdb`` into a temporary directory
(as the ``postgres`` user when run as root, since initdb refuses root), ``pg_ctl start`` on a
free loopback port with its socket in that directory, and removes it all afterwards.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import need
from tests.e2e.conftest import free_port

OWNER = "postgres"


def postgres_binaries() -> Path | None:
    """The newest installed server's ``bin`` directory (Debian: /usr/lib/postgresql/<major>/bin)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda path: int(path.split("/")[4]))
    return Path(found[-1]).parent if found else None


def _owner_exists() -> bool:
    try:
        pwd.getpwnam(OWNER)
    except KeyError:
        return False
    return True


class PrivateCluster:
    """One cluster: ``stop``/``start`` it like an operator would, ``freeze``/``thaw`` it like a hung host."""

    def __init__(self, binaries: Path, directory: Path) -> None:
        self.binaries = binaries
        self.directory = directory
        self.data = directory / "data"
        self.port = free_port()
        self.url = f"postgresql://{OWNER}@127.0.0.1:{self.port}/postgres"
        self.frozen: list[int] = []

    def run(self, program: str, *args: str) -> None:
        command = [str(self.binaries / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", OWNER, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def create(self) -> None:
        self.run("initdb", "--pgdata", str(self.data), "--username", OWNER, "--auth", "trust", "--no-sync",
                 "--encoding", "UTF8")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run("pg_ctl", "--pgdata", str(self.data), "--log", str(self.directory / "server.log"), "--wait",
                 "--options", options, "start")

    def stop(self, mode: str = "fast") -> None:
        self.run("pg_ctl", "--pgdata", str(self.data), "--mode", mode, "--wait", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def processes(self) -> list[int]:
        """The postmaster and its children (backends, checkpointer, …): this cluster's processes only."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = []
        for stat in glob.glob("/proc/[0-9]*/stat"):
            try:
                fields = Path(stat).read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == postmaster:
                children.append(int(stat.split("/")[2]))
        return [postmaster, *children]

    def freeze(self) -> None:
        """Stop every process of the cluster (SIGSTOP): connections open, but nothing answers."""
        self.frozen = self.processes()
        for pid in self.frozen:
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in reversed(self.frozen):
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
        self.frozen = []


@contextmanager
def private_cluster() -> Iterator[PrivateCluster]:
    """A running cluster of this test's own, stopped and removed afterwards."""
    binaries = postgres_binaries()
    need(binaries is not None, "a private PostgreSQL cluster needs the server binaries (/usr/lib/postgresql/*/bin)")
    need(os.geteuid() != 0 or _owner_exists(), f"initdb refuses root and there is no {OWNER!r} user to run it")
    assert binaries is not None
    directory = Path(tempfile.mkdtemp(prefix="beatlog-cluster-"))
    if os.geteuid() == 0:
        shutil.chown(directory, OWNER, OWNER)
    cluster = PrivateCluster(binaries, directory)
    try:
        cluster.create()
        cluster.start()
        yield cluster
    finally:
        cluster.thaw()
        if cluster.running():
            cluster.stop("immediate")
        shutil.rmtree(directory, ignore_errors=True)
