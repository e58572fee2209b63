"""Column types and engine settings that make SQLite and PostgreSQL behave alike."""

from __future__ import annotations

import contextvars
import json
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, cast

import orjson
from psycopg.abc import Buffer
from psycopg.adapt import Loader
from sqlalchemy import JSON, Connection, CursorResult, DateTime, Delete, Engine, Executable, Row, Table, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import NullType, TypeDecorator

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


class utf8(FunctionElement[Any]):
    """A text column read as its UTF-8 bytes, never decoded to a ``str``: run it with :func:`read_utf8`.

    A pull page is the stored wire text of thousands of records, sent as it is; decoding 7 MB of
    Chinese text only to encode it again cost a third of a page. SQLite hands over the bytes of
    ``CAST(… AS BLOB)``. On PostgreSQL a ``bytea`` comes as hex in the text protocol, slower than
    the text itself, so the column is read as text and ``read_utf8`` has psycopg load that
    statement's text columns as the bytes it received.
    """

    type = NullType()
    inherit_cache = True
    name = "utf8"


@compiles(utf8)
def _utf8_as_text(element: utf8, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(utf8, "sqlite")
def _utf8_as_blob(element: utf8, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS BLOB)"


TEXT_AS_UTF8 = "beatlog_text_as_utf8"
"""The execution option :func:`read_utf8` sets: psycopg loads the statement's text columns as bytes."""


class _UTF8Bytes(Loader):
    def load(self, data: Buffer) -> bytes:
        return bytes(data)


@event.listens_for(Engine, "before_cursor_execute")
def _text_as_utf8(connection: Connection, cursor: Any, statement: str, parameters: Any, context: Any,
                  executemany: bool) -> None:
    if (context is not None and context.execution_options.get(TEXT_AS_UTF8)
            and connection.dialect.name == "postgresql" and cursor.connection.info.encoding == "utf-8"):
        cursor.adapters.register_loader("text", _UTF8Bytes)


def read_utf8(connection: Connection, statement: Executable,
              parameters: dict[str, Any] | None = None) -> Sequence[Row[Any]]:
    """The rows of a statement whose :class:`utf8` columns come as UTF-8 bytes (or, where a database
    is not UTF-8, as text for :func:`as_utf8` to encode)."""
    return connection.execute(statement, parameters or {}, execution_options={TEXT_AS_UTF8: True}).all()


def as_utf8(value: str | bytes) -> bytes:
    """A value read through :class:`utf8`: bytes already, or text to encode."""
    return value if isinstance(value, bytes) else value.encode()


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


_TUNED: weakref.WeakSet[Engine] = weakref.WeakSet()


def tune_engine(engine: Engine) -> None:
    """Make ``engine`` behave as Beatlog expects; once per engine, however many apps share it."""
    if engine in _TUNED:
        return
    _TUNED.add(engine)
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
