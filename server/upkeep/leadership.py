"""Which worker runs the upkeep jobs: the one holding the upkeep lock.

PostgreSQL (workers on any number of machines): the leader holds a session-level advisory
lock (``pg_try_advisory_lock``) on a connection of its own that does nothing else. The lock
lasts exactly as long as that database session. Every other worker tries to take it every
``BEATLOG_WORKER_LEADER_RETRY_SECONDS``; the first to succeed leads. The leader confirms it
still holds the lock at the same pace and before each job run, and when its connection is
gone (the database restarted, the network failed) it stops running jobs and tries again like
the others. The lock is keyed by the schema too, so two installations sharing a database
(in two schemas) each have a leader.

When a leader dies, its lock goes with its session: a killed process's socket is closed by
its operating system and PostgreSQL ends the session at once; a machine that vanishes
(power, network) leaves a half-open connection, which PostgreSQL ends once its TCP
keepalives go unanswered (asked for here: after 30 s idle, every 10 s, 3 times). Another
worker then takes over at its next retry.

SQLite (one machine): an exclusive ``flock`` on a file beside the database
(``<database>.upkeep-lock``), released by the operating system when its holder ends.

Correctness does not rest on the lock: every job is idempotent and takes the ledger lock,
so two runs overlapping while a half-dead leader is being replaced remove each row once.
The lock keeps the work, the logs and the audit trail to one runner.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from pathlib import Path
from typing import IO, Protocol

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

NAMESPACE = 0x62746C67
"""The advisory lock's first key ("btlg"); the second is the hash of the schema's name."""

KEEPALIVES = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3,
              "tcp_user_timeout": 60_000, "connect_timeout": 10, "application_name": "beatlog upkeep"}
"""libpq settings of the lock connection: a leader cut off from the database notices within a minute."""

TAKE = sa.text(f"SELECT pg_try_advisory_lock({NAMESPACE}, hashtext(current_schema()))")
HELD = sa.text(
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid() "
    f"AND classid = {NAMESPACE} AND objid = hashtext(current_schema())::oid AND objsubid = 2)")
SERVER_KEEPALIVES = ("SET tcp_keepalives_idle = 30", "SET tcp_keepalives_interval = 10",
                     "SET tcp_keepalives_count = 3")


class UpkeepLock(Protocol):
    def acquire(self) -> bool:
        """Take the lock if it is free; whether this process holds it now. Never waits."""

    def holds(self) -> bool:
        """Whether this process still holds the lock (it may have lost it with its connection)."""

    def release(self) -> None:
        """Let the lock go, if held."""


class AdvisoryLock:
    """The PostgreSQL advisory lock, on a connection of its own (not from the app's pool)."""

    def __init__(self, url: sa.URL) -> None:
        self.engine = sa.create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT",
                                       connect_args=KEEPALIVES)
        self.connection: sa.Connection | None = None

    def acquire(self) -> bool:
        if self.connection is not None:
            return self.holds()
        try:
            connection = self.engine.connect()
        except sa.exc.DBAPIError as error:
            log.warning("upkeep lock: cannot reach the database: %s", error.orig)
            return False
        try:
            for statement in SERVER_KEEPALIVES:
                connection.exec_driver_sql(statement)
            taken = bool(connection.scalar(TAKE))
        except sa.exc.DBAPIError as error:
            log.warning("upkeep lock: cannot ask for the lock: %s", error.orig)
            taken = False
        if taken:
            self.connection = connection
        else:
            _close(connection)
        return taken

    def holds(self) -> bool:
        if self.connection is None:
            return False
        try:
            if self.connection.scalar(HELD):
                return True
        except sa.exc.DBAPIError as error:
            log.warning("upkeep lock: lost the lock connection: %s", error.orig)
        self.release()
        return False

    def release(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            _close(connection)


def _close(connection: sa.Connection) -> None:
    """Close the session, which lets its advisory locks go; a connection already broken is just dropped."""
    with contextlib.suppress(sa.exc.DBAPIError):
        connection.close()


class FileLock:
    """An exclusive ``flock`` on a file: one holder per machine, released when its process ends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle: IO[str] | None = None

    def acquire(self) -> bool:
        if self.handle is not None:
            return True
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self.handle = handle
        return True

    def holds(self) -> bool:
        return self.handle is not None

    def release(self) -> None:
        handle, self.handle = self.handle, None
        if handle is not None:
            handle.close()


def upkeep_lock(url: sa.URL) -> UpkeepLock:
    """The lock for this database: an advisory lock on PostgreSQL, a file beside an SQLite database."""
    if url.get_backend_name() == "postgresql":
        return AdvisoryLock(url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        database = Path(str(url.database)).resolve()
        return FileLock(database.with_name(database.name + ".upkeep-lock"))
    raise ValueError(f"The upkeep worker needs PostgreSQL or an SQLite file, not {url.render_as_string()}")
