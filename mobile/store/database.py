"""The local database: schema migrations, transactions, settings, blob and thumbnail files.

Every write runs in one ``BEGIN IMMEDIATE`` transaction, in WAL mode, so a crash mid-save
leaves either the whole save or none of it. Migrations only add or rename, never drop: an
app upgrade keeps every unsynced record.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mobile.listeners import Listeners

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE record (
        type TEXT NOT NULL,
        id TEXT NOT NULL,
        version INTEGER NOT NULL DEFAULT 0,
        deleted INTEGER NOT NULL DEFAULT 0,
        hidden INTEGER NOT NULL DEFAULT 0,
        server TEXT,
        local TEXT NOT NULL,
        flag TEXT NOT NULL DEFAULT '',
        flag_detail TEXT NOT NULL DEFAULT '{}',
        seen INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (type, id)
    );
    CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        mutation_id TEXT NOT NULL UNIQUE,
        type TEXT NOT NULL,
        id TEXT NOT NULL,
        op TEXT NOT NULL,
        base_version INTEGER,
        data TEXT NOT NULL,
        base TEXT NOT NULL,
        state TEXT NOT NULL,
        code TEXT NOT NULL DEFAULT '',
        errors TEXT NOT NULL DEFAULT '{}',
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX outbox_record ON outbox (type, id);
    CREATE TABLE blob (
        sha256 TEXT PRIMARY KEY,
        content_type TEXT NOT NULL,
        size INTEGER NOT NULL,
        uploaded INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
    );
    CREATE VIRTUAL TABLE venue_search USING fts5(name, address, tokenize = 'trigram');
    """,
    "ALTER TABLE record RENAME COLUMN seen TO resync_generation;",
    "CREATE TABLE venue_spelling (rowid INTEGER PRIMARY KEY, initials TEXT NOT NULL, syllables TEXT NOT NULL);",
    """
    CREATE TABLE form_draft (
        key TEXT PRIMARY KEY,
        screen TEXT NOT NULL,
        params TEXT NOT NULL,
        fields TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    """,
    "ALTER TABLE form_draft ADD COLUMN base TEXT;",
    """
    ALTER TABLE blob ADD COLUMN origin TEXT NOT NULL DEFAULT 'taken';
    ALTER TABLE blob ADD COLUMN used_at TEXT NOT NULL DEFAULT '';
    CREATE TABLE thumbnail (
        sha256 TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        size INTEGER NOT NULL DEFAULT 0,
        used_at TEXT NOT NULL DEFAULT ''
    );
    """,
    """
    CREATE INDEX record_status ON record (type, json_extract(local, '$.status'));
    CREATE INDEX record_venue ON record (type, json_extract(local, '$.venue_id'));
    CREATE INDEX record_flag ON record (type, flag);
    CREATE INDEX record_worked ON record (coalesce(nullif(json_extract(local, '$.inspected_at'), ''),
                                                   nullif(json_extract(local, '$.visited_at'), ''), ''));
    """,
)
"""Each script runs once, in order. The indexes of the last serve the queries of
:class:`mobile.store.Records` that must cost what they find, not what the phone holds."""


class StoreError(Exception):
    """The store cannot do what was asked (not a validation error: those are marshmallow's)."""


class Store:
    """One officer's data on one device: a SQLite file, a folder of blobs and one of thumbnails."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / "beatlog.sqlite"
        self.blob_directory = self.directory / "blobs"
        self.thumbnail_directory = self.directory / "thumbnails"
        self.lock = threading.RLock()
        self.changed = Listeners()
        self.pictures_changed = Listeners()
        """Told when a picture arrives or goes (``mobile.store.images``), so what shows it can redraw."""
        self.connection = self._open()

    def _open(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("PRAGMA foreign_keys = ON")
        migrate(connection)
        return connection

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit of work; the store is shared by the UI and the sync thread.

        ``changed`` listeners hear of every commit, after the lock is released.
        """
        with self.lock:
            self.connection.execute("BEGIN IMMEDIATE")
            try:
                yield self.connection
            except BaseException:
                self.connection.execute("ROLLBACK")
                raise
            self.connection.execute("COMMIT")
        self.changed.notify()

    def query(self, sql: str, parameters: Any = ()) -> list[sqlite3.Row]:
        with self.lock:
            return self.connection.execute(sql, parameters).fetchall()

    def get_meta(self, key: str, default: Any = None) -> Any:
        rows = self.query("SELECT value FROM meta WHERE key = ?", (key,))
        return json.loads(rows[0]["value"]) if rows else default

    def set_meta(self, key: str, value: Any, connection: sqlite3.Connection | None = None) -> None:
        statement = "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        if connection is not None:
            connection.execute(statement, (key, json.dumps(value)))
            return
        with self.transaction() as db:
            db.execute(statement, (key, json.dumps(value)))

    def blob_path(self, sha256: str) -> Path:
        return self.blob_directory / sha256[:2] / sha256

    def thumbnail_path(self, sha256: str) -> Path:
        return self.thumbnail_directory / sha256[:2] / sha256

    def write_blob_file(self, sha256: str, data: bytes) -> None:
        write_file(self.blob_path(sha256), data)

    def wipe(self) -> None:
        """Remove everything this device holds (a revoked device or a disabled officer)."""
        with self.lock:
            self.connection.close()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            shutil.rmtree(self.blob_directory, ignore_errors=True)
            shutil.rmtree(self.thumbnail_directory, ignore_errors=True)
            self.connection = self._open()
        self.changed.notify()
        self.pictures_changed.notify()

    def close(self) -> None:
        with self.lock:
            self.connection.close()


def write_file(path: Path, data: bytes) -> None:
    """Write the bytes before the row that names them, atomically (a crash leaves no half file)."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    with open(partial, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)


def migrate(connection: sqlite3.Connection) -> None:
    """Bring the file to the newest schema, one migration per transaction."""
    current = connection.execute("PRAGMA user_version").fetchone()[0]
    for number, script in enumerate(MIGRATIONS[current:], start=current + 1):
        connection.execute("BEGIN IMMEDIATE")
        try:
            for statement in filter(str.strip, script.split(";")):
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {number}")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
