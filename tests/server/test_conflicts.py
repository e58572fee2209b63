"""Admins resolve conflicts field by field; a stale or second resolution is refused with the current state."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.phone import DeviceFactory, Phone
from tests.world import World


def conflicting_names(device: DeviceFactory, world: World) -> tuple[Phone, Phone, str]:
    """Two officers rename the same venue offline; the second gets a conflict."""
    first, second = device("officer_a1"), device("officer_a1b")
    first.pull(), second.pull()
    venue = str(world.venues["A1"])
    first.edit("venue", venue, name="月河宾馆")
    second.edit("venue", venue, name="月河大酒店", phone="0573-83000000")
    first.sync(), second.sync()
    return first, second, second.results[-1]["conflict_id"]


def resolve(client: FlaskClient, world: World, conflict_id: str, **body: Any) -> Any:
    return client.post(f"/api/v1/conflicts/{conflict_id}/resolve", json=body, headers=world.headers("admin"))


def test_an_admin_sees_the_open_conflict_with_all_three_values(
    client: FlaskClient, device: DeviceFactory, world: World
) -> None:
    _, _, conflict_id = conflicting_names(device, world)
    listed = client.get("/api/v1/conflicts", headers=world.headers("admin")).json
    assert [c["id"] for c in listed] == [str(world.conflict), conflict_id]
    conflict = listed[1]
    assert conflict["fields"] == {"name": {"base": "Hotel in A1", "server": "月河宾馆", "device": "月河大酒店"}}
    assert conflict["person_id"] == str(world.people["officer_a1b"]) and conflict["status"] == "open"
    filtered = client.get(f"/api/v1/conflicts?room_id={world.rooms['B1']}", headers=world.headers("admin")).json
    assert filtered == []


def test_resolving_with_the_device_value_is_a_new_version_every_device_pulls(
    client: FlaskClient, device: DeviceFactory, world: World
) -> None:
    first, second, conflict_id = conflicting_names(device, world)
    response = resolve(client, world, conflict_id, expected_version=3, values={"name": "月河大酒店"})
    assert response.status_code == 200
    assert (response.json["status"], response.json["result_version"]) == ("resolved", 4)
    assert response.json["resolution"] == {"name": "月河大酒店"}
    for phone in (first, second):
        phone.pull()
        venue = phone.visible("venue")[str(world.venues["A1"])]
        assert (venue["version"], venue["data"]["name"], venue["data"]["phone"]) == (4, "月河大酒店", "0573-83000000")
    history = client.get("/api/v1/conflicts?status=resolved", headers=world.headers("admin")).json
    assert [c["id"] for c in history] == [conflict_id]
    assert len(client.get("/api/v1/conflicts?status=all", headers=world.headers("admin")).json) == 2


def test_keeping_the_server_value_still_closes_the_conflict_with_a_new_version(
    client: FlaskClient, device: DeviceFactory, world: World
) -> None:
    _, _, conflict_id = conflicting_names(device, world)
    response = resolve(client, world, conflict_id, expected_version=3, values={})
    assert (response.json["status"], response.json["result_version"]) == ("resolved", 4)


def test_a_second_admin_resolving_from_a_stale_page_is_refused_with_the_current_state(
    client: FlaskClient, device: DeviceFactory, world: World
) -> None:
    _, _, conflict_id = conflicting_names(device, world)
    assert resolve(client, world, conflict_id, expected_version=3, values={"name": "月河大酒店"}).status_code == 200
    late = resolve(client, world, conflict_id, expected_version=3, values={"name": "月河宾馆"})
    assert (late.status_code, late.json["code"]) == (409, "stale")
    assert late.json["current"]["conflict"]["status"] == "resolved"
    assert late.json["current"]["record"]["data"]["name"] == "月河大酒店"


def test_a_resolution_decided_before_the_record_changed_is_refused(
    client: FlaskClient, device: DeviceFactory, world: World
) -> None:
    first, _, conflict_id = conflicting_names(device, world)
    first.edit("venue", str(world.venues["A1"]), notes="又改了一次")
    first.sync()
    response = resolve(client, world, conflict_id, expected_version=3, values={"name": "月河大酒店"})
    assert (response.status_code, response.json["current"]["record"]["version"]) == (409, 4)


def test_only_conflicting_fields_with_valid_values_are_accepted(
    client: FlaskClient, device: DeviceFactory, world: World
) -> None:
    _, _, conflict_id = conflicting_names(device, world)
    response = resolve(client, world, conflict_id, expected_version=3, values={"notes": "x"})
    assert (response.status_code, list(response.json["fields"])) == (422, ["notes"])
    response = resolve(client, world, conflict_id, expected_version=3, values={"name": ""})
    assert (response.status_code, list(response.json["fields"])) == (422, ["name"])


def test_a_conflict_over_a_deletion_can_be_resolved_by_deleting(
    client: FlaskClient, device: DeviceFactory, world: World
) -> None:
    first, second = device("officer_a1"), device("chief_a")
    first.pull(), second.pull()
    followup = str(world.followups["A1"])
    first.edit("followup", followup, notes="改了")
    first.sync()
    second.delete("followup", followup)
    second.sync()
    conflict_id = second.results[-1]["conflict_id"]
    response = resolve(client, world, conflict_id, expected_version=2, values={"deleted": True})
    assert response.status_code == 200
    first.pull()
    assert followup not in first.visible("followup")


def test_a_record_deleted_after_its_conflict_was_raised_stays_deleted_when_the_conflict_is_resolved(
    client: FlaskClient, device: DeviceFactory, world: World
) -> None:
    first, second, conflict_id = conflicting_names(device, world)
    venue = str(world.venues["A1"])
    first.pull()
    first.delete("venue", venue)
    first.sync()
    assert (first.results[-1]["status"], first.results[-1]["version"]) == ("applied", 4)
    refused = resolve(client, world, conflict_id, expected_version=4, values={"name": "月河大酒店"})
    assert (refused.status_code, refused.json["code"]) == (409, "record_deleted")
    current = refused.json["current"]
    assert (current["record"]["deleted"], current["conflict"]["status"]) == (True, "open")
    closed = resolve(client, world, conflict_id, expected_version=4, values={})
    assert (closed.status_code, closed.json["status"], closed.json["result_version"]) == (200, "resolved", 5)
    for phone in (first, second):
        phone.pull()
        assert venue not in phone.visible("venue")
    assert client.get(f"/api/v1/venues/{venue}", headers=world.headers("admin")).json["deleted"] is True


def test_an_edit_of_a_deleted_record_resolved_with_the_devices_values_restores_it(
    client: FlaskClient, device: DeviceFactory, world: World
) -> None:
    first, second = device("officer_a1"), device("officer_a1b")
    first.pull(), second.pull()
    venue = str(world.venues["A1"])
    first.delete("venue", venue)
    first.sync()
    second.edit("venue", venue, name="月河大酒店")
    second.sync()
    assert second.results[-1]["reason"] == "deleted"
    response = resolve(client, world, second.results[-1]["conflict_id"], expected_version=2,
                       values={"name": "月河大酒店"})
    assert (response.status_code, response.json["result_version"]) == (200, 3)
    first.pull()
    assert first.visible("venue")[venue]["data"]["name"] == "月河大酒店"
