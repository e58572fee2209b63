"""The suite runs in pytest-xdist workers (``make test``): each keeps to its own PostgreSQL database.

The runs below start pytest in a subprocess, as ``make test`` does, on a test of this file.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from server.config import database_url
from tests.conftest import (
    database_beside,
    postgres_url,
    reachable_postgres_url,
    scratch_database,
    worker_database_url,
)

REPO = Path(__file__).resolve().parents[1]

THIS_PROCESS_TEST = "tests/test_workers.py::test_this_process_keeps_its_postgresql_schemas_in_its_own_database"


def test_a_worker_names_its_postgresql_database_after_itself_and_the_run() -> None:
    given = "postgresql://postgres@127.0.0.1:5432/test?connect_timeout=5"
    assert worker_database_url(given, None, None) == given
    assert worker_database_url(given, "gw1", "0123456789abcdef") == \
        "postgresql://postgres@127.0.0.1:5432/test_gw1_01234567?connect_timeout=5"


def test_this_process_keeps_its_postgresql_schemas_in_its_own_database(tmp_path: Path) -> None:
    with scratch_database("postgresql", tmp_path) as url:
        engine = sa.create_engine(url)
        with engine.connect() as connection:
            database = connection.exec_driver_sql("SELECT current_database()").scalar_one()
        engine.dispose()
    expected = worker_database_url(str(postgres_url()), os.environ.get("PYTEST_XDIST_WORKER"),
                                   os.environ.get("PYTEST_XDIST_TESTRUNUID"))
    assert database == sa.engine.make_url(expected).database


def run_pytest(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """pytest in a subprocess from the repository, without this worker's xdist settings.

    Only the plugins these runs need are loaded: Hypothesis's and Schemathesis's would double
    the time each process takes to start.
    """
    inherited = {name: value for name, value in os.environ.items() if not name.startswith("PYTEST_XDIST_")}
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "pytest_timeout", "-p", "xdist.plugin"]
    return subprocess.run([*command, *args], cwd=REPO, env={**inherited, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", **env},
                          capture_output=True, text=True, timeout=240, check=False)


@pytest.fixture
def own_base_database() -> Iterator[str]:
    """A PostgreSQL database of this test's own beside ``TEST_DATABASE_URL``'s, for a nested run to start from."""
    with database_beside(reachable_postgres_url(), "nested") as own:
        yield own


def databases_named_after(url: str) -> list[str]:
    engine = sa.create_engine(database_url(url))
    with engine.connect() as connection:
        names = connection.exec_driver_sql(
            "SELECT datname FROM pg_database WHERE starts_with(datname, %s)",
            (f"{sa.engine.make_url(url).database}_",)).scalars().all()
    engine.dispose()
    return list(names)


def test_parallel_workers_use_databases_of_their_own_and_drop_them_when_they_finish(own_base_database: str) -> None:
    ran = run_pytest("-n", "2", "--dist", "load", THIS_PROCESS_TEST,
                     "tests/test_workers.py::test_a_worker_names_its_postgresql_database_after_itself_and_the_run",
                     TEST_DATABASE_URL=own_base_database)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "2 passed" in ran.stdout, ran.stdout
    assert databases_named_after(own_base_database) == []


def test_under_ci_a_worker_fails_rather_than_skips_when_postgresql_is_missing() -> None:
    ran = run_pytest("-n", "1", THIS_PROCESS_TEST, CI="true",
                     TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:9/nowhere?connect_timeout=2")
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert "1 failed" in ran.stdout and "(CI=true: required)" in ran.stdout, ran.stdout
