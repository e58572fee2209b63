"""The demo data the brief asks for, loaded through the real operations."""

from __future__ import annotations

import gzip
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from flask import Flask
from sqlalchemy import func, select

from server.demo.loader import load_demo
from server.extensions import db
from server.ledger import verify_audit
from server.models import (
    ChecklistTemplate,
    Followup,
    Inspection,
    Occupant,
    Person,
    RentalHouse,
    ResidencePermit,
    Room,
    Station,
    Venue,
)
from server.operations.records import RECORD_TYPE_OF
from server.syncing.wire import MAPPINGS, change_entry
from sync import vocab
from sync.protocol import SCHEMA_HEADER, SCHEMA_VERSION
from sync.records import RECORD_TYPES
from tests.conftest import demo_app, empty_tables, make_app

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
CHINA = timezone(timedelta(hours=8))


@pytest.fixture(scope="module")
def demo(migrated_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with demo_app(migrated_database, tmp_path_factory.mktemp("demo"), NOW) as app:
        yield app


def count(model: type, *conditions: object) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def test_stations_and_rooms_come_from_the_article(demo: Flask) -> None:
    rooms = {
        (station, room)
        for station, room in db.session.execute(select(Station.name, Room.name).join(Room.station))
    }
    for pair in [("南湖派出所", "枫杨社区警务室"), ("东栅派出所", "中港警务室"), ("七星派出所", "江南新家园警务室")]:
        assert pair in rooms
    assert "新丰派出所" in {station for station, _ in rooms}
    assert all(room.brand for room in db.session.scalars(select(Room)))


def test_the_demo_accounts_sit_where_the_brief_says(demo: Flask) -> None:
    people = {p.username: p for p in db.session.scalars(select(Person))}
    assert people["admin"].role == "admin"
    assert (people["chief1"].role, people["chief1"].station.name) == ("chief", "南湖派出所")
    assert people["officer1"].room.name == people["officer2"].room.name == "枫杨社区警务室"
    assert people["officer3"].room.name == "中港警务室"


def test_the_demo_password_signs_in(demo: Flask) -> None:
    response = demo.test_client().post(
        "/api/v1/auth/login",
        json={"username": "officer1", "password": "demo", "device_id": str(uuid.uuid4()), "device_name": "t"},
    )
    assert response.status_code == 200


def test_there_are_a_few_hundred_venues_of_every_kind(demo: Flask) -> None:
    assert 200 <= count(Venue) <= 600
    fengyang = db.session.scalars(select(Room.id).where(Room.name == "枫杨社区警务室")).one()
    kinds = set(db.session.scalars(select(Venue.kind).where(Venue.room_id == fengyang)))
    assert kinds == set(vocab.VENUE_KINDS)


def test_every_venue_kind_has_a_checklist_in_both_languages(demo: Flask) -> None:
    templates = {t.venue_kind: t for t in db.session.scalars(select(ChecklistTemplate))}
    assert set(templates) == set(vocab.VENUE_KINDS)
    for template in templates.values():
        assert len(template.items) >= 8
        assert all(item["label_zh"] and item["label_en"] for item in template.items)


def test_weeks_of_work_include_approved_returned_and_overdue(demo: Flask) -> None:
    statuses = dict(db.session.execute(select(Inspection.status, func.count()).group_by(Inspection.status)).all())
    assert statuses["approved"] > 50 and statuses["submitted"] > 10 and "draft" not in statuses
    returned = db.session.scalars(select(Inspection).where(Inspection.status == "returned")).all()
    assert len(returned) >= 4 and all(i.review_comment and i.reviewer_id for i in returned)
    officer1 = db.session.scalars(select(Person.id).where(Person.username == "officer1")).one()
    assert any(i.officer_id == officer1 for i in returned)
    today = NOW.astimezone(CHINA).date()
    overdue = count(Followup, Followup.status == "planned", Followup.due_date < today)
    assert overdue >= 5
    assert count(Followup, Followup.subject_kind == "case", Followup.satisfaction.is_not(None)) > 10
    first = db.session.scalar(select(func.min(Inspection.inspected_at_utc)))
    assert (today - first.astimezone(CHINA).date()).days >= 28


def test_every_demo_record_passes_the_wire_schemas(demo: Flask) -> None:
    for model, name in RECORD_TYPE_OF.items():
        data = [MAPPINGS[name].wire_of(record) for record in db.session.scalars(select(model))]
        assert data, name
        RECORD_TYPES[name].data_schema(many=True).load(data)


def test_every_demo_records_stored_wire_entry_says_what_its_columns_say(demo: Flask) -> None:
    db.session.expire_all()
    for mapping in MAPPINGS.values():
        for record in db.session.scalars(select(mapping.model)):
            expected = change_entry(mapping.name, record.id, record.version, record.deleted, record.updated_at,
                                    record.updated_by, mapping.wire_of(record))
            assert json.loads(mapping.entry(record.wire)) == json.loads(expected), (mapping.name, record.id)


def test_every_demo_record_has_a_version_a_sequence_and_an_audit_entry(demo: Flask) -> None:
    for model in RECORD_TYPE_OF:
        assert count(model, model.version < 1) == 0
        assert count(model, model.seq < 1) == 0
    result = verify_audit(db.session)
    assert result.intact and result.entries > count(Venue) + count(Inspection)


def test_the_same_seed_and_day_give_the_same_demo(migrated_database: str, tmp_path: object, demo: Flask) -> None:
    """Reloads the demo in place (the tests after this one see the reloaded copy)."""
    first = {name: count(model) for model, name in RECORD_TYPE_OF.items()}
    names = sorted(db.session.scalars(select(Venue.name)))
    db.session.rollback()
    app = make_app(migrated_database, tmp_path)
    with app.app_context():
        empty_tables()
        load_demo(db.session, now=NOW)
        assert {name: count(model) for model, name in RECORD_TYPE_OF.items()} == first
        assert sorted(db.session.scalars(select(Venue.name))) == names
        db.session.commit()
        db.engine.dispose()


def test_the_demo_has_photos_signatures_and_conflicts_left_by_real_syncs(demo: Flask) -> None:
    from server.models import Blob, BlobRef, Device, SyncConflict, SyncMutation
    from server.operations.blobs import blob_bytes

    with_photos = db.session.scalars(select(Inspection).where(Inspection.rectification_required.is_(True))).all()
    assert with_photos and all(i.photo_hashes for i in with_photos)
    signed = db.session.scalars(select(Inspection.signature_hash).where(Inspection.status != "draft")).all()
    assert all(signed)
    hashes = {h for i in with_photos for h in i.photo_hashes} | set(signed)
    assert hashes == set(db.session.scalars(select(Blob.sha256).where(Blob.sha256.in_(hashes))))
    assert count(BlobRef) > 0
    blob = db.session.get(Blob, with_photos[0].photo_hashes[0])
    assert blob_bytes(blob).startswith(b"\x89PNG") and blob.content_type == "image/png"
    conflicts = db.session.scalars(select(SyncConflict).where(SyncConflict.status == "open")).all()
    assert {c.reason for c in conflicts} == {"field_conflict", "locked"}
    from server.demo.traffic import ORDERS

    steps = [step for *_, steps in ORDERS for step in steps]
    pushers = {reporter for _, reporter, *_ in ORDERS} | {who for _, who, *_ in steps} | {"officer3"}
    registry = count(RentalHouse) * 2 + count(Occupant) + count(Occupant, Occupant.moved_out_at_utc.is_not(None)) + \
        count(ResidencePermit)
    planning = 2
    """officer1's comment on an assignment and officer2's completion of one (``server/demo/planning.py``)."""
    assert count(SyncMutation) == 3 + len(ORDERS) + len(steps) + registry + planning
    assert count(Device) == 2 + len(pushers)


def test_each_demo_note_sits_under_the_checklist_item_it_is_about(demo: Flask) -> None:
    from server.demo.catalog import FAIL_FINDINGS

    failed = 0
    for log in db.session.scalars(select(Inspection)):
        written = FAIL_FINDINGS[log.venue.kind]
        for key, answer in log.checklist.items():
            if answer["result"] == "fail":
                failed += 1
                assert answer["note"].startswith(written[key]), (key, answer["note"])
            else:
                assert answer["note"] == ""
    assert failed > 50


def test_demo_texts_have_no_runs_of_chinese_punctuation(demo: Flask) -> None:
    texts = [log.findings for log in db.session.scalars(select(Inspection))]
    texts += [answer["note"] for log in db.session.scalars(select(Inspection)) for answer in log.checklist.values()]
    texts += [log.outcome for log in db.session.scalars(select(Followup))]
    assert not [text for text in texts if any(run in text for run in ("。；", "；；", "。。", "；。"))]


def test_a_resubmitted_demo_log_says_in_its_audit_entry_what_the_officer_changed(demo: Flask) -> None:
    from server.models import AuditEntry

    resubmissions = [entry for entry in db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "inspection.update")) if entry.details.get("changed", {}).get("status")]
    assert resubmissions and all(entry.details["changed"]["status"] == ["returned", "submitted"]
                                 for entry in resubmissions)
    changed = resubmissions[0].details["changed"]
    assert len(changed["photo_hashes"][1]) == len(changed["photo_hashes"][0]) + 1
    assert changed["checklist"][0] != changed["checklist"][1]
    reviews = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "inspection.review")).all()
    assert {entry.details["decision"] for entry in reviews} == {"approve", "return"}


@pytest.mark.parametrize("username", ["admin", "officer1"])
def test_a_first_sync_of_the_demo_in_gzip_is_at_most_a_fifth_of_its_plain_bytes(demo: Flask, username: str) -> None:
    """Issue 16's "bytes per pulled record at most a fifth": at the server's fast gzip level, on the demo's
    varied records (the bench's repetitive ones compress far better)."""
    client = demo.test_client()
    token = client.post("/api/v1/auth/login", json={"username": username, "password": "demo",
                                                    "device_id": str(uuid.uuid4()), "device_name": "t"}).json["token"]
    sent = {}
    for encoding in ("identity", "gzip"):
        headers = {"Authorization": f"Bearer {token}", SCHEMA_HEADER: str(SCHEMA_VERSION), "Accept-Encoding": encoding}
        cursor, more, sent[encoding], records = "", True, 0, 0
        while more:
            answer = client.get("/api/v1/sync/pull", query_string={"cursor": cursor, "limit": "2000"},
                                headers=headers)
            page = json.loads(gzip.decompress(answer.data) if encoding == "gzip" else answer.data)
            cursor, more = page["cursor"], page["has_more"]
            sent[encoding] += len(answer.data)
            records += len(page["changes"])
    assert records > 100
    assert sent["gzip"] * 5 <= sent["identity"], sent


def test_the_demos_repeat_plate_has_a_flagged_file_with_what_its_reporters_noted(demo: Flask) -> None:
    from server.demo.traffic import NOTED, REPEAT_PLATE
    from server.models import Vehicle, WorkOrder

    files = {vehicle.plate: vehicle for vehicle in db.session.scalars(select(Vehicle))}
    plates = set(db.session.scalars(select(WorkOrder.plate).where(WorkOrder.plate != "")))
    assert set(files) == plates
    repeat = files[REPEAT_PLATE]
    assert (repeat.report_count, repeat.flagged, (repeat.colour, repeat.make)) == (4, True, NOTED[REPEAT_PLATE])


def test_the_demo_registry_has_every_case_a_room_meets(demo: Flask) -> None:
    from sync.registry import registered_late

    rooms = {name for name in db.session.scalars(select(Room.name).join(RentalHouse, RentalHouse.room_id == Room.id))}
    assert rooms == {"枫杨社区警务室", "中港警务室"}
    assert 45 <= count(RentalHouse) <= 55 and 130 <= count(Occupant) <= 170
    registrations = [MAPPINGS["occupant"].wire_of(o) for o in db.session.scalars(select(Occupant))]
    foreign = [r for r in registrations if r["document_kind"] == "passport"]
    assert len(foreign) >= 4 and any(registered_late(r) for r in foreign)
    assert sum(1 for r in registrations if r["moved_out_at"]) >= 10
    assert sum(1 for r in registrations if r["superseded_at"] and not r["moved_out_at"]) == 1
    assert all(r["full_name"].startswith("演示") for r in registrations)
    unverified = count(RentalHouse, RentalHouse.last_verified_at_utc < NOW - timedelta(days=90))
    assert 3 <= unverified < count(RentalHouse) // 2
    pending = count(ResidencePermit, ResidencePermit.status.in_(("applied", "accepted")))
    assert pending >= 2 and count(ResidencePermit, ResidencePermit.status == "issued") >= 1


def test_the_demo_plans_work_in_every_state_and_leaves_notices_on_both_phones(demo: Flask) -> None:
    from server.models import Assignment, Notice, Person, ScheduleRule

    people = {person.username: person.id for person in db.session.scalars(select(Person))}
    assert count(ScheduleRule) == 3
    given = db.session.scalars(select(Assignment).where(Assignment.origin == "chief")).all()
    states = {(row.officer_id, row.status) for row in given}
    for officer in ("officer1", "officer2"):
        assert {"open", "missed"} <= {status for who, status in states if who == people[officer]}, officer
    assert (people["officer2"], "done") in states and (people["officer1"], "cancelled") in states
    back = [row for row in given if row.status == "handed_back"]
    assert [(row.handed_back_from, row.handed_back_reason) for row in back] == [(people["officer14"], "moved")]
    assert any(row.comment for row in given)
    assert count(Assignment, Assignment.origin == "schedule", Assignment.status == "open") > 20
    for username in ("officer1", "officer2", "chief1"):
        kinds = set(db.session.scalars(select(Notice.kind).where(Notice.person_id == people[username])))
        assert kinds, username
    assert {"assigned", "missed", "log_returned"} <= set(db.session.scalars(
        select(Notice.kind).where(Notice.person_id == people["officer1"])))
