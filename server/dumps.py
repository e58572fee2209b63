"""The database in a backup: a consistent copy out of a running server, and back into an empty database.

PostgreSQL is dumped with ``pg_dump`` (custom format) from a snapshot the backup exports and
keeps open, so the dump, the record counts and the audit checkpoint all describe one
instant; ``pg_restore`` loads it. SQLite is copied with its online backup API (consistent
while the server writes, WAL readers never block) and the counts are read from the copy.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import AbstractContextManager, closing, contextmanager
from pathlib import Path
from typing import Protocol

from sqlalchemy import URL, Connection, Engine, NullPool, create_engine, text
from sqlalchemy.exc import SQLAlchemyError


class BackupError(Exception):
    """Why a backup or a restore cannot go ahead, in words for the operator."""


class DatabaseDump(Protocol):
    backend: str
    file_name: str

    def snapshot(self, engine: Engine, path: Path) -> AbstractContextManager[Connection]:
        """Write the database to ``path``; yield a connection that reads exactly what was written."""

    def load(self, engine: Engine, path: Path) -> None:
        """Fill the (empty) database from ``path``."""

    def objects(self, engine: Engine) -> list[str]:
        """The tables, views and sequences the database holds; none when it is empty."""


def database_dump(engine: Engine) -> DatabaseDump:
    if engine.dialect.name == "postgresql":
        return PostgresDump()
    if engine.dialect.name == "sqlite":
        return SqliteDump()
    raise BackupError(f"Beatlog cannot back up a {engine.dialect.name} database.")


def _reading(engine: Engine, statement: str) -> list[str]:
    try:
        with engine.connect() as connection:
            return list(connection.scalars(text(statement)))
    except SQLAlchemyError as error:
        raise BackupError(f"The database cannot be read: {getattr(error, 'orig', error)}") from None


class PostgresDump:
    backend = "postgresql"
    file_name = "database.dump"

    @contextmanager
    def snapshot(self, engine: Engine, path: Path) -> Iterator[Connection]:
        with engine.connect() as connection:
            connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with connection.begin():
                exported = connection.scalar(text("SELECT pg_export_snapshot()"))
                _run("pg_dump", engine.url, "--format=custom", f"--snapshot={exported}", f"--file={path}")
                _fsync(path)
                yield connection

    def load(self, engine: Engine, path: Path) -> None:
        _run("pg_restore", engine.url, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
             str(path))

    def objects(self, engine: Engine) -> list[str]:
        return _reading(engine, """
            SELECT namespace.nspname || '.' || class.relname FROM pg_class class
            JOIN pg_namespace namespace ON namespace.oid = class.relnamespace
            WHERE class.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
              AND namespace.nspname NOT IN ('pg_catalog', 'information_schema')
              AND namespace.nspname NOT LIKE 'pg\\_toast%' AND namespace.nspname NOT LIKE 'pg\\_temp\\_%'
            ORDER BY 1""")


def _run(program: str, url: URL, *arguments: str) -> None:
    """Run a PostgreSQL client on the database at ``url``; its password goes by environment, not argv."""
    found = shutil.which(program)
    if found is None:
        raise BackupError(f"{program} is not installed; install PostgreSQL's client programs "
                          "(Debian: apt-get install postgresql-client) of the server's major version or newer.")
    environment = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    target = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    finished = subprocess.run([found, f"--dbname={target}", *arguments], env=environment, capture_output=True,
                              text=True, check=False)
    if finished.returncode != 0:
        raise BackupError(f"{program} failed (exit {finished.returncode}): {finished.stderr.strip()}")


class SqliteDump:
    backend = "sqlite"
    file_name = "database.sqlite"

    @contextmanager
    def snapshot(self, engine: Engine, path: Path) -> Iterator[Connection]:
        with closing(sqlite3.connect(_file_of(engine))) as live, closing(sqlite3.connect(path)) as copy:
            live.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")
        _fsync(path)
        reader = create_engine(URL.create("sqlite", database=str(path)), poolclass=NullPool)
        try:
            with reader.connect() as connection:
                yield connection
        finally:
            reader.dispose()

    def load(self, engine: Engine, path: Path) -> None:
        engine.dispose()
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as kept, \
                closing(sqlite3.connect(_file_of(engine))) as target:
            kept.backup(target)

    def objects(self, engine: Engine) -> list[str]:
        return _reading(engine, "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                                "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")


def _file_of(engine: Engine) -> str:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        raise BackupError("An in-memory SQLite database cannot be backed up or restored; use a file.")
    return database


def _fsync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())
