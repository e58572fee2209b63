"""Residents' personal data through the API and the upkeep worker: masked by default, searched by a POST
through the blind index, revealed by a chief with a reason, erased after retention, re-sealed under a new key.

Every search and reveal is in the audit trail (who, whose, when, why), which never holds the values.
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from server.extensions import db
from server.models import AuditEntry, Occupant, QuarantinedMutation
from server.privacy import KeyRing, keyring
from server.upkeep.jobs import JOBS, run_job
from sync import clock
from tests.phone import DeviceFactory, hostile_push, mutation
from tests.server.test_registry import raw_database_text
from tests.world import CHINA, RESIDENTS, World

SEARCH = "/api/v1/residents/search"


def search(client: FlaskClient, world: World, username: str, number: str, **more: Any) -> Any:
    return client.post(SEARCH, headers=world.headers(username), json={
        "document_kind": "resident_id", "document_number": number, "purpose": "核查来访人员", **more})


def audited(app: Flask, action: str) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def test_lists_and_single_records_show_personal_data_masked_to_everyone(client: FlaskClient, world: World) -> None:
    name, number = RESIDENTS["A1"]
    for username in ("officer_a1", "chief_a", "admin"):
        listed = client.get("/api/v1/occupants", headers=world.headers(username),
                            query_string={"room_id": str(world.rooms["A1"])}).get_json()
        assert [(o["full_name"], o["document_number"], o["phone"]) for o in listed] == [
            (name[0] + "**", number[:6] + "********" + number[-4:], "138****1234")], username
    house = client.get(f"/api/v1/rental-houses/{world.houses['A1']}", headers=world.headers("chief_a")).get_json()
    assert (house["landlord_name"], house["landlord_phone"]) == ("房***", "139****0000")
    assert client.get("/api/v1/occupants", headers=world.headers("traffic_s1")).get_json() == []


def test_a_search_by_document_is_a_post_found_through_the_blind_index_within_scope_and_audited_without_the_number(
        app: Flask, client: FlaskClient, world: World) -> None:
    number = RESIDENTS["A1"][1]
    found = search(client, world, "chief_a", number.lower()).get_json()
    assert [o["id"] for o in found["occupants"]] == [str(world.occupants["A1"])]
    assert found["occupants"][0]["document_number"].count("*") == 8
    assert search(client, world, "chief_b", number).get_json()["occupants"] == []
    assert search(client, world, "officer_a2", number).get_json()["occupants"] == []
    assert client.get(SEARCH, headers=world.headers("chief_a"), query_string={"document_number": number}
                      ).status_code == 405
    assert search(client, world, "admin", number).status_code == 403
    assert search(client, world, "chief_a", number, purpose="").status_code == 422
    entries = audited(app, "personal.search")
    assert [(e.actor_id, e.details["purpose"], e.details["found_occupants"]) for e in entries[:2]] == [
        (world.people["chief_a"], "核查来访人员", [str(world.occupants["A1"])]),
        (world.people["chief_b"], "核查来访人员", [])]
    with app.app_context():
        trail = json.dumps([e.details for e in db.session.scalars(select(AuditEntry))], ensure_ascii=False)
    assert number not in trail and number.lower() not in trail


def test_a_chief_reveals_one_record_for_a_stated_reason_and_the_reveal_is_audited_before_it_is_shown(
        app: Flask, client: FlaskClient, world: World) -> None:
    path = f"/api/v1/occupants/{world.occupants['A1']}/reveal"
    revealed = client.post(path, headers=world.headers("chief_a"), json={"reason": "协查通报比对"})
    assert revealed.status_code == 200, revealed.get_json()
    assert revealed.get_json()["personal"] == {"document_number": RESIDENTS["A1"][1], "full_name": RESIDENTS["A1"][0],
                                               "phone": "13800001234", "household_place": "", "employer": ""}
    assert client.post(path, headers=world.headers("chief_b"), json={"reason": "协查通报比对"}).status_code == 404
    assert client.post(path, headers=world.headers("officer_a1"), json={"reason": "协查通报比对"}).status_code == 403
    assert client.post(path, headers=world.headers("chief_a"), json={}).status_code == 422
    house = client.post(f"/api/v1/rental-houses/{world.houses['A1']}/reveal", headers=world.headers("chief_a"),
                        json={"reason": "联系房东"}).get_json()
    assert house["personal"]["landlord_phone"] == "13900000000"
    entries = audited(app, "personal.reveal")
    assert [(e.actor_id, e.record_type, e.record_id, e.details["reason"]) for e in entries] == [
        (world.people["chief_a"], "occupant", world.occupants["A1"], "协查通报比对"),
        (world.people["chief_a"], "rental_house", world.houses["A1"], "联系房东")]


def test_personal_fields_are_erased_once_the_retention_after_move_out_has_passed(
        app: Flask, world: World, device: DeviceFactory, later: Any) -> None:
    officer = device("officer_a1")
    officer.pull()
    registration = str(world.occupants["A1"])
    officer.edit("occupant", registration, moved_out_at=clock.now().astimezone(CHINA).isoformat())
    officer.sync()
    app.config["REGISTRATION_RETENTION_DAYS"] = 3
    later(timedelta(days=2))
    with app.app_context():
        assert run_job(JOBS["erase-moved-out"], app.config).counts == {"registrations_erased": 0}
    later(timedelta(days=2))
    with app.app_context():
        assert run_job(JOBS["erase-moved-out"], app.config).counts == {"registrations_erased": 1}
        assert run_job(JOBS["erase-moved-out"], app.config).counts == {"registrations_erased": 0}
    officer.pull()
    kept = officer.visible("occupant")[registration]["data"]
    assert (kept["full_name"], kept["document_number"], kept["phone"], kept["unit"]) == ("", "", "", "101")
    assert kept["erased_at"] is not None
    dumped = raw_database_text(app)
    assert RESIDENTS["A1"][1] not in dumped
    entry, = audited(app, "occupant.erase")
    assert entry.actor_id is None and entry.details["erased"] == [
        "document_number", "employer", "full_name", "household_place", "phone"]
    assert entry.details["retention_days"] == 3


@pytest.fixture
def restore_keyring(app: Flask) -> Any:
    before = app.extensions["beatlog.pii"]
    yield
    app.extensions["beatlog.pii"] = before


def test_a_new_key_reseals_everything_and_then_the_old_key_can_go(
        app: Flask, client: FlaskClient, world: World, device: DeviceFactory, restore_keyring: None) -> None:
    officer = device("officer_a1")
    officer.pull()
    officer.edit("occupant", str(world.occupants["A1"]), phone="13711112222")
    device("officer_a1b").pull()
    with app.app_context():
        old = keyring()
    new_key, new_index = bytes(range(32)), bytes(range(1, 33))
    app.extensions["beatlog.pii"] = KeyRing({"k2": new_key, **old.keys}, new_index)
    result = app.test_cli_runner().invoke(args=["personal-data", "reseal"])
    assert result.exit_code == 0 and "Re-sealed: 6 records" in result.output, result.output
    assert "Nothing to re-seal" in app.test_cli_runner().invoke(args=["personal-data", "reseal"]).output
    app.extensions["beatlog.pii"] = KeyRing({"k2": new_key}, new_index)
    officer.sync()
    assert officer.visible("occupant")[str(world.occupants["A1"])]["data"]["phone"] == "13711112222"
    found = search(client, world, "chief_a", RESIDENTS["A1"][1]).get_json()
    assert [o["id"] for o in found["occupants"]] == [str(world.occupants["A1"])]
    with app.app_context():
        wires = db.session.scalars(select(Occupant.wire)).all()
    assert wires and all(wire.startswith("v1:k2:") for wire in wires)
    assert base64.b64encode(old.keys[old.current]).decode() not in raw_database_text(app)


def test_a_conflict_over_personal_data_is_shown_masked_resolved_by_side_and_kept_sealed(
        app: Flask, client: FlaskClient, world: World, device: DeviceFactory) -> None:
    registration = str(world.occupants["A1"])
    officer, colleague = device("officer_a1"), device("officer_a1b")
    officer.pull(), colleague.pull()
    officer.edit("occupant", registration, phone="13711110000")
    colleague.edit("occupant", registration, phone="13722220000")
    officer.push(), colleague.push()
    conflict, = client.get("/api/v1/conflicts", headers=world.headers("admin"),
                           query_string={"record_type": "occupant"}).get_json()
    assert conflict["fields"]["phone"] == {"base": "138****1234", "server": "137****0000", "device": "137****0000"}
    page = client.get(f"/dashboard/conflicts/{conflict['id']}", headers=world.headers("admin"))
    shown = page.get_data(as_text=True)
    assert "13722220000" not in shown and "13711110000" not in shown and "137****0000" in shown
    resolved = client.post(f"/api/v1/conflicts/{conflict['id']}/resolve", headers=world.headers("admin"), json={
        "values": {"phone": "13722220000"}, "expected_version": conflict["server_version"]})
    assert resolved.status_code == 200, resolved.get_json()
    assert resolved.get_json()["resolution"] == {"phone": "137****0000"}
    officer.pull()
    assert officer.visible("occupant")[registration]["data"]["phone"] == "13722220000"
    dumped = raw_database_text(app)
    assert "13711110000" not in dumped and "13722220000" not in dumped


def test_a_refused_registration_waits_in_quarantine_sealed_and_is_shown_masked(
        app: Flask, client: FlaskClient, world: World) -> None:
    result, = hostile_push(client, world, "chief_a", mutation("occupant", "create", {
        "house_id": str(world.houses["A1"]), "officer_id": str(world.people["officer_a1"]), "full_name": "测试庚",
        "document_kind": "resident_id", "document_number": RESIDENTS["B1"][1], "phone": "13633334444",
        "arrived_at": "2026-06-14T09:00:00+08:00", "registered_at": "2026-06-14T10:00:00+08:00"}))
    assert result["code"] == "room_officers_only"
    with app.app_context():
        refused = db.session.scalars(select(QuarantinedMutation)).one()
        assert refused.sent["data"]["phone"] == "13633334444"
        refused_id = refused.id
    shown = client.get(f"/dashboard/quarantine/{refused_id}", headers=world.headers("admin")).get_data(as_text=True)
    assert "136****4444" in shown and "测**" in shown
    for secret in ("13633334444", "测试庚", RESIDENTS["B1"][1]):
        assert secret not in shown and secret not in raw_database_text(app)
