"""The local database: schema migrations, transactions, settings, blob and thumbnail files.

Every write runs in one ``BEGIN IMMEDIATE`` transaction, in WAL mode, so a crash mid-save
leaves either the whole save or none of it. Migrations only add or rename, never drop: an
app upgrade keeps every unsynced record.

The database is encrypted whole (SQLCipher, through ``sqlcipher3``) with a key derived from the
officer's password (``mobile.account``), so a lost phone read without the password yields none
of its records: not the residents' names and ID numbers, not the outbox, not the sync token.
It opens when the officer signs in or unlocks (``open``); until then only the device file is
readable: the few settings the lock screen needs (``DEVICE_KEYS``). A store written before
encryption is encrypted in place on its first unlock.
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

import sqlcipher3  # type: ignore[import-untyped]

from mobile.listeners import Listeners

DEVICE_KEYS = frozenset({"device_id", "server_url", "user", "verifier", "store_salt", "store_salt_next",
                         "device_name", "display"})
"""Settings kept outside the encrypted database: who this phone belongs to and how to check and derive
the officer's password, and how the screens look (``mobile.ui.look``), read before the unlock. None is
personal data of a resident or a secret."""
PLAINTEXT_HEADER = b"SQLite format 3\x00"

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


class StoreLocked(StoreError):
    """The records are asked for before the officer's password opened the store."""


class WrongKey(StoreError):
    """The key does not open this store."""


class Store:
    """One officer's data on one device: a SQLite file, a folder of blobs and one of thumbnails."""

    def __init__(self, directory: Path | str, key: bytes | None = None) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / "beatlog.sqlite"
        self.device_path = self.directory / "device.json"
        self.blob_directory = self.directory / "blobs"
        self.thumbnail_directory = self.directory / "thumbnails"
        self.lock = threading.RLock()
        self.changed = Listeners()
        self.pictures_changed = Listeners()
        """Told when a picture arrives or goes (``mobile.store.images``), so what shows it can redraw."""
        self._connection: sqlite3.Connection | None = None
        self.key: bytes | None = None
        self.device = self._read_device()
        if key is not None:
            self.open(key)

    @property
    def connection(self) -> sqlite3.Connection:
        if self._connection is None:
            raise StoreLocked("The store opens with the officer's password.")
        return self._connection

    @property
    def is_open(self) -> bool:
        return self._connection is not None

    def open(self, key: bytes) -> None:
        """Open the records with the key (``mobile.account.store_key``); a store kept in the clear is encrypted now."""
        with self.lock:
            if self._connection is not None:
                return
            if _plaintext(self.path):
                _encrypt_in_place(self.path, key)
            connection = _connect(self.path, key)
            migrate(connection)
            self._connection, self.key = connection, key

    def rekey(self, key: bytes) -> None:
        """Encrypt the open store under a new key (the officer's password changed)."""
        with self.lock:
            self.connection.execute(f"PRAGMA rekey = \"x'{key.hex()}'\"")
            self.key = key

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
        if key in DEVICE_KEYS:
            return self.device.get(key, default)
        rows = self.query("SELECT value FROM meta WHERE key = ?", (key,))
        return json.loads(rows[0]["value"]) if rows else default

    def set_meta(self, key: str, value: Any, connection: sqlite3.Connection | None = None) -> None:
        if key in DEVICE_KEYS:
            with self.lock:
                self.device[key] = value
                _write_json(self.device_path, self.device)
            return
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
        """Remove everything this device holds (a revoked device or a disabled officer); the store is locked after."""
        with self.lock:
            self.close()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            self.device_path.unlink(missing_ok=True)
            self.device = {}
            shutil.rmtree(self.blob_directory, ignore_errors=True)
            shutil.rmtree(self.thumbnail_directory, ignore_errors=True)
        self.changed.notify()
        self.pictures_changed.notify()

    def close(self) -> None:
        """Lock the store: the key is forgotten with the connection."""
        with self.lock:
            if self._connection is not None:
                self._connection.close()
            self._connection, self.key = None, None

    def _read_device(self) -> dict[str, Any]:
        """The device file; a store from before encryption gives up its device settings to one here."""
        if self.device_path.exists():
            found: dict[str, Any] = json.loads(self.device_path.read_text())
            return found
        if not _plaintext(self.path):
            return {}
        with sqlite3.connect(self.path) as legacy:
            rows = legacy.execute("SELECT key, value FROM meta").fetchall() if _has_meta(legacy) else []
        device = {key: json.loads(value) for key, value in rows if key in DEVICE_KEYS}
        _write_json(self.device_path, device)
        return device


def _connect(path: Path, key: bytes) -> sqlite3.Connection:
    connection = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30)
    connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError:
        connection.close()
        raise WrongKey("This key does not open the store.") from None
    connection.row_factory = sqlcipher3.Row
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    connection.execute("PRAGMA foreign_keys = ON")
    return connection


def _plaintext(path: Path) -> bool:
    if not path.exists():
        return False
    with open(path, "rb") as handle:
        return handle.read(len(PLAINTEXT_HEADER)) == PLAINTEXT_HEADER


def _has_meta(connection: sqlite3.Connection) -> bool:
    return connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone() is not None


def _encrypt_in_place(path: Path, key: bytes) -> None:
    """A store written before encryption, copied into an encrypted file that then replaces it."""
    encrypted = path.with_name(f"{path.name}.encrypting")
    encrypted.unlink(missing_ok=True)
    plain = sqlcipher3.connect(str(path), isolation_level=None)
    try:
        plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        plain.execute(f"ATTACH DATABASE ? AS encrypted KEY \"x'{key.hex()}'\"", (str(encrypted),))
        plain.execute("SELECT sqlcipher_export('encrypted')")
        version = plain.execute("PRAGMA user_version").fetchone()[0]
        plain.execute(f"PRAGMA encrypted.user_version = {int(version)}")
        plain.execute("DETACH DATABASE encrypted")
    finally:
        plain.close()
    os.replace(encrypted, path)
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _write_json(path: Path, value: Any) -> None:
    partial = path.with_suffix(".part")
    partial.write_text(json.dumps(value, ensure_ascii=False))
    os.replace(partial, path)


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
