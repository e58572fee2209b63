"""The upkeep worker: of several workers on one database, one runs the jobs; another takes over when it dies.

Real ``flask --app server worker`` processes run against the test database with one-second
intervals; each serves its metrics on a loopback port of its own, which is how the test sees
which one leads and which one runs jobs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from server.config import database_url
from server.upkeep.jobs import JOBS
from server.upkeep.leadership import AdvisoryLock, upkeep_lock
from tests.conftest import PII_KEYS, scratch_database
from tests.e2e.conftest import free_port

PATIENCE = 60
"""Seconds to wait for a worker to reach a state before the test fails (a liveness bound, not a speed test)."""


@dataclass
class Worker:
    process: subprocess.Popen
    port: int
    log: Path

    def samples(self) -> dict[tuple[str, frozenset[tuple[str, str]]], float] | None:
        """The worker's metrics, or None while it does not answer."""
        try:
            with urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=5) as response:
                text = response.read().decode()
        except (URLError, ConnectionError):
            return None
        return {(sample.name, frozenset(sample.labels.items())): sample.value
                for family in text_string_to_metric_families(text) for sample in family.samples}

    def leading(self) -> bool:
        samples = self.samples()
        return samples is not None and samples[("beatlog_worker_leader", frozenset())] == 1

    def runs(self) -> float:
        samples = self.samples() or {}
        return sum(value for (name, labels), value in samples.items()
                   if name == "beatlog_upkeep_runs_total" and ("outcome", "success") in labels)


@pytest.fixture
def start_worker(migrated_database: str, tmp_path: Path) -> Iterator[Callable[[], Worker]]:
    started: list[Worker] = []
    env = {name: value for name, value in os.environ.items() if name != "PROMETHEUS_MULTIPROC_DIR"}
    env.update({
        "FLASK_APP": "server", "DATABASE_URL": migrated_database, "BEATLOG_INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "worker-secret", "BEATLOG_AUDIT_KEY": "worker-audit-key", **PII_KEYS,
        "BEATLOG_UPKEEP_INTERVALS": ",".join(f"{name}=1" for name in JOBS),
        "BEATLOG_WORKER_LEADER_RETRY_SECONDS": "1",
    })

    def start() -> Worker:
        port = free_port()
        log = tmp_path / f"worker-{len(started)}.log"
        with log.open("w") as output:
            process = subprocess.Popen([sys.executable, "-m", "flask", "worker", "--metrics-port", str(port)],
                                       env=env, stdout=output, stderr=subprocess.STDOUT)
        started.append(Worker(process, port, log))
        return started[-1]

    yield start
    for worker in started:
        if worker.process.poll() is None:
            worker.process.kill()
        worker.process.wait(timeout=30)


def eventually(condition: Callable[[], bool], what: str, workers: list[Worker],
               meanwhile: Callable[[], None] = lambda: None) -> None:
    """Wait until ``condition`` holds, checking ``meanwhile`` at every look; fail after ``PATIENCE`` seconds."""
    deadline = time.monotonic() + PATIENCE
    while not condition():
        meanwhile()
        for worker in workers:
            if worker.process.poll() not in (None, -9):
                pytest.fail(f"a worker exited ({worker.process.returncode}):\n{worker.log.read_text()}")
        if time.monotonic() > deadline:
            logs = "\n".join(worker.log.read_text() for worker in workers)
            pytest.fail(f"{what} did not happen within {PATIENCE} s:\n{logs}")
        time.sleep(0.2)


def test_one_of_two_workers_runs_the_jobs_and_the_other_takes_over_when_it_is_killed(
    start_worker: Callable[[], Worker]
) -> None:
    workers = [start_worker(), start_worker()]
    eventually(lambda: all(worker.samples() is not None for worker in workers) and any(
        worker.leading() for worker in workers), "a leader among two answering workers", workers)
    leader, follower = sorted(workers, key=lambda worker: not worker.leading())

    def one_runner() -> None:
        assert not follower.leading() and follower.runs() == 0

    rounds = leader.runs() + 3 * len(JOBS)
    eventually(lambda: leader.runs() >= rounds, "three more rounds of every job", workers, meanwhile=one_runner)
    one_runner()
    leader.process.kill()
    leader.process.wait(timeout=30)
    eventually(lambda: follower.leading() and follower.runs() >= len(JOBS), "the takeover", workers)
    follower.process.terminate()
    assert follower.process.wait(timeout=30) == 0, follower.log.read_text()


def test_the_upkeep_lock_has_one_holder_and_is_free_once_it_lets_go(migrated_database: str) -> None:
    url = sa.engine.make_url(database_url(migrated_database))
    first, second = upkeep_lock(url), upkeep_lock(url)
    try:
        assert first.acquire() and first.holds()
        assert not second.acquire() and not second.holds()
        first.release()
        assert not first.holds() and second.acquire() and second.holds()
        assert not first.acquire()
    finally:
        first.release()
        second.release()


def test_a_leader_whose_database_session_ended_has_lost_the_lock_to_the_next(tmp_path: Path) -> None:
    with scratch_database("postgresql", tmp_path) as url:
        leader, next_one = upkeep_lock(sa.engine.make_url(url)), upkeep_lock(sa.engine.make_url(url))
        assert isinstance(leader, AdvisoryLock) and leader.acquire()
        assert leader.connection is not None
        session = leader.connection.scalar(sa.text("SELECT pg_backend_pid()"))
        admin = sa.create_engine(url)
        try:
            with admin.connect() as connection:
                assert connection.scalar(sa.text("SELECT pg_terminate_backend(:pid, 10000)"), {"pid": session})
            assert next_one.acquire()
            assert not leader.holds() and not leader.acquire()
        finally:
            next_one.release()
            leader.release()
            admin.dispose()
