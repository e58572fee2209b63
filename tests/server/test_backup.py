"""``flask backup`` and ``flask restore``: a backup restored into an empty database serves what the original did.

Each test runs on SQLite files and on PostgreSQL databases of their own (a backup is of a whole
database, so these tests do not use the shared per-test schemas): data arrives through the API
as in service, is backed up, and is restored into an empty database and an empty blob store.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

from server import MIGRATIONS
from server.blobstore import FilesystemBlobStore, blob_store
from server.extensions import db
from server.ledger import verify_audit
from server.models import AuditEntry
from sync import clock
from tests.conftest import database_beside, make_app, need, reachable_postgres_url, worker_database
from tests.flask_http import FlaskTransport
from tests.phone import Phone, Phones
from tests.world import World, build_world

PHOTO = b"\xff\xd8\xff\xe0" + "消防通道照片".encode() * 60
PHOTO_SHA = hashlib.sha256(PHOTO).hexdigest()
STORED = b"\x89PNG\r\n\x1a\n" + b"a signature kept in the blob store" * 20
STORED_SHA = hashlib.sha256(STORED).hexdigest()


@contextmanager
def empty_database(backend: str, directory: Path) -> Iterator[str]:
    """A database of its own: a new SQLite file, or a new PostgreSQL database beside the tests' one."""
    if backend == "sqlite":
        yield "sqlite:///" + str(directory / f"beatlog-{uuid.uuid4().hex[:8]}.sqlite")
        return
    need(all(shutil.which(program) for program in ("pg_dump", "pg_restore")),
         "PostgreSQL backups need pg_dump and pg_restore (Debian: postgresql-client)")
    with database_beside(worker_database(reachable_postgres_url()), "backup") as url:
        yield url


@dataclass
class Installation:
    """One Beatlog: its app (database and blob store) and a client talking to it."""

    app: Flask
    directory: Path

    @property
    def client(self) -> FlaskClient:
        return self.app.test_client()

    def flask(self, *args: str) -> Result:
        return self.app.test_cli_runner().invoke(args=list(args))

    def table_counts(self) -> dict[str, int]:
        with self.app.app_context(), db.engine.connect() as connection:
            return {name: connection.scalar(sa.select(sa.func.count()).select_from(sa.table(name)))
                    for name in sa.inspect(connection).get_table_names()}

    def audit(self) -> tuple[int, str, bool]:
        with self.app.app_context():
            verification = verify_audit(db.session())
            return verification.entries, verification.head, verification.intact

    def pulled(self, world: World, username: str) -> dict[tuple[str, str], dict[str, Any]]:
        """What a new phone of ``username``'s holds after pulling its whole scope from here."""
        with Phones(self.client, world, self.directory / f"phones-{uuid.uuid4().hex[:6]}") as phones:
            phone = phones.sign_in(username)
            phone.pull()
            return phone.held()


@contextmanager
def installation(backend: str, directory: Path, name: str) -> Iterator[Installation]:
    with empty_database(backend, directory) as url:
        app = make_app(url, directory / f"{name}-instance", BLOB_STORE=str(directory / f"{name}-blobs"))
        yield Installation(app, directory)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def source(backend: str, tmp_path: Path) -> Iterator[tuple[Installation, World]]:
    """An installation in service: people and devices, phones that pushed records, a photo uploaded."""
    with installation(backend, tmp_path, "source") as served:
        with served.app.app_context():
            upgrade()
            world = build_world(db.session)
            blob_store().put(STORED_SHA, STORED)
        client = served.client
        uploaded = client.put(f"/api/v1/blobs/{PHOTO_SHA}?schema_version=3", data=PHOTO, content_type="image/jpeg",
                              headers=world.headers("officer_a1"))
        assert uploaded.status_code == 201
        with Phones(client, world, tmp_path / "source-phones") as phones:
            first, second = phones.sign_in("officer_a1"), phones.sign_in("officer_b1")
            first.pull()
            first.edit("inspection", str(world.inspections["A1"]), photo_hashes=[PHOTO_SHA])
            first.create("venue", {"room_id": str(world.rooms["A1"]), "name": "月河宾馆", "kind": "hotel",
                                   "address": "中山东路1号"})
            second.pull()
            second.edit("venue", str(world.venues["B1"]), name="禾兴网吧")
            first.push()
            second.push()
            assert {result["status"] for phone in (first, second) for result in phone.results} == {"applied"}
        yield served, world


@pytest.fixture
def target(backend: str, tmp_path: Path) -> Iterator[Installation]:
    """An empty database and an empty blob store, configured with the source's keys."""
    with installation(backend, tmp_path, "target") as empty:
        yield empty


@pytest.fixture
def backup(source: tuple[Installation, World], tmp_path: Path) -> Path:
    """The source installation, backed up into a new folder."""
    directory = tmp_path / "backup"
    made = source[0].flask("backup", str(directory))
    assert made.exit_code == 0, made.output
    return directory


def manifest(directory: Path) -> dict[str, Any]:
    return json.loads((directory / "manifest.json").read_text())


def test_a_restored_backup_serves_the_same_records_audit_trail_and_photos(
    source: tuple[Installation, World], backup: Path, target: Installation
) -> None:
    original, world = source
    restored = target.flask("restore", str(backup))
    assert restored.exit_code == 0, restored.output
    assert "intact" in restored.output and "Every blob the database names is in the store, whole" in restored.output
    assert target.table_counts() == original.table_counts()
    assert target.audit() == original.audit() and target.audit()[2]
    for username in ("officer_a1", "chief_b", "admin"):
        assert target.pulled(world, username) == original.pulled(world, username)
    photo = target.client.get(f"/api/v1/blobs/{PHOTO_SHA}?schema_version=3", headers=world.headers("chief_a"))
    assert photo.status_code == 200 and photo.data == PHOTO
    with target.app.app_context():
        assert blob_store().get(STORED_SHA) == STORED


def test_the_manifest_says_what_the_backup_holds(
    source: tuple[Installation, World], tmp_path: Path, backend: str
) -> None:
    original, _world = source
    moment = datetime(2026, 7, 1, 3, 4, 5, tzinfo=UTC)
    before = clock.set_clock(clock.Clock.at(moment, frozen=True))
    try:
        made = original.flask("backup", str(tmp_path / "backup"))
    finally:
        clock.set_clock(before)
    assert made.exit_code == 0, made.output
    written = manifest(tmp_path / "backup")
    entries, head, _intact = original.audit()
    assert written["format"] == 1 and written["created_at"] == moment.isoformat()
    assert written["database"]["backend"] == backend
    with original.app.app_context(), db.engine.connect() as connection:
        revision = connection.scalar(sa.text("SELECT version_num FROM alembic_version"))
    assert written["database"]["alembic_revisions"] == [revision]
    assert written["tables"] == original.table_counts()
    assert written["audit"] == {"entries": entries, "head": head, "intact": True}
    assert written["blobs"]["count"] >= 1
    checkpoint = (tmp_path / "backup" / "audit-checkpoint").read_text().strip()
    assert checkpoint.startswith(f"{entries}:{head}:")
    assert written["blobs"]["damaged"] == []
    assert (tmp_path / "backup").stat().st_mode & 0o777 == 0o700
    readable_by_others = [path for path in (tmp_path / "backup").rglob("*") if path.stat().st_mode & 0o077]
    assert readable_by_others == [], "a copy that leaves the folder behind must not expose password hashes"
    assert {path.name for path in (tmp_path / "backup").iterdir()} == {
        "manifest.json", "audit-checkpoint", "blobs", written["database"]["file"]}


def test_a_phone_that_synced_before_the_backup_resyncs_in_full_from_the_restored_server(
    source: tuple[Installation, World], target: Installation, tmp_path: Path
) -> None:
    original, world = source
    with Phones(original.client, world, tmp_path / "phones") as phones:
        phone = phones.sign_in("officer_a1")
        phone.pull()
        assert original.flask("backup", str(tmp_path / "backup")).exit_code == 0
        assert target.flask("restore", str(tmp_path / "backup")).exit_code == 0
        resyncs = phone.resets
        moved = Phone(phone.store, FlaskTransport(target.client), phone.device_id, phone.token)
        moved.pull()
        assert moved.resets == resyncs + 1


def test_backup_refuses_a_directory_that_is_not_empty(source: tuple[Installation, World], tmp_path: Path) -> None:
    original, _world = source
    folder = tmp_path / "backup"
    folder.mkdir()
    (folder / "notes.txt").write_text("last week's")
    made = original.flask("backup", str(folder))
    assert made.exit_code != 0 and "not empty" in made.output
    assert [path.name for path in folder.iterdir()] == ["notes.txt"]


def test_restore_refuses_a_database_that_already_holds_tables(backup: Path, target: Installation) -> None:
    with target.app.app_context():
        upgrade()
    before = target.table_counts()
    restored = target.flask("restore", str(backup))
    assert restored.exit_code != 0 and "empty database" in restored.output, restored.output
    assert target.table_counts() == before


def test_restore_refuses_a_folder_that_is_not_a_whole_backup(target: Installation, tmp_path: Path) -> None:
    (tmp_path / "half").mkdir()
    restored = target.flask("restore", str(tmp_path / "half"))
    assert restored.exit_code != 0 and "manifest.json" in restored.output
    assert target.table_counts() == {}


def test_a_backup_whose_database_was_tampered_with_fails_verification_on_restore(
    source: tuple[Installation, World], backup: Path, target: Installation, tmp_path: Path
) -> None:
    original, _world = source
    with original.app.app_context():
        first = db.session.scalar(sa.select(sa.func.min(AuditEntry.id)))
        db.session.execute(sa.update(AuditEntry).where(AuditEntry.id == first).values(details={"by": "hand"}))
        db.session.commit()
    tampered = original.flask("backup", str(tmp_path / "tampered"))
    assert tampered.exit_code == 1 and "audit trail is broken" in tampered.output, tampered.output
    assert not (tmp_path / "tampered" / "audit-checkpoint").exists()
    assert manifest(tmp_path / "tampered")["audit"]["intact"] is False
    name = manifest(backup)["database"]["file"]
    shutil.copyfile(tmp_path / "tampered" / name, backup / name)
    restored = target.flask("restore", str(backup))
    assert restored.exit_code == 1
    assert f"entry {first}: its content does not match its hash" in restored.output, restored.output


def test_a_backup_with_a_damaged_blob_fails_on_restore_naming_it(backup: Path, target: Installation) -> None:
    FilesystemBlobStore(backup / "blobs").path(STORED_SHA).write_bytes(STORED + b"!")
    restored = target.flask("restore", str(backup))
    assert restored.exit_code == 1 and STORED_SHA in restored.output, restored.output
    with target.app.app_context():
        assert not blob_store().has(STORED_SHA)


def test_a_backup_without_a_photo_the_database_names_fails_on_restore_naming_it(
    backup: Path, target: Installation
) -> None:
    FilesystemBlobStore(backup / "blobs").path(PHOTO_SHA).unlink()
    restored = target.flask("restore", str(backup))
    assert restored.exit_code == 1
    assert f"{PHOTO_SHA} (blob): the restored database names it but the store does not hold it" in restored.output


def test_a_backup_keeps_what_it_can_of_a_store_with_a_damaged_blob_and_names_it(
    source: tuple[Installation, World], target: Installation, tmp_path: Path
) -> None:
    original, _world = source
    with original.app.app_context():
        FilesystemBlobStore(original.app.config["BLOB_STORE"]).path(STORED_SHA).write_bytes(b"bit rot")
    made = original.flask("backup", str(tmp_path / "backup"))
    assert made.exit_code == 1 and STORED_SHA in made.output, made.output
    assert manifest(tmp_path / "backup")["blobs"]["damaged"] == [STORED_SHA]
    restored = target.flask("restore", str(tmp_path / "backup"))
    assert restored.exit_code == 1 and STORED_SHA in restored.output, restored.output
    assert target.table_counts() == original.table_counts()


def test_a_backup_made_before_the_newest_migration_restores_and_says_to_upgrade(backend: str, tmp_path: Path) -> None:
    scripts = ScriptDirectory(MIGRATIONS)
    previous = scripts.get_revision(scripts.get_current_head()).down_revision
    with installation(backend, tmp_path, "older") as older, installation(backend, tmp_path, "newer") as newer:
        with older.app.app_context():
            upgrade(revision=previous)
        assert older.flask("backup", str(tmp_path / "backup")).exit_code == 0
        restored = newer.flask("restore", str(tmp_path / "backup"))
        assert restored.exit_code == 0, restored.output
        assert f"The database is at {previous}" in restored.output
        assert "run `flask --app server db upgrade` before serving it" in restored.output
        with newer.app.app_context():
            upgrade()
        assert newer.client.get("/health/ready").status_code == 200


def test_restore_refuses_a_backup_made_by_a_newer_release(backup: Path, target: Installation) -> None:
    written = manifest(backup)
    written["database"]["alembic_revisions"] = ["0099_from_the_future"]
    (backup / "manifest.json").write_text(json.dumps(written))
    restored = target.flask("restore", str(backup))
    assert restored.exit_code != 0 and "0099_from_the_future" in restored.output
    assert "release that made it" in restored.output
    assert target.table_counts() == {}
