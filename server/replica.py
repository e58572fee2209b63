"""Reads from a PostgreSQL streaming standby (``DATABASE_REPLICA_URL``), never older than the reader's own writes.

With no standby configured nothing here does anything: one engine, as before. With one:

- **Pulls** read their page from the standby in a session of its own (``read_standby``); the
  request's authentication and its note of the device's contact stay on the primary. A page
  is read there only if the standby's ledger has reached both the position the device's
  cursor names and the position the device's own latest write committed at
  (``Device.written_seq``, kept by ``_note_device_write`` in the same transaction as the
  write); otherwise the page comes from the primary. Both are ledger positions because a pull
  sends nothing but ledger-numbered changes.
- **Dashboard** pages that only read (``write_intent`` off) send their SELECTs to the standby
  (``RoutingSession``), after sign-in was checked on the primary. After a request that writes,
  the browser's session remembers the primary's WAL position, and its reads stay on the primary
  until the standby has replayed that far: the dashboard shows more than ledger-numbered
  changes (audit entries, devices, refused changes), so its mark is the WAL's.

A standby that cannot be reached, or cancels a read in conflict with its replay, is skipped:
the primary answers. Where each read went is counted in ``beatlog_replica_reads``; how far the
standby is behind is read at each scrape (``server.scrape.standby_figures``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import flask_sqlalchemy.session
from flask import Flask, current_app, g, has_request_context, request
from flask import session as browser_session
from sqlalchemy import Engine, Select, create_engine, event, inspect, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from server import metrics, requestlog
from server.config import database_url
from server.database import engine_options, write_intent
from server.ledger import held, lock_ledger
from server.models import Device, Ledger
from server.syncing.cursor import Cursor
from server.transaction import on_commit

STANDBY = "beatlog_standby"
"""Where the app keeps the standby's engine (``app.extensions``)."""
READS_FROM = "reads_from"
"""``session.info`` key: the engine a ``RoutingSession`` sends its SELECTs to."""
PRIMARY_POSITION = "primary_wal"
"""Browser-session key: the primary's WAL position after this browser's latest write."""
T = TypeVar("T")
View = TypeVar("View", bound=Callable[..., Any])
log = logging.getLogger(__name__)


class StandbyBehind(Exception):
    """The standby has not replayed as far as this read needs: the primary must answer it."""


class RoutingSession(flask_sqlalchemy.session.Session):
    """``db.session``: plain SELECTs go to ``info[READS_FROM]`` when set; flushes, DML and raw SQL never do."""

    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None, **kwargs: Any) -> Any:
        standby = self.info.get(READS_FROM)
        if bind is None and standby is not None and isinstance(clause, Select):
            return standby
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


def init_app(app: Flask) -> None:
    if not app.config.get("DATABASE_REPLICA_URL"):
        return
    url = app.config["DATABASE_REPLICA_URL"] = database_url(app.config["DATABASE_REPLICA_URL"])
    if not (url.startswith("postgresql") and app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")):
        raise RuntimeError("DATABASE_REPLICA_URL names a PostgreSQL standby of a PostgreSQL DATABASE_URL; "
                           "leave it unset otherwise.")
    app.extensions[STANDBY] = create_engine(url, hide_parameters=True, **engine_options(url))
    app.teardown_request(_stop_routing)


def standby() -> Engine | None:
    return current_app.extensions.get(STANDBY)


def _served(reader: str, served_by: str) -> None:
    metrics.count_replica_read(reader, served_by)
    requestlog.note(read_from=served_by)


def read_standby(reader: str, read: Callable[[Session], T]) -> T | None:
    """``read`` done in a session of the standby's own; None when the primary must do it instead.

    That is: no standby configured, ``read`` raised ``StandbyBehind``, or the standby failed
    (down, or it cancelled the read in conflict with replay). Anything else ``read`` raises
    (a refusal) escapes as it would on the primary.
    """
    engine = standby()
    if engine is None:
        return None
    try:
        with Session(engine) as session, session.begin():
            answer = read(session)
    except StandbyBehind:
        _served(reader, "behind")
        return None
    except OperationalError as error:
        log.warning("the standby failed a read; the primary answers it: %s", error.orig)
        _served(reader, "unavailable")
        return None
    _served(reader, "standby")
    return answer


def require_replayed(ledger: Ledger, cursor: Cursor | None, written_seq: int) -> None:
    """On the standby: its ledger must have reached the device's own write and the cursor, in the cursor's epoch."""
    position = max(written_seq, cursor.position if cursor else 0)
    if ledger.seq < position or (cursor is not None and cursor.epoch != ledger.epoch):
        raise StandbyBehind(f"the standby is at {ledger.seq}, the read needs {position}")


def reads_primary(view: View) -> View:
    """Mark a dashboard view whose reads stay on the primary although it writes nothing.

    A streamed answer (the CSV export) has sent its status and first rows before its query
    ends; a standby that cancels that query to replay would cut the file short with no way
    left to say so, where the primary runs it to the end.
    """
    view.reads_primary = True  # type: ignore[attr-defined]
    return view


def route_dashboard_reads() -> None:
    """Before a dashboard page, once sign-in was checked on the primary: read from the standby if it may."""
    engine = standby()
    if engine is None:
        return
    session = current_app.extensions["sqlalchemy"].session()
    if getattr(current_app.view_functions.get(request.endpoint or ""), "reads_primary", False):
        return
    if write_intent.get():
        on_commit(session, _remember_primary_position)
        return
    try:
        with engine.connect() as connection:
            replayed = connection.execute(
                text("SELECT coalesce(pg_last_wal_replay_lsn() >= CAST(:mark AS pg_lsn), true)"),
                {"mark": browser_session.get(PRIMARY_POSITION, "0/0")},
            ).scalar_one()
    except OperationalError as error:
        log.warning("the standby did not answer; the primary serves the page: %s", error.orig)
        _served("dashboard", "unavailable")
        return
    if not replayed:
        _served("dashboard", "behind")
        return
    browser_session.pop(PRIMARY_POSITION, None)
    session.info[READS_FROM] = engine
    _served("dashboard", "standby")


def _remember_primary_position() -> None:
    """After this browser's write committed: the WAL position its reads wait for on the standby.

    The insert position, read after the commit, lies past the commit record whatever
    ``synchronous_commit`` says.
    """
    with current_app.extensions["sqlalchemy"].engine.connect() as connection:
        browser_session[PRIMARY_POSITION] = connection.execute(text("SELECT pg_current_wal_insert_lsn()::text")
                                                               ).scalar_one()


def _stop_routing(_error: BaseException | None) -> None:
    """Under a shared app context (a test, a script) the session outlives the request: route no further reads."""
    current_app.extensions["sqlalchemy"].session().info.pop(READS_FROM, None)


@event.listens_for(Session, "before_commit")
def _note_device_write(session: Session) -> None:
    """A request that wrote through the ledger with a device's token: the device's pulls wait for this position."""
    if not (has_request_context() and held(session)) or standby() is None:
        return
    device: Device | None = g.get("device")
    if device is None or inspect(device).session is not session:
        return
    position = lock_ledger(session).seq
    device.written_seq = max(device.written_seq, position)
