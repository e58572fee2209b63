"""A private PostgreSQL cluster for tests that must stop, start or freeze the database, or replicate it.

The machine's PostgreSQL is shared: no test may stop it. A test that needs the database to
go away and come back starts a cluster of its own: ``initdb`` into a temporary directory
(as the ``postgres`` user when run as root, since initdb refuses root), ``pg_ctl start`` on a
free loopback port with its socket in that directory, and removes it all afterwards.

``replicated_clusters`` starts a primary and a streaming standby of it: ``pg_basebackup -R``
copies the primary into a second data directory, writing the settings that make it follow
the primary, and the copy starts on a port of its own as a hot standby (read-only).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

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

    def __init__(self, binaries: Path, directory: Path, name: str = "data") -> None:
        self.binaries = binaries
        self.directory = directory
        self.data = directory / name
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

    def copy_of(self, primary: PrivateCluster) -> None:
        """Make this cluster a standby of ``primary``: its base backup, with ``-R``'s settings to follow it."""
        self.run("pg_basebackup", "--pgdata", str(self.data), "--host", "127.0.0.1", "--port", str(primary.port),
                 "--username", OWNER, "--write-recovery-conf", "--wal-method", "stream", "--checkpoint", "fast",
                 "--no-sync")

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c wal_level=replica")
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


def _cluster_binaries() -> Path:
    binaries = postgres_binaries()
    need(binaries is not None, "a private PostgreSQL cluster needs the server binaries (/usr/lib/postgresql/*/bin)")
    need(os.geteuid() != 0 or _owner_exists(), f"initdb refuses root and there is no {OWNER!r} user to run it")
    assert binaries is not None
    return binaries


def _own_directory() -> Path:
    directory = Path(tempfile.mkdtemp(prefix="beatlog-cluster-"))
    if os.geteuid() == 0:
        shutil.chown(directory, OWNER, OWNER)
    return directory


def _take_down(cluster: PrivateCluster) -> None:
    cluster.thaw()
    if cluster.running():
        cluster.stop("immediate")


@contextmanager
def private_cluster() -> Iterator[PrivateCluster]:
    """A running cluster of this test's own, stopped and removed afterwards."""
    directory = _own_directory()
    cluster = PrivateCluster(_cluster_binaries(), directory)
    try:
        cluster.create()
        cluster.start()
        yield cluster
    finally:
        _take_down(cluster)
        shutil.rmtree(directory, ignore_errors=True)


class Replication:
    """A primary and its streaming standby, and what a test does to the replication between them."""

    def __init__(self, primary: PrivateCluster, standby: PrivateCluster) -> None:
        self.primary = primary
        self.standby = standby
        self._primary = sa.create_engine(_psycopg(primary.url), isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
        self._standby = sa.create_engine(_psycopg(standby.url), isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)

    def on_primary(self, statement: str) -> object:
        """Run ``statement`` on the primary, outside any transaction (CREATE DATABASE); its value, if it has one."""
        return _value(self._primary, statement)

    def on_standby(self, statement: str) -> object:
        return _value(self._standby, statement)

    def pause(self) -> None:
        """Stop the standby replaying (it still receives): its reads stay where they are."""
        self.on_standby("SELECT pg_wal_replay_pause()")

    def resume(self) -> None:
        self.on_standby("SELECT pg_wal_replay_resume()")

    def caught_up(self, within_seconds: float = 60) -> None:
        """Wait until the standby has replayed everything the primary wrote so far (resuming it first)."""
        self.resume()
        target = self.on_primary("SELECT pg_current_wal_insert_lsn()::text")
        deadline = time.monotonic() + within_seconds
        while not self.on_standby(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the standby did not replay up to {target} within {within_seconds} s")
            time.sleep(0.05)

    def dispose(self) -> None:
        self._primary.dispose()
        self._standby.dispose()


@contextmanager
def replicated_clusters() -> Iterator[Replication]:
    """A running primary (``wal_level=replica``) and a hot standby made from it with ``pg_basebackup -R``."""
    binaries = _cluster_binaries()
    directory = _own_directory()
    primary = PrivateCluster(binaries, directory, "primary")
    standby = PrivateCluster(binaries, directory, "standby")
    replication = None
    try:
        primary.create()
        primary.start()
        standby.copy_of(primary)
        standby.start()
        replication = Replication(primary, standby)
        yield replication
    finally:
        if replication is not None:
            replication.dispose()
        _take_down(standby)
        _take_down(primary)
        shutil.rmtree(directory, ignore_errors=True)


def _value(engine: sa.Engine, statement: str) -> object:
    with engine.connect() as connection:
        result = connection.exec_driver_sql(statement)
        return result.scalar() if result.returns_rows else None


def _psycopg(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://")
