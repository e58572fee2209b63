"""A real Beatlog server process on a loopback port, set up the way ``make run`` does it."""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import scratch_database


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    env: dict[str, str]
    log: Path

    def flask(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "flask", *args], env=self.env, capture_output=True, text=True, timeout=120,
            check=False,
        )


def wait_until_serving(url: str, process: subprocess.Popen, log: Path) -> None:
    wait_until(lambda: requests.get(f"{url}/api/v1/openapi.json", timeout=5), process, log)


def wait_until(answers: Callable[[], object], process: subprocess.Popen, log: Path, seconds: float = 30) -> None:
    """Until ``answers()`` returns instead of raising ``OSError`` (requests' errors are ones): the process serves."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text()}")
        try:
            answers()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server did not answer within {seconds:.0f} s:\n{log.read_text()}")


def serve(
    database_url: str, directory: Path, workers: int = 1, environ: Mapping[str, str] | None = None
) -> Iterator[LiveServer]:
    """Migrate and load the demo into ``database_url``, then serve it until the caller is done.

    One worker runs ``flask run`` as ``make run`` does; more run gunicorn, as production does.
    ``environ`` adds to the serving process's environment only, not to the commands that prepare the database.
    A SQLite database starts as a copy of the session's demo database (see ``sqlite_demo``),
    migrated and loaded by the same commands once, instead of once per test module.
    """
    port = free_port()
    env = {
        **os.environ,
        "FLASK_APP": "server",
        "BEATLOG_INSTANCE_PATH": str(directory / "instance"),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "e2e-secret",
        "BEATLOG_AUDIT_KEY": "e2e-audit-key",
        "BEATLOG_DEMO": "1",
    }
    server = LiveServer(f"http://127.0.0.1:{port}", env, directory / "server.log")
    if database_url.startswith(SQLITE):
        copy_sqlite(sqlite_demo(server), Path(database_url.removeprefix(SQLITE)))
        shutil.copytree(SQLITE_DEMO_BLOBS, directory / "instance" / "blobs", dirs_exist_ok=True)
    else:
        load_demo(server)
    if workers == 1:
        command = [sys.executable, "-m", "flask", "run", "--host", "127.0.0.1", "--port", str(port)]
    else:
        command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
                   "server.wsgi:app"]
    with server.log.open("w") as log:
        process = subprocess.Popen(command, env={**env, **(environ or {})}, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_serving(server.url, process, server.log)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=20)


SQLITE = "sqlite:///"
SQLITE_DEMO = Path(tempfile.gettempdir()) / f"beatlog-e2e-demo-{os.getpid()}.sqlite"
"""The session's demo database on SQLite: made by the first server that needs it, then copied."""
SQLITE_DEMO_BLOBS = SQLITE_DEMO.with_suffix(".blobs")
"""Its photos and signatures (the blob store, ``BLOB_STORE``), copied with it into each server's instance."""


def load_demo(server: LiveServer) -> None:
    """Migrate the server's database and load the demo into it, as ``make run`` does."""
    for command in (("db", "upgrade"), ("demo", "load", "--if-empty")):
        done = server.flask(*command)
        assert done.returncode == 0, done.stderr


def sqlite_demo(server: LiveServer) -> Path:
    if not SQLITE_DEMO.exists():
        building = SQLITE_DEMO.with_suffix(".building")
        atexit.register(forget, SQLITE_DEMO)
        atexit.register(shutil.rmtree, SQLITE_DEMO_BLOBS, ignore_errors=True)
        load_demo(LiveServer(server.url, {**server.env, "DATABASE_URL": SQLITE + str(building),
                                          "BLOB_STORE": str(SQLITE_DEMO_BLOBS)}, server.log))
        copy_sqlite(building, SQLITE_DEMO)
        forget(building)
    return SQLITE_DEMO


def forget(database: Path) -> None:
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        path.unlink(missing_ok=True)


def copy_sqlite(source: Path, target: Path) -> None:
    """Copy a SQLite database through SQLite's backup, so nothing left in its write-ahead log is lost."""
    with sqlite3.connect(source) as original, sqlite3.connect(target) as copy:
        original.backup(copy)
    original.close()
    copy.close()


def serve_demo(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[LiveServer]:
    """The demo on a fresh SQLite file, served by ``flask run`` as ``make run`` serves it."""
    directory = tmp_path_factory.mktemp(name)
    with scratch_database("sqlite", directory) as database_url:
        yield from serve(database_url, directory)


@pytest.fixture(scope="module")
def live_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A fresh database, migrated and loaded with the demo, served by ``flask run``."""
    tmp_path = tmp_path_factory.mktemp("live")
    with scratch_database(backend, tmp_path) as database_url:
        yield from serve(database_url, tmp_path)


@pytest.fixture
def enrol(tmp_path: Path) -> Iterator[Any]:
    """``enrol(server_url, username)``: a signed-in handheld whose store is closed afterwards."""
    from tests.e2e.handheld import Handheld

    opened: list[Handheld] = []

    def make(server_url: str, username: str, password: str = "demo") -> Handheld:
        handheld = Handheld.enrol(tmp_path / f"handheld-{len(opened)}", server_url, username, password)
        opened.append(handheld)
        return handheld

    yield make
    for handheld in opened:
        handheld.store.close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's headless Chromium under Playwright; under CI a missing Chromium fails the test."""
    from tests.e2e.browser import launch

    yield from launch()
