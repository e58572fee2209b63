"""Pull: cursor pages in commit order, within scope, resyncs the device can detect."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from werkzeug.test import TestResponse

from server.extensions import db
from server.ledger import LEDGER_ROW
from server.models import Ledger
from server.syncing.cursor import CURSOR_VERSION, seal
from tests.phone import DeviceFactory, mutation
from tests.world import World


def test_a_first_pull_brings_everything_in_scope_once_and_says_reset(device: DeviceFactory, world: World) -> None:
    phone = device("officer_a1")
    changes = phone.pull(limit=2)
    assert phone.resets == 1
    seen = [(change["type"], change["id"]) for change in changes]
    assert len(seen) == len(set(seen))
    assert {kind for kind, _ in seen} == {"room", "person", "checklist_template", "venue", "inspection", "followup",
                                          "work_order", "work_order_event", "vehicle", "rental_house", "occupant",
                                          "residence_permit"}
    assert phone.visible("venue").keys() == {str(world.venues["A1"])}
    assert phone.visible("vehicle").keys() == {str(world.vehicles["A"])}
    assert phone.visible("room").keys() == {str(world.rooms["A1"])}
    assert set(phone.visible("person")) == {str(world.people[p]) for p in ("officer_a1", "officer_a1b", "chief_a")}


def test_a_chief_pulls_the_station_and_an_admin_everything(device: DeviceFactory, world: World) -> None:
    chief, admin = device("chief_a"), device("admin")
    chief.pull(), admin.pull()
    assert set(chief.visible("inspection")) == {str(world.inspections[r]) for r in ("A1", "A2")}
    assert set(admin.visible("followup")) == {str(world.followups[r]) for r in ("A1", "A2", "B1")}


def test_after_the_first_pull_only_changes_come_in_commit_order(device: DeviceFactory, world: World) -> None:
    officer, colleague = device("officer_a1"), device("officer_a1b")
    officer.pull(), colleague.pull()
    assert colleague.pull() == []
    followup, venue = str(world.followups["A1"]), str(world.venues["A1"])
    officer.edit("followup", followup, notes="已电话联系")
    officer.sync()
    officer.edit("venue", venue, notes="门口新装了监控")
    officer.sync()
    changes = colleague.pull()
    assert [(c["type"], c["id"], c["version"]) for c in changes] == [("followup", followup, 2), ("venue", venue, 2)]
    assert colleague.resets == 1


def test_a_pull_at_the_head_reads_the_ledger_and_no_record_table(app: Flask, device: DeviceFactory,
                                                                  world: World) -> None:
    phone = device("officer_a1")
    phone.pull()
    statements: list[str] = []

    def note(connection: Any, cursor: Any, statement: str, *rest: Any) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        assert phone.pull() == []
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    assert any("FROM ledger" in statement for statement in statements)
    assert not [statement for statement in statements if "seq >" in statement], statements


def test_changes_outside_scope_are_not_pulled(device: DeviceFactory, world: World) -> None:
    officer_b, officer_a = device("officer_b1"), device("officer_a1")
    officer_b.pull(), officer_a.pull()
    officer_b.edit("venue", str(world.venues["B1"]), notes="B 室的事")
    officer_b.sync()
    assert officer_a.pull() == []


def test_a_lost_pull_response_is_pulled_again(device: DeviceFactory, world: World) -> None:
    officer, colleague = device("officer_a1"), device("officer_a1b")
    officer.pull(), colleague.pull()
    officer.edit("venue", str(world.venues["A1"]), notes="补充")
    officer.sync()
    colleague.pull(lose_answer=True)
    assert [c["id"] for c in colleague.pull()] == [str(world.venues["A1"])]


def test_a_cursor_from_another_database_forces_a_full_resync(app: Flask, device: DeviceFactory, world: World) -> None:
    phone = device("officer_a1")
    phone.pull()
    with app.app_context():
        db.session.execute(update(Ledger).where(Ledger.id == LEDGER_ROW).values(epoch=str(uuid.uuid4())))
        db.session.commit()
    changes = phone.pull()
    assert phone.resets == 2 and len(changes) > 5


def test_a_cursor_older_than_the_purged_tombstones_forces_a_full_resync(
    app: Flask, runner: object, device: DeviceFactory, world: World
) -> None:
    officer, colleague = device("officer_a1"), device("officer_a1b")
    officer.pull(), colleague.pull()
    officer.delete("followup", str(world.followups["A1"]))
    officer.sync()
    app.config["TOMBSTONE_RETENTION_DAYS"] = 0
    result = runner.invoke(args=["upkeep", "run", "purge-tombstones"])
    assert result.exit_code == 0 and "tombstones: 1," in result.output, result.output
    colleague.pull()
    assert colleague.resets == 2
    assert str(world.followups["A1"]) not in colleague.visible("followup")


def pull_with(client: FlaskClient, world: World, username: str, cursor: str) -> TestResponse:
    return client.get(f"/api/v1/sync/pull?schema_version=2&cursor={cursor}", headers=world.headers(username))


def assert_invalid_cursor(response: TestResponse) -> None:
    assert (response.status_code, response.json["code"]) == (400, "invalid_cursor"), response.get_data(as_text=True)


def unpadded(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def cursor_payload(cursor: str) -> dict[str, Any]:
    text = cursor.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


def test_a_garbled_cursor_is_a_400(client: FlaskClient, world: World) -> None:
    assert_invalid_cursor(pull_with(client, world, "admin", "not-a-cursor"))


def test_a_cursor_whose_scope_was_rewritten_to_an_admins_is_a_400(
    client: FlaskClient, device: DeviceFactory, world: World
) -> None:
    phone = device("officer_a1")
    phone.pull()
    payload = cursor_payload(phone.cursor)
    payload["scope"] = {"person": payload["scope"]["person"], "role": "admin", "station": None, "rooms": None}
    forged = ".".join([unpadded(json.dumps(payload).encode()), *phone.cursor.split(".")[1:]])
    assert_invalid_cursor(pull_with(client, world, "officer_a1", forged))


def test_a_cursor_issued_to_one_person_is_a_400_for_another(
    client: FlaskClient, device: DeviceFactory, world: World
) -> None:
    phone = device("officer_a1")
    phone.pull()
    assert_invalid_cursor(pull_with(client, world, "officer_a1b", phone.cursor))
    assert pull_with(client, world, "officer_a1", phone.cursor).status_code == 200


SOMEONE = "00000000-0000-0000-0000-000000000001"
CRAFTED = {
    "type_index out of range": {"phase": "full", "type_index": 99},
    "an empty previous scope": {"phase": "leave", "previous": {}},
    "a previous scope of the wrong shape": {"phase": "enter", "previous": {"person": 1, "role": "admin"}},
    "a huge float watermark": {"high": 1e30},
    "a watermark beyond any sequence": {"high": 2**70},
    "a string sequence": {"seq": "5"},
    "a fractional sequence": {"seq": 1.5},
    "a boolean sequence": {"seq": True},
    "a negative position": {"after": -1},
    "an after_id that is no uuid": {"phase": "full", "after_id": "not-a-uuid"},
    "a scope that is a list": {"scope": []},
    "rooms that are no uuids": {"scope": {"person": SOMEONE, "role": "officer", "station": None, "rooms": ["a"]}},
    "an unknown phase": {"phase": "sideways"},
    "a live cursor with a previous scope": {"previous": {"person": SOMEONE, "role": "admin", "station": None,
                                                         "rooms": None}},
    "an unknown role": {"scope": {"person": SOMEONE, "role": "root", "station": None, "rooms": None}},
    "an unknown key": {"extra": 1},
    "an epoch that is no string": {"epoch": 7},
}


@pytest.mark.parametrize("changes", CRAFTED.values(), ids=CRAFTED.keys())
def test_a_signed_cursor_with_crafted_values_is_a_400(
    app: Flask, client: FlaskClient, device: DeviceFactory, world: World, changes: dict[str, Any]
) -> None:
    phone = device("officer_a1")
    phone.pull()
    payload = {**cursor_payload(phone.cursor), **changes}
    with app.test_request_context():
        crafted = seal(json.dumps(payload).encode(), world.people["officer_a1"])
    assert_invalid_cursor(pull_with(client, world, "officer_a1", crafted))


NOT_CURSORS = {"a list": [], "a string": "text", "null": None, "an object missing fields": {"v": CURSOR_VERSION}}


@pytest.mark.parametrize("payload", NOT_CURSORS.values(), ids=NOT_CURSORS.keys())
def test_a_signed_cursor_that_is_not_a_full_cursor_object_is_a_400(
    app: Flask, client: FlaskClient, world: World, payload: Any
) -> None:
    with app.test_request_context():
        crafted = seal(json.dumps(payload).encode(), world.people["officer_a1"])
    assert_invalid_cursor(pull_with(client, world, "officer_a1", crafted))


def test_moving_an_officer_brings_the_new_room_and_tombstones_for_the_old(
    client: FlaskClient, device: DeviceFactory, world: World
) -> None:
    phone = device("officer_a1")
    phone.pull()
    client.patch(f"/api/v1/people/{world.people['officer_a1']}", json={"room_id": str(world.rooms["A2"])},
                 headers=world.headers("admin"))
    changes = phone.pull(limit=3)
    left = {(c["type"], c["id"]) for c in changes if c.get("left_scope")}
    assert ("venue", str(world.venues["A1"])) in left and ("inspection", str(world.inspections["A1"])) in left
    assert ("room", str(world.rooms["A1"])) in left
    assert all(c["deleted"] and c["data"] is None for c in changes if c.get("left_scope"))
    assert phone.visible("venue").keys() == {str(world.venues["A2"])}
    assert phone.visible("room").keys() == {str(world.rooms["A2"])}
    assert str(world.people["officer_a2"]) in phone.visible("person")
    assert phone.resets == 1
    assert phone.pull() == []


def test_an_app_one_schema_version_behind_is_served_without_newer_fields(client: FlaskClient, world: World) -> None:
    """The handheld in this tree speaks the current schema, so the older app's pull and push are sent raw."""
    page = client.get("/api/v1/sync/pull?schema_version=2&limit=100", headers=world.headers("officer_a1")).json
    assert page["has_more"] is False
    followup = next(c for c in page["changes"] if c["id"] == str(world.followups["A1"]))["data"]
    assert "photo_notes" not in followup and "rectified" in followup and followup["case_number"] == "A-A1"
    inspection = next(c for c in page["changes"] if c["id"] == str(world.inspections["A1"]))["data"]
    assert not {"photo_notes", "signer_name"} & inspection.keys() and "signature_hash" in inspection
    edit = mutation("followup", "update", {"notes": "旧版应用也能同步"}, str(world.followups["A1"]), base_version=1,
                    base={"notes": followup["notes"]})
    pushed = client.post("/api/v1/sync/push", headers=world.headers("officer_a1"), json={
        "device_id": str(world.devices["officer_a1"]), "schema_version": 2, "mutations": [edit]})
    assert pushed.json["results"][-1]["status"] == "applied"
