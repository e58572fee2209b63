"""The rental registry through the real push and pull: sealed at rest, one open registration per document.

Residents' names, document numbers and phones reach the devices of their room's officers whole
and nobody else's; in the database they are ciphertext wherever they are kept (the records, the
change entries pulls send, conflicts, refused changes), and the audit trail names which personal
fields changed, never to what.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from server.extensions import db
from server.models import AuditEntry, Base
from server.operations.people import update_person
from sync import clock
from sync.identity import with_check_digit
from sync.protocol import SCHEMA_VERSION
from tests.phone import DeviceFactory, Phone, hostile_push, mutation
from tests.world import CHINA, RESIDENTS, World

REGISTRY = {"rental_house", "occupant", "residence_permit"}
OFFICERS = {"officer_a1": "A1", "officer_a1b": "A1", "officer_a2": "A2", "officer_b1": "B1"}



DOCUMENT = with_check_digit("33040219951111123")
LANDLORD = with_check_digit("33040219880303456")


def register(world: World, phone: Phone, officer: str, document: str = DOCUMENT, **changes: Any) -> str:
    now = clock.now().astimezone(CHINA)
    return phone.create("occupant", {
        "house_id": str(world.houses[OFFICERS[officer]]), "officer_id": str(world.people[officer]), "unit": "102",
        "full_name": "测试戊", "document_kind": "resident_id", "document_number": document, "phone": "13712345678",
        "arrived_at": (now - timedelta(hours=2)).isoformat(), "registered_at": now.isoformat(), **changes})


def occupant(phone: Phone, record_id: str) -> dict[str, Any]:
    return phone.visible("occupant")[record_id]["data"]


def raw_database_text(app: Flask) -> str:
    """Every value of every row of every table, as a dump of the database would hold it."""
    with app.app_context(), db.engine.connect() as connection:
        return "\n".join(repr(tuple(row)) for table in Base.metadata.sorted_tables
                         for row in connection.execute(select(table)))


def test_personal_data_is_sealed_in_every_table_and_reaches_the_rooms_officers_whole(
        app: Flask, world: World, device: DeviceFactory) -> None:
    officer, colleague = device("officer_a1"), device("officer_a1b")
    officer.create("rental_house", {"room_id": str(world.rooms["A1"]), "officer_id": str(world.people["officer_a1"]),
                                    "address": "中港路8号", "landlord_name": "房东己", "landlord_id_number": LANDLORD,
                                    "landlord_phone": "13698765432", "units": ["1", "2"]})
    registration = register(world, officer, "officer_a1")
    officer.sync()
    colleague.pull()
    assert (occupant(colleague, registration)["full_name"], occupant(colleague, registration)["document_number"]) == (
        "测试戊", DOCUMENT)
    officer.edit("occupant", registration, phone="13711110000")
    colleague.edit("occupant", registration, phone="13722220000")
    officer.push()
    colleague.push()
    assert colleague.results[-1]["status"] == "conflict"
    officer.pull()
    officer.edit("occupant", registration, full_name="测试戊改")
    officer.push()
    refused = hostile_push(app.test_client(), world, "chief_a", mutation("occupant", "create", {
        "house_id": str(world.houses["A1"]), "officer_id": str(world.people["officer_a1"]), "full_name": "测试庚",
        "document_kind": "resident_id", "document_number": DOCUMENT, "phone": "13633334444",
        "arrived_at": "2026-06-14T09:00:00+08:00", "registered_at": "2026-06-14T10:00:00+08:00"}))
    assert refused[0]["code"] == "room_officers_only"
    dumped = raw_database_text(app)
    for secret in ("测试戊", DOCUMENT, "13712345678", "13711110000", "13722220000", "房东己", LANDLORD,
                   "13698765432", "测试庚", "13633334444", *RESIDENTS["A1"]):
        assert secret not in dumped, secret
    with app.app_context():
        changed = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "occupant.update")).all()
    assert [entry.details["personal"] for entry in changed] == [["phone"], ["full_name"]]


def test_chiefs_admins_and_traffic_police_are_never_sent_the_registry(world: World, device: DeviceFactory) -> None:
    for username in ("chief_a", "admin", "traffic_s1", "lead_s"):
        phone = device(username)
        phone.pull()
        assert not any(phone.visible(name) for name in ("rental_house", "occupant", "residence_permit")), username
    officer = device("officer_b1")
    officer.pull()
    assert set(officer.visible("occupant")) == {str(world.occupants["B1"])}


def test_a_document_registered_in_another_station_marks_the_earlier_one_moved_and_tells_the_new_room_only_that(
        world: World, device: DeviceFactory) -> None:
    first, second = device("officer_a1"), device("officer_b1")
    earlier = register(world, first, "officer_a1")
    first.sync()
    later = register(world, second, "officer_b1")
    second.sync()
    first.pull()
    assert occupant(first, earlier)["superseded_at"] is not None
    assert occupant(second, later)["earlier_registration"] is True
    assert earlier not in second.visible("occupant")
    first.edit("occupant", earlier, moved_out_at=clock.now().astimezone(CHINA).isoformat())
    first.push()
    assert first.results[-1]["status"] == "applied"


def test_of_two_offline_registrations_of_one_document_the_later_push_supersedes_the_earlier(
        world: World, device: DeviceFactory) -> None:
    first, second = device("officer_a1"), device("officer_a2")
    made_first = register(world, first, "officer_a1")
    made_second = register(world, second, "officer_a2")
    second.sync()
    first.sync()
    second.pull()
    assert (occupant(second, made_second)["superseded_at"], occupant(second, made_second)["earlier_registration"]) != (
        None, False)
    assert occupant(first, made_first)["superseded_at"] is None
    assert occupant(first, made_first)["earlier_registration"] is True


def test_two_registrations_of_one_document_in_one_batch_leave_the_later_open(
        world: World, device: DeviceFactory) -> None:
    phone = device("officer_a1")
    before = register(world, phone, "officer_a1", unit="101")
    after = register(world, phone, "officer_a1", unit="102")
    phone.sync()
    assert occupant(phone, before)["superseded_at"] is not None
    assert (occupant(phone, after)["superseded_at"], occupant(phone, after)["earlier_registration"]) == (None, True)


def test_a_passport_is_one_document_only_with_its_nationality_and_a_move_out_closes_a_registration(
        world: World, device: DeviceFactory) -> None:
    first, second = device("officer_a1"), device("officer_b1")
    passport = {"document_kind": "passport", "document_number": "M1234567", "nationality": "KOR"}
    korean = register(world, first, "officer_a1", **passport)
    first.sync()
    japanese = register(world, second, "officer_b1", **{**passport, "nationality": "JPN"})
    second.sync()
    first.pull()
    assert occupant(first, korean)["superseded_at"] is None
    assert occupant(second, japanese)["earlier_registration"] is False
    first.edit("occupant", korean, moved_out_at=clock.now().astimezone(CHINA).isoformat())
    first.sync()
    again = register(world, second, "officer_b1", **passport)
    second.sync()
    first.pull()
    assert occupant(first, korean)["superseded_at"] is None
    assert occupant(second, again)["earlier_registration"] is False


def test_a_registration_corrected_to_an_open_document_supersedes_that_one(world: World, device: DeviceFactory) -> None:
    phone = device("officer_a1")
    mistyped = register(world, phone, "officer_a1")
    phone.sync()
    phone.edit("occupant", mistyped, document_number=RESIDENTS["A1"][1])
    phone.sync()
    assert occupant(phone, str(world.occupants["A1"]))["superseded_at"] is not None
    assert occupant(phone, mistyped)["earlier_registration"] is True


def pulled_all(client: FlaskClient, world: World, username: str, schema_version: int,
               cursor: str = "") -> tuple[dict[tuple[str, str], dict[str, Any]], str]:
    """Every change a raw pull at this schema version gives after ``cursor``, by (type, id); and the cursor after."""
    changes: dict[tuple[str, str], dict[str, Any]] = {}
    while True:
        page = client.get("/api/v1/sync/pull", headers=world.headers(username),
                          query_string={"schema_version": schema_version, "cursor": cursor, "limit": 500}).get_json()
        changes.update({(change["type"], change["id"]): change for change in page["changes"]})
        cursor = page["cursor"]
        if not page["has_more"]:
            return changes, cursor


def test_an_app_older_than_the_registry_is_never_sent_it_and_gets_it_once_updated(
        client: FlaskClient, world: World) -> None:
    """Before schema 4 the app kept its store in the clear: residents must never reach it."""
    old, cursor = pulled_all(client, world, "officer_a1", 3)
    assert not {kind for kind, _ in old} & REGISTRY and ("venue", str(world.venues["A1"])) in old
    updated, _cursor = pulled_all(client, world, "officer_a1", SCHEMA_VERSION, cursor)
    assert {key for key in updated if key[0] in REGISTRY} == {
        ("rental_house", str(world.houses["A1"])), ("occupant", str(world.occupants["A1"])),
        ("residence_permit", str(world.permits["A1"]))}
    assert not {key for key in updated if key[0] not in REGISTRY}


def test_an_officer_made_chief_has_the_registry_taken_off_their_phone(
        app: Flask, client: FlaskClient, world: World) -> None:
    held, cursor = pulled_all(client, world, "officer_a1", SCHEMA_VERSION)
    assert ("occupant", str(world.occupants["A1"])) in held
    with app.app_context():
        update_person(db.session(), world.people["officer_a1"], {"role": "chief", "room_id": None,
                                                                 "station_id": world.stations["A"]},
                      actor_id=world.people["admin"])
        db.session.commit()
    after, _cursor = pulled_all(client, world, "officer_a1", SCHEMA_VERSION, cursor)
    gone = {key for key, change in after.items() if change.get("left_scope")}
    assert {("rental_house", str(world.houses["A1"])), ("occupant", str(world.occupants["A1"])),
            ("residence_permit", str(world.permits["A1"]))} <= gone
    assert not [key for key, change in after.items() if key[0] in REGISTRY and not change.get("left_scope")]
