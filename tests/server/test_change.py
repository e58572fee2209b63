"""The one record-change core: every writer gets a version the same way, lock first."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask
from sqlalchemy import select

from server.extensions import db
from server.models import AuditEntry, BlobRef, Inspection, Venue
from server.operations.records import locked
from server.refusals import Refused
from server.syncing.change import RecordState, Values, change, write_record
from server.syncing.wire import MAPPINGS, data_of
from tests.world import World


def test_changing_a_record_read_without_the_ledger_lock_is_refused(app: Flask, world: World) -> None:
    with app.app_context():
        venue = db.session.get(Venue, world.venues["A1"])
        with pytest.raises(RuntimeError, match="ledger lock"):
            write_record(db.session, venue, "update", {"notes": "read before the lock"}, actor_id=None)


def test_a_change_sets_version_sequence_provenance_wire_and_audit_together(app: Flask, world: World) -> None:
    with app.app_context():
        venue = locked(db.session, Venue, world.venues["A1"])
        version, seq = venue.version, venue.seq
        write_record(db.session, venue, "update", {"notes": "new notes"}, actor_id=world.people["admin"],
                     details={"fields": ["notes"]})
        db.session.commit()
        venue = db.session.get(Venue, world.venues["A1"])
        entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (venue.version, venue.seq > seq, venue.updated_by) == (version + 1, True, world.people["admin"])
        assert data_of(venue.wire) == MAPPINGS["venue"].wire_of(venue)
        assert (entry.action, entry.record_id, entry.record_version) == ("venue.update", venue.id, venue.version)


def test_a_new_record_is_loaded_by_its_wire_schema_with_its_defaults_and_rules(app: Flask, world: World) -> None:
    with app.app_context():
        venue = Venue(room_id=world.rooms["A1"], name="New hotel", kind="hotel", address="A1 Road 9")
        write_record(db.session, venue, "create", actor_id=world.people["officer_a1"])
        assert (venue.version, venue.risk_level, venue.phone) == (1, "low", "")
        assert data_of(venue.wire)["risk_level"] == "low"
        broken = Venue(room_id=world.rooms["A1"], name="No kind", address="A1 Road 10")
        with pytest.raises(Refused) as raised:
            write_record(db.session, broken, "create", actor_id=None)
        assert (raised.value.code, list(raised.value.fields)) == ("validation_failed", ["kind"])


def test_a_change_references_the_blobs_it_names_in_the_records_room(app: Flask, world: World) -> None:
    with app.app_context():
        inspection = locked(db.session, Inspection, world.inspections["A1"])
        state = RecordState.of(inspection)
        written = change(db.session, state, Values.of(MAPPINGS["inspection"], {"photo_hashes": ["a" * 64]}),
                         "update", actor_id=None)
        assert written.blob_refs == [{"sha256": "a" * 64, "record_id": inspection.id, "room_id": world.rooms["A1"],
                                      "squad_id": None}]
        assert (state.version, state.data["photo_hashes"]) == (inspection.version + 1, ["a" * 64])


def test_a_record_written_through_the_orm_references_its_blobs(app: Flask, world: World) -> None:
    with app.app_context():
        inspection = locked(db.session, Inspection, world.inspections["B1"])
        write_record(db.session, inspection, "update", {"photo_hashes": [world.photos["B1"], world.photos["A1"]]},
                     actor_id=None)
        db.session.commit()
        refs = set(db.session.execute(select(BlobRef.sha256, BlobRef.room_id).where(
            BlobRef.record_id == world.inspections["B1"])).all())
        assert refs == {(world.photos["B1"], world.rooms["B1"]), (world.photos["A1"], world.rooms["B1"])}


def test_a_record_state_of_a_new_orm_record_is_new_and_gets_an_id(app: Flask, world: World) -> None:
    with app.app_context():
        state = RecordState.of(Venue(room_id=world.rooms["B1"], name="x", kind="shop", address="y"))
        assert (state.version, state.in_database, state.room_id) == (0, False, world.rooms["B1"])
        assert isinstance(state.id, uuid.UUID)
