"""Fixtures shared by every test package: databases, the app, the clock, and helpers to need tools.

Database tests run once on SQLite and once on PostgreSQL (``TEST_DATABASE_URL``). Under
``CI=true`` a missing PostgreSQL fails the run; on a laptop those tests skip, saying why.

Under pytest-xdist (``make test`` runs a few workers) each worker keeps its PostgreSQL
schemas in a database of its own beside ``TEST_DATABASE_URL``'s, made when it first needs
one and dropped when it finishes (``worker_database``).

Every test reads the time from one clock set for the whole run (``sync.clock``), the
servers it starts included: it reads ``TEST_NOW``, never the real date. Tests build their
dates relative to it. ``BEATLOG_TEST_CLOCK_SHIFT_DAYS`` moves it, to prove that no test
depends on a particular date (CI runs the suite a year either side).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from werkzeug.routing import Rule

from server import create_app
from server.demo.loader import load_demo
from server.extensions import db
from server.ledger import LEDGER_ROW
from server.models import Base, Ledger
from sync import clock
from tests.phone import DeviceFactory, Phones
from tests.world import CHINA, World
from tests.world_snapshots import WorldSnapshots

FAST_PASSWORD_HASH = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
PII_KEYS = {"BEATLOG_PII_KEYS": "test1:" + "A" * 43 + "=", "BEATLOG_PII_INDEX_KEY": "B" * 43 + "="}
"""Residents' data keys of their own (32 bytes each, base64), as production requires (``server.privacy``)."""
CLOCK_SHIFT_DAYS = int(os.environ.get("BEATLOG_TEST_CLOCK_SHIFT_DAYS") or 0)
TEST_NOW = datetime(2026, 6, 15, 10, 0, tzinfo=CHINA) + timedelta(days=CLOCK_SHIFT_DAYS)
"""When the test run starts, in station time: mid-morning, far from midnight."""


def pytest_configure(config: pytest.Config) -> None:
    clock.set_clock(clock.Clock.at(TEST_NOW))
    os.environ[clock.ENVIRONMENT_VARIABLE] = clock.current_clock().environ_value()
    db._make_engine = _shared_engine  # type: ignore[method-assign]
    Rule._compile_builder = _remembered_builder  # type: ignore[method-assign]


_ENGINES: dict[str, sa.Engine] = {}


def _shared_engine(bind_key: str | None, options: dict[str, Any], app: Flask) -> sa.Engine:
    """One engine per database and engine options for the whole run, whichever test's app asks.

    Each test builds its own app; with an engine of its own, every statement it runs is
    compiled afresh (SQLAlchemy caches compiled SQL per engine), which was a good part of a
    sync test's time. A test's teardown disposes the engine's pool, not the engine.
    """
    key = repr(sorted((name, str(value)) for name, value in options.items()))
    if key not in _ENGINES:
        _ENGINES[key] = sa.engine_from_config(options, prefix="")
    return _ENGINES[key]


_BUILDERS: dict[tuple[Any, ...], Callable[..., tuple[str, str]]] = {}
_compile_builder = Rule._compile_builder


def _remembered_builder(rule: Rule, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
    """Werkzeug's URL builder for a route, compiled once per run rather than once per test's app.

    Werkzeug compiles Python code for each route of each app it builds (two functions a rule):
    most of ``create_app``'s time. The function depends only on the rule's parsed parts, its
    defaults and ``append_unknown``; it reads the rule's converters from the rule it is bound to.
    """
    key = (rule.rule, tuple(rule._trace), repr(sorted((rule.defaults or {}).items())), append_unknown)
    if key not in _BUILDERS:
        _BUILDERS[key] = _compile_builder(rule, append_unknown)
    return _BUILDERS[key]


def pytest_report_header(config: pytest.Config) -> str:
    return f"beatlog clock: starts at {TEST_NOW.isoformat()} (shifted {CLOCK_SHIFT_DAYS} days)"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def need(available: bool, reason: str) -> None:
    """Fail under CI, skip elsewhere, when a tool a test needs is missing."""
    if available:
        return
    if in_ci():
        pytest.fail(f"{reason} (CI=true: required)", pytrace=False)
    pytest.skip(reason)


def postgres_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


def _postgres_reachable(url: str) -> bool:
    engine = sa.create_engine(_psycopg(url))
    try:
        with engine.connect():
            return True
    except sa.exc.OperationalError:
        return False
    finally:
        engine.dispose()


def _psycopg(url: str) -> str:
    from server.config import database_url

    return database_url(url)


def worker_database_url(url: str, worker: str | None, run: str | None) -> str:
    """The database a pytest-xdist worker uses beside ``url``'s: ``<database>_<worker>_<run>``.

    The run's id is in the name so that two parallel runs against one ``TEST_DATABASE_URL``
    (two engineers, or a run and a rerun) never share, nor drop, each other's database.
    """
    if worker is None:
        return url
    parsed = sa.engine.make_url(url)
    suffix = f"_{worker}_{run[:8]}" if run else f"_{worker}"
    return parsed.set(database=f"{parsed.database}{suffix}").render_as_string(hide_password=False)


_WORKER_DATABASES: set[str] = set()
"""The worker databases this process made; ``pytest_sessionfinish`` drops them."""


def _maintenance(url: str) -> sa.Engine:
    """The server's ``postgres`` database, where databases are created and dropped."""
    maintenance = sa.engine.make_url(_psycopg(url)).set(database="postgres")
    return sa.create_engine(maintenance, isolation_level="AUTOCOMMIT")


def _on_server(url: str, statement: str) -> None:
    engine = _maintenance(url)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(statement)
    finally:
        engine.dispose()


def create_database(url: str) -> None:
    _on_server(url, f'CREATE DATABASE "{sa.engine.make_url(url).database}" TEMPLATE template0')


def drop_database(url: str) -> None:
    """Drop ``url``'s database, ending any connection a test left open to it."""
    _on_server(url, f'DROP DATABASE IF EXISTS "{sa.engine.make_url(url).database}" WITH (FORCE)')


@contextmanager
def database_beside(url: str, label: str) -> Iterator[str]:
    """A new PostgreSQL database on ``url``'s server, ``<database>_<label>_<random>``, dropped afterwards."""
    base = sa.engine.make_url(url)
    own = base.set(database=f"{base.database}_{label}_{uuid.uuid4().hex[:8]}").render_as_string(hide_password=False)
    create_database(own)
    try:
        yield own
    finally:
        drop_database(own)


def worker_database(url: str) -> str:
    """This process's PostgreSQL database: ``url``'s, or under pytest-xdist the worker's own, made on demand."""
    mine = worker_database_url(url, os.environ.get("PYTEST_XDIST_WORKER"),
                               os.environ.get("PYTEST_XDIST_TESTRUNUID"))
    if mine != url and mine not in _WORKER_DATABASES:
        create_database(mine)
        _WORKER_DATABASES.add(mine)
    return mine


def pytest_sessionfinish(session: pytest.Session) -> None:
    for url in _WORKER_DATABASES:
        drop_database(url)
    _WORKER_DATABASES.clear()


def reachable_postgres_url() -> str:
    """``TEST_DATABASE_URL``, once it is known to answer; else the test fails under CI and skips elsewhere."""
    url = postgres_url()
    need(url is not None, "PostgreSQL tests need TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    assert url is not None
    need(_postgres_reachable(url), f"PostgreSQL at {url} is not reachable")
    return url


@contextmanager
def scratch_database(backend: str, directory: Path) -> Iterator[str]:
    """A new, empty database: a SQLite file in ``directory``, or a PostgreSQL schema."""
    if backend == "sqlite":
        yield "sqlite:///" + str(directory / f"beatlog-{uuid.uuid4().hex[:8]}.sqlite")
        return
    url = worker_database(reachable_postgres_url())
    schema = f"beatlog_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(_psycopg(url))
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in url else "?"
    try:
        yield f"{_psycopg(url)}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty database for this test session, on each backend in turn."""
    with scratch_database(backend, tmp_path_factory.mktemp(backend)) as url:
        yield url


def make_app(database_url: str, instance_path: Path, **overrides: object) -> Flask:
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret",
        "PASSWORD_HASH": FAST_PASSWORD_HASH,
        "INSTANCE_PATH": str(instance_path),
    }
    config.update(overrides)
    return create_app(config)


@contextmanager
def demo_app(migrated_database: str, instance_path: Path, now: datetime) -> Iterator[Flask]:
    """An app on the migrated database holding the demo data as loaded at ``now``, inside its app context."""
    app = make_app(migrated_database, instance_path)
    with app.app_context():
        empty_tables()
        load_demo(db.session, now=now)
        db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def migrated_database(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The session's database, upgraded to the newest migration once."""
    from flask_migrate import upgrade

    app = make_app(database_url, tmp_path_factory.mktemp("instance"))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return database_url


def empty_tables() -> None:
    """Remove every row, keeping the schema, and put the ledger row back."""
    tables = list(reversed(Base.metadata.sorted_tables))
    with db.engine.begin() as connection:
        for table in tables:
            connection.execute(table.delete())
        connection.execute(
            sa.insert(Ledger).values(
                id=LEDGER_ROW, seq=0, audit_count=0, audit_head="", epoch=str(uuid.uuid4()), purged_seq=0
            )
        )


@pytest.fixture
def app(migrated_database: str, tmp_path: Path) -> Iterator[Flask]:
    app = make_app(migrated_database, tmp_path / "instance")
    with app.app_context():
        empty_tables()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def module_app(migrated_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One app for a whole module, for the matrices' hundreds of cells (see ``emptied_module_app``)."""
    app = make_app(migrated_database, tmp_path_factory.mktemp("instance"))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def emptied_module_app(module_app: Flask) -> Iterator[Flask]:
    """The module's app with its database and blob store emptied, as ``app`` would give a new one.

    Starting an app (compiling its routes) is most of a matrix cell's time. A module may
    override ``app`` with this fixture only if its tests leave the app's configuration alone.
    """
    shutil.rmtree(module_app.config["BLOB_STORE"], ignore_errors=True)
    with module_app.app_context():
        empty_tables()
    yield module_app
    with module_app.app_context():
        db.session.remove()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def world_snapshots(tmp_path_factory: pytest.TempPathFactory) -> WorldSnapshots:
    return WorldSnapshots(tmp_path_factory.mktemp("worlds"))


@pytest.fixture
def world(app: Flask, world_snapshots: WorldSnapshots) -> World:
    with app.app_context():
        return world_snapshots.world()


@pytest.fixture
def device(client: FlaskClient, world: World, tmp_path: Path) -> Iterator[DeviceFactory]:
    """``device("officer_a1")``: that person's signed-in handheld (the real handheld core), talking to the app."""
    with Phones(client, world, tmp_path / "phones") as phones:
        yield phones.sign_in


@pytest.fixture
def later() -> Iterator[Callable[[timedelta], None]]:
    """``later(timedelta(days=2))``: move this process's clock, the server's and its phones', forward."""
    before = clock.current_clock()
    yield lambda by: clock.set_clock(clock.Clock.at(clock.now() + by))
    clock.set_clock(before)
