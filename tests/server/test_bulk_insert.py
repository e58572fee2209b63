"""A push's bulk insert (COPY on PostgreSQL, the driver's executemany on SQLite) stores what SQLAlchemy would."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from flask import Flask
from sqlalchemy import Table, Text, cast, insert, select
from sqlalchemy.orm import Session

from server.extensions import db
from server.models import AuditEntry, Inspection, SyncMutation
from server.syncing.state import bulk_insert
from tests.world import World

AT = datetime(2026, 11, 27, 1, 2, 3, 456789, tzinfo=UTC)


def stored(session: Session, table: Table, key: str, keys: list[Any]) -> list[dict[str, str | None]]:
    """The rows of these keys, in their order, every other column as text (so JSON null and SQL NULL differ)."""
    columns = [cast(column, Text).label(column.name) for column in table.columns if column.name != key]
    rows = session.execute(select(table.c[key], *columns).where(table.c[key].in_(keys))).all()
    by_key = {row[0]: dict(row._mapping) for row in rows}
    return [{name: value for name, value in by_key[wanted].items() if name != key} for wanted in keys]


def both_ways(session: Session, table: Table, key: str, rows: list[dict[str, Any]]) -> None:
    """Insert the rows with SQLAlchemy and again, under new keys, in bulk; both must read back alike."""
    again = [{**row, key: uuid.uuid4()} for row in rows]
    session.execute(insert(table), rows)
    bulk_insert(session, table, again)
    assert stored(session, table, key, [row[key] for row in rows]) == \
        stored(session, table, key, [row[key] for row in again])


def test_bulk_inserted_push_answers_read_back_exactly_as_sqlalchemy_inserted_ones(app: Flask, world: World) -> None:
    with app.app_context():
        rows = [{"mutation_id": uuid.uuid4(), "device_id": uuid.uuid4(), "person_id": world.people["officer_a1"],
                 "record_type": "inspection", "record_id": uuid.uuid4(), "op": op, "payload_hash": "a" * 64,
                 "result": result, "received_at": AT}
                for op, result in [("create", {"status": "applied", "version": 1, "note": "登记簿\t\"齐全\"\\"}),
                                   ("update", {"status": "rejected", "errors": {"x": [None, 1.5, True]}})]]
        both_ways(db.session, SyncMutation.__table__, "mutation_id", rows)


def test_bulk_inserted_audit_entries_read_back_exactly_with_their_defaults(app: Flask, world: World) -> None:
    with app.app_context():
        rows = [{"at": AT, "actor_id": actor, "device_id": None, "action": "inspection.create",
                 "record_type": "inspection", "record_id": uuid.uuid4(), "record_version": version,
                 "details": details, "prev_hash": str(index) * 64, "entry_hash": uuid.uuid4().hex * 2}
                for index, (actor, version, details) in enumerate([(world.people["officer_a1"], 1, {"a": "ü\n"}),
                                                                    (None, None, {})])]
        table = AuditEntry.__table__
        again = [{**row, "entry_hash": uuid.uuid4().hex * 2} for row in rows]
        db.session.execute(insert(table), rows)
        bulk_insert(db.session, table, again)
        first = stored(db.session, table, "entry_hash", [row["entry_hash"] for row in rows])
        second = stored(db.session, table, "entry_hash", [row["entry_hash"] for row in again])
        assert [{**row, "id": None} for row in first] == [{**row, "id": None} for row in second]
        assert all(row["id"] is not None for row in second)


def test_bulk_inserted_records_read_back_exactly_with_nulls_json_nulls_dates_and_defaults(
    app: Flask, world: World
) -> None:
    with app.app_context():
        table = Inspection.__table__
        template = dict(db.session.execute(select(table).where(table.c.id == world.inspections["A1"])).mappings().one())
        rows = []
        for location, deadline in [(None, date(2026, 12, 24)), ({"lat": 31.2304, "lng": 1e-05}, None)]:
            row = {**template, "id": uuid.uuid4(), "location": location, "rectification_deadline": deadline,
                   "checklist": {"fire": {"result": "fail", "note": "灭火器过期"}}, "rectification_required": True}
            del row["findings"], row["hazard_level"]
            rows.append(row)
        both_ways(db.session, table, "id", rows)
