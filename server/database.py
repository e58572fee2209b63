"""Column types and engine settings that make SQLite and PostgreSQL behave alike."""

from __future__ import annotations

import contextvars
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, cast

import orjson
from sqlalchemy import JSON, CursorResult, DateTime, Delete, Engine, Table, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

JSONDocument = JSON().with_variant(JSONB(), "postgresql")

write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=True)
"""Whether the current unit of work may write; SQLite then takes its write lock up front.

A deferred SQLite transaction that reads and later writes fails at once if another
writer committed in between; taking the lock at BEGIN makes writers queue instead.
Read-only requests (GET, HEAD) leave it off so they never wait on a writer.
"""


@contextmanager
def intent(writes: bool) -> Iterator[None]:
    token = write_intent.set(writes)
    try:
        yield
    finally:
        write_intent.reset(token)


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


CONNECT_TIMEOUT_SECONDS = 10


def json_text(value: Any) -> str:
    """Compact JSON text with non-ASCII kept, by orjson: a push writes several documents a record.

    What orjson does not take (an integer beyond 64 bits, in a refused mutation kept in
    quarantine, say) is written by ``json`` instead.
    """
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def engine_options(url: str) -> dict[str, Any]:
    """How the app's engine connects, whatever the database.

    ``pool_pre_ping`` tests a pooled connection before handing it out, so connections the
    database dropped (a restart, a failover) are replaced instead of failing the next
    requests. On PostgreSQL a connection attempt to a host that does not answer gives up
    after ``CONNECT_TIMEOUT_SECONDS`` instead of the operating system's minutes.
    """
    options: dict[str, Any] = {"pool_pre_ping": True, "json_serializer": json_text}
    if url.startswith("postgresql"):
        options["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    return options


def tune_engine(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine)


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")


def insert_ignoring_duplicates(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows, skipping those whose key is already there (a race-free idempotent insert)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    statement = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(table).on_conflict_do_nothing()
    session.execute(statement, rows)


def delete_counted(session: Session, statement: Delete) -> int:
    """Run a DELETE; how many rows it removed (both drivers report it)."""
    return cast(CursorResult[Any], session.execute(statement)).rowcount
