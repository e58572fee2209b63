"""The migrations build the schema the models describe, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from importlib import import_module
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade

from server.extensions import db
from server.models import Base
from tests.conftest import make_app, scratch_database


def test_the_models_match_the_migrations(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_upgrade_builds_an_empty_database_and_downgrade_removes_it(backend: str, tmp_path: Path) -> None:
    with scratch_database(backend, tmp_path) as url:
        app = make_app(url, tmp_path / "instance")
        with app.app_context():
            upgrade()
            tables = set(sa.inspect(db.engine).get_table_names())
            assert {table.name for table in Base.metadata.sorted_tables} <= tables
            with db.engine.connect() as connection:
                assert connection.execute(sa.text("SELECT id, seq, audit_count, purged_seq FROM ledger")).all() == [
                    (1, 0, 0, 0)
                ]
                assert len(connection.execute(sa.text("SELECT epoch FROM ledger")).scalar_one()) == 36
            downgrade(revision="base")
            assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
            upgrade()
            db.engine.dispose()


SYNC_COLUMNS = ("id", "version", "seq", "created_at", "updated_at", "updated_by", "deleted")


def old_table(name: str, *names: str) -> sa.TableClause:
    """A table as revision 0001 had it, with only the columns a test writes."""
    def typed(column: str) -> sa.ColumnClause:
        if column == "id" or column.endswith(("_id", "_by")):
            return sa.column(column, sa.Uuid())
        if column.endswith("_at"):
            return sa.column(column, sa.DateTime(timezone=True))
        return sa.column(column)

    return sa.table(name, *(typed(column) for column in names))


def test_upgrading_a_database_with_records_fills_in_their_wire_form(backend: str, tmp_path: Path) -> None:
    import json

    from server.models import Venue
    from server.syncing.wire import MAPPINGS

    now = datetime(2026, 11, 1, 8, tzinfo=UTC)
    ids = {name: uuid.uuid4() for name in ("station", "room", "venue")}
    synced = {"version": 1, "seq": 1, "created_at": now, "updated_at": now, "updated_by": None, "deleted": False}
    rows = [
        (old_table("station", "id", "name", "district", "address", "created_at"),
         {"id": ids["station"], "name": "南湖派出所", "district": "", "address": "", "created_at": now}),
        (old_table("room", "station_id", "name", "brand", "community", "address", *SYNC_COLUMNS),
         {**synced, "id": ids["room"], "station_id": ids["station"], "name": "枫杨社区警务室", "brand": "",
          "community": "", "address": ""}),
        (old_table("venue", "room_id", "name", "kind", "address", "responsible_person", "phone", "risk_level",
                   "notes", *SYNC_COLUMNS),
         {**synced, "id": ids["venue"], "room_id": ids["room"], "name": "月河宾馆", "kind": "hotel",
          "address": "中山东路1号", "responsible_person": "", "phone": "", "risk_level": "high", "notes": ""}),
    ]
    with scratch_database(backend, tmp_path) as url:
        app = make_app(url, tmp_path / "instance")
        with app.app_context():
            upgrade(revision="0001_initial")
            with db.engine.begin() as connection:
                for table, row in rows:
                    connection.execute(sa.insert(table), row)
            upgrade()
            venue = db.session.get(Venue, ids["venue"])
            entry = json.loads(venue.wire)
            assert entry["data"] == MAPPINGS["venue"].wire_of(venue) and entry["data"]["risk_level"] == "high"
            envelope = (entry["type"], entry["id"], entry["version"], entry["deleted"])
            assert envelope == ("venue", str(venue.id), 1, False)
            db.session.remove()
            db.engine.dispose()


def store_old_blobs(revision: str, blobs: dict[str, bytes]) -> uuid.UUID:
    """Upgrade to ``revision`` and store ``blobs`` as it had them, uploaded by an admin; the admin's id."""
    now = datetime(2026, 11, 1, 8, tzinfo=UTC)
    person_id = uuid.uuid4()
    person = old_table("person", "username", "display_name", "role", "star_level", "active", "password_hash",
                       *SYNC_COLUMNS)
    blob = old_table("blob", "sha256", "size", "content_type", "data", "uploaded_by", "uploaded_at")
    upgrade(revision=revision)
    with db.engine.begin() as connection:
        connection.execute(sa.insert(person), {
            "id": person_id, "username": "admin", "display_name": "管理员", "role": "admin", "star_level": 3,
            "active": True, "password_hash": "x", "version": 1, "seq": 1, "created_at": now, "updated_at": now,
            "updated_by": None, "deleted": False})
        connection.execute(sa.insert(blob), [
            {"sha256": sha256, "size": len(data), "content_type": "image/png", "data": data,
             "uploaded_by": person_id, "uploaded_at": now} for sha256, data in blobs.items()])
    return person_id


def test_upgrading_gives_each_stored_blob_its_first_uploader_as_possessor(backend: str, tmp_path: Path) -> None:
    from server.models import BlobPossession

    sha256 = "ab" * 32
    with scratch_database(backend, tmp_path) as url:
        app = make_app(url, tmp_path / "instance")
        with app.app_context():
            person_id = store_old_blobs("0005_purged_records", {sha256: b"x"})
            upgrade()
            possession = db.session.scalars(sa.select(BlobPossession)).one()
            assert (possession.sha256, possession.person_id) == (sha256, person_id)
            db.session.remove()
            db.engine.dispose()


def test_the_blob_store_migration_keeps_the_bytes_in_the_database_and_its_downgrade_needs_them_there(
    backend: str, tmp_path: Path
) -> None:
    """Upgrading to 0008 moves no bytes (`blobs move-out` does); the downgrade refuses while only the store has some."""
    import pytest

    with scratch_database(backend, tmp_path) as url:
        app = make_app(url, tmp_path / "instance")
        with app.app_context():
            store_old_blobs("0007_photo_notes_signer", {"ab" * 32: b"a", "cd" * 32: b"c"})
            upgrade(revision="0008_blob_store")
            read = sa.text("SELECT sha256, data, thumbnail_sha256 FROM blob ORDER BY sha256")
            with db.engine.begin() as connection:
                assert [tuple(row) for row in connection.execute(read)] == [("ab" * 32, b"a", None),
                                                                             ("cd" * 32, b"c", None)]
                connection.execute(sa.text("UPDATE blob SET data = NULL WHERE sha256 = :sha"), {"sha": "cd" * 32})
            with pytest.raises(SystemExit):
                downgrade(revision="0007_photo_notes_signer")
            with db.engine.connect() as connection:
                assert connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == \
                    "0008_blob_store"
            with db.engine.begin() as connection:
                connection.execute(sa.text("UPDATE blob SET data = :data WHERE sha256 = :sha"),
                                   {"sha": "cd" * 32, "data": b"c"})
            downgrade(revision="0007_photo_notes_signer")
            with db.engine.connect() as connection:
                assert connection.execute(sa.text("SELECT sha256, data FROM blob ORDER BY sha256")).all() == \
                    [("ab" * 32, b"a"), ("cd" * 32, b"c")]
            db.session.remove()
            db.engine.dispose()


dashboard_indexes = import_module("server.migrations.versions.0009_dashboard_indexes")


def index_names() -> set[str]:
    inspector = sa.inspect(db.engine)
    return {index["name"] for table in ("inspection", "followup", "venue", "person")
            for index in inspector.get_indexes(table)}


def test_the_dashboard_indexes_migration_adds_its_indexes_and_its_downgrade_removes_them(
        backend: str, tmp_path: Path) -> None:
    wanted = {name for name, _table, _columns in dashboard_indexes.INDEXES}
    with scratch_database(backend, tmp_path) as url:
        app = make_app(url, tmp_path / "instance")
        with app.app_context():
            upgrade(revision="0008_blob_store")
            assert not wanted & index_names()
            upgrade(revision="0009_dashboard_indexes")
            assert wanted <= index_names()
            assert not {name for name, _table, _columns in dashboard_indexes.REPLACED} & index_names()
            downgrade(revision="0008_blob_store")
            assert not wanted & index_names()
            assert {name for name, _table, _columns in dashboard_indexes.REPLACED} <= index_names()
            db.engine.dispose()


chief_indexes = import_module("server.migrations.versions.0011_chief_indexes")


def test_the_chief_indexes_migration_adds_its_indexes_and_its_downgrade_removes_them(
        backend: str, tmp_path: Path) -> None:
    wanted = {name for name, _columns in chief_indexes.INDEXES}
    with scratch_database(backend, tmp_path) as url:
        app = make_app(url, tmp_path / "instance")
        with app.app_context():
            upgrade(revision="0010_device_written_seq")
            assert not wanted & index_names()
            upgrade(revision="0011_chief_indexes")
            assert wanted <= index_names()
            downgrade(revision="0010_device_written_seq")
            assert not wanted & index_names()
            db.engine.dispose()


wire_lz4 = import_module("server.migrations.versions.0012_wire_lz4")


def wire_compression() -> dict[str, str]:
    """Per table, the compression method PostgreSQL uses for ``wire`` ('' is the server's default, pglz)."""
    with db.engine.connect() as connection:
        return dict(connection.exec_driver_sql(
            "SELECT c.relname, a.attcompression FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "WHERE a.attname = 'wire' AND c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'").all())


def test_the_stored_wire_text_is_compressed_with_lz4_on_postgresql_and_the_downgrade_goes_back_to_the_default(
        tmp_path: Path) -> None:
    """Where the server was built without LZ4 the migration changes nothing."""
    with scratch_database("postgresql", tmp_path) as url:
        app = make_app(url, tmp_path / "instance")
        with app.app_context():
            with db.engine.connect() as connection:
                lz4 = connection.exec_driver_sql(wire_lz4.LZ4_AVAILABLE).first() is not None
            upgrade(revision="0011_chief_indexes")
            assert wire_compression() == dict.fromkeys(wire_lz4.TABLES, "")
            upgrade(revision="0012_wire_lz4")
            assert wire_compression() == dict.fromkeys(wire_lz4.TABLES, "l" if lz4 else "")
            downgrade(revision="0011_chief_indexes")
            assert wire_compression() == dict.fromkeys(wire_lz4.TABLES, "")
            db.engine.dispose()


def test_the_work_orders_migration_refuses_its_downgrade_while_traffic_police_have_accounts(
    backend: str, tmp_path: Path
) -> None:
    """Removing them would orphan their devices, tokens and audit entries; the database stays at 0014."""
    import pytest

    from tests.world import build_world

    with scratch_database(backend, tmp_path) as url:
        app = make_app(url, tmp_path / "instance")
        with app.app_context():
            upgrade()
            build_world(db.session)
            db.session.remove()
            downgrade(revision="0014_work_orders")
            with pytest.raises(SystemExit):
                downgrade(revision="0013_mutation_device_received")
            with db.engine.connect() as connection:
                assert connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == \
                    "0014_work_orders"
                assert connection.execute(sa.text("SELECT count(*) FROM work_order")).scalar_one() == 3
            db.engine.dispose()
