"""Records and people that move between rooms and stations: every device follows at its next pull."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from server.extensions import db
from server.models.base import utcnow
from server.operations.catalog import edit_venue
from sync.protocol import SCHEMA_HEADER, SCHEMA_VERSION
from tests.phone import DeviceFactory, Phone
from tests.world import CHINA, World


def move_person(client: FlaskClient, world: World, username: str, room: str) -> None:
    response = client.patch(f"/api/v1/people/{world.people[username]}", json={"room_id": str(world.rooms[room])},
                            headers=world.headers("admin"))
    assert response.status_code == 200, response.get_json()


def move_venue(app: Flask, world: World, venue: str, room: str) -> None:
    with app.app_context():
        edit_venue(db.session, world.venues[venue], {"room_id": str(world.rooms[room])},
                   actor_id=world.people["admin"])
        db.session.commit()


def left(changes: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(change["type"], change["id"]) for change in changes if change.get("left_scope")}


def people(phone: Phone, world: World) -> set[str]:
    names = {str(person_id): username for username, person_id in world.people.items()}
    return {names[person_id] for person_id in phone.visible("person")}


def inspection_data(world: World, room: str, officer: str, at: str) -> dict[str, Any]:
    return {"venue_id": str(world.venues[room]), "officer_id": str(world.people[officer]), "inspected_at": at,
            "status": "submitted", "checklist": {"register": {"result": "pass", "note": ""}}}


def server_time(shift: timedelta) -> str:
    """A device time relative to the server's clock, as a phone in China would write it."""
    return (utcnow() + shift).astimezone(CHINA).isoformat(timespec="seconds")


def test_an_officer_moved_to_another_station_gets_its_chief_and_loses_the_old_one(
    client: FlaskClient, device: DeviceFactory, world: World
) -> None:
    phone = device("officer_a1")
    phone.pull()
    assert people(phone, world) == {"officer_a1", "officer_a1b", "chief_a"}
    move_person(client, world, "officer_a1", "B1")
    changes = phone.pull(limit=2)
    assert ("person", str(world.people["chief_a"])) in left(changes)
    assert people(phone, world) == {"officer_a1", "officer_b1", "chief_b"}
    assert phone.resets == 1


def test_colleagues_and_the_old_chief_drop_an_officer_moved_to_another_station(
    client: FlaskClient, device: DeviceFactory, world: World
) -> None:
    watchers = {username: device(username) for username in ("officer_a1b", "chief_a", "officer_b1", "chief_b",
                                                            "officer_a2")}
    for phone in watchers.values():
        phone.pull()
    move_person(client, world, "officer_a1", "B1")
    moved = ("person", str(world.people["officer_a1"]))
    received = {username: phone.pull() for username, phone in watchers.items()}
    assert moved in left(received["officer_a1b"]) and moved in left(received["chief_a"])
    assert received["officer_a2"] == []
    for username in ("officer_a1b", "chief_a"):
        assert "officer_a1" not in people(watchers[username], world)
    for username in ("officer_b1", "chief_b"):
        assert "officer_a1" in people(watchers[username], world)
        assert watchers[username].visible("person")[moved[1]]["data"]["room_id"] == str(world.rooms["B1"])
    assert all(phone.resets == 1 for phone in watchers.values())


def test_an_officer_moved_within_the_station_leaves_the_old_room_and_stays_with_the_chief(
    client: FlaskClient, device: DeviceFactory, world: World
) -> None:
    colleague, chief, newcomer = device("officer_a1b"), device("chief_a"), device("officer_a2")
    for phone in (colleague, chief, newcomer):
        phone.pull()
    move_person(client, world, "officer_a1", "A2")
    moved = ("person", str(world.people["officer_a1"]))
    assert left(colleague.pull()) == {moved}
    assert [(c["type"], c["id"], bool(c.get("left_scope"))) for c in chief.pull()] == [(*moved, False)]
    newcomer.pull()
    assert "officer_a1" in people(newcomer, world)
    assert chief.visible("person")[moved[1]]["data"]["room_id"] == str(world.rooms["A2"])


def test_a_record_changed_while_a_moved_officer_pulls_what_left_still_leaves_the_phone(
    client: FlaskClient, device: DeviceFactory, world: World
) -> None:
    phone, colleague = device("officer_a1"), device("officer_a1b")
    phone.pull(), colleague.pull()
    move_person(client, world, "officer_a1", "B1")
    assert left(phone.pull(limit=1, pages=1)) == {("room", str(world.rooms["A1"]))}
    colleague.edit("venue", str(world.venues["A1"]), notes="搬走之后改的")
    colleague.sync()
    phone.pull(limit=2)
    assert phone.visible("venue").keys() == {str(world.venues["B1"])}

def test_a_venue_moved_to_another_room_takes_its_logs_and_every_device_follows(
    app: Flask, device: DeviceFactory, world: World
) -> None:
    phones = {username: device(username) for username in ("officer_a1", "chief_a", "officer_b1", "chief_b")}
    for phone in phones.values():
        phone.pull()
    move_venue(app, world, "A1", "B1")
    records = {("venue", str(world.venues["A1"])), ("inspection", str(world.inspections["A1"])),
               ("followup", str(world.followups["A1"]))}
    assert left(phones["officer_a1"].pull()) == records
    assert left(phones["chief_a"].pull()) == records
    for username in ("officer_b1", "chief_b"):
        got = {(c["type"], c["id"]) for c in phones[username].pull() if not c.get("left_scope")}
        assert got == records
        assert phones[username].visible("venue")[str(world.venues["A1"])]["data"]["room_id"] == str(world.rooms["B1"])
    assert str(world.venues["A1"]) not in phones["officer_a1"].visible("venue")
    fresh = device("officer_b1")
    fresh.pull()
    assert fresh.held() == phones["officer_b1"].held()


def test_a_resync_whose_last_page_is_full_still_brings_a_change_made_during_it(
    device: DeviceFactory, world: World
) -> None:
    phone, colleague = device("officer_a1"), device("officer_a1b")
    colleague.pull()
    assert len(phone.pull(limit=1, pages=1)) == 1 and phone.resets == 1
    colleague.edit("venue", str(world.venues["A1"]), notes="重新同步时改的")
    colleague.sync()
    phone.pull(limit=6)
    assert phone.visible("venue")[str(world.venues["A1"])]["data"]["notes"] == "重新同步时改的"
    assert phone.resets == 1


def test_an_inspection_recorded_before_a_move_is_accepted_for_the_old_room_and_leaves_the_phone(
    client: FlaskClient, device: DeviceFactory, world: World
) -> None:
    phone, chief, colleague = device("officer_a1"), device("chief_a"), device("officer_a1b")
    for each in (phone, chief, colleague):
        each.pull()
    an_hour_ago = server_time(-timedelta(hours=1))
    inspection = phone.create("inspection", inspection_data(world, "A1", "officer_a1", an_hour_ago))
    move_person(client, world, "officer_a1", "B1")
    phone.sync()
    assert phone.results[-1]["status"] == "applied"
    assert inspection not in phone.visible("inspection") and phone.pending() == 0
    assert chief.pull() and chief.visible("inspection")[inspection]["data"]["officer_id"] == str(
        world.people["officer_a1"])
    colleague.pull()
    assert inspection in colleague.visible("inspection")


def test_an_inspection_dated_after_the_move_in_the_old_room_is_refused(
    client: FlaskClient, device: DeviceFactory, world: World
) -> None:
    phone = device("officer_a1")
    phone.pull()
    phone.create("inspection", inspection_data(world, "A1", "officer_a1", server_time(timedelta(hours=1))))
    move_person(client, world, "officer_a1", "B1")
    phone.sync()
    assert (phone.results[-1]["status"], phone.results[-1]["code"]) == ("rejected", "out_of_scope")


def test_an_officer_cannot_push_work_for_a_room_they_never_served(
    client: FlaskClient, device: DeviceFactory, world: World
) -> None:
    phone = device("officer_b1")
    phone.pull()
    phone.create("inspection", inspection_data(world, "A1", "officer_b1", server_time(-timedelta(hours=1))))
    phone.sync()
    assert (phone.results[-1]["status"], phone.results[-1]["code"]) == ("rejected", "out_of_scope")


def test_a_moved_officer_can_still_correct_their_old_room_inspection_dated_before_the_move(
    client: FlaskClient, device: DeviceFactory, world: World
) -> None:
    phone = device("officer_a1")
    an_hour_ago = server_time(-timedelta(hours=1))
    inspection = phone.create("inspection", inspection_data(world, "A1", "officer_a1", an_hour_ago))
    phone.sync()
    phone.edit("inspection", inspection, findings="消防通道堵塞")
    move_person(client, world, "officer_a1", "B1")
    phone.sync()
    assert phone.results[-1]["status"] == "applied" and phone.results[-1]["version"] == 2
    assert inspection not in phone.visible("inspection")


def test_a_cursor_older_than_purged_scope_exits_forces_a_full_resync(
    client: FlaskClient, runner: FlaskCliRunner, device: DeviceFactory, world: World
) -> None:
    colleague = device("officer_a1b")
    colleague.pull()
    move_person(client, world, "officer_a1", "B1")
    client.application.config["TOMBSTONE_RETENTION_DAYS"] = 0
    result = runner.invoke(args=["upkeep", "run", "purge-tombstones"])
    assert result.exit_code == 0, result.output
    colleague.pull()
    assert colleague.resets == 2 and "officer_a1" not in people(colleague, world)


def test_a_venue_moved_away_before_its_officer_moved_leaves_the_officers_phone(
    app: Flask, client: FlaskClient, device: DeviceFactory, world: World
) -> None:
    phone = device("officer_a1b")
    phone.pull()
    move_venue(app, world, "A1", "B1")
    move_person(client, world, "officer_a1b", "A2")
    phone.pull(limit=2)
    gone = {("venue", str(world.venues["A1"])), ("inspection", str(world.inspections["A1"])),
            ("followup", str(world.followups["A1"]))}
    assert not gone & set(phone.held())
    fresh = device("officer_a1b")
    fresh.pull()
    assert {key: record for key, record in phone.held().items() if not record["deleted"]} == {
        key: record for key, record in fresh.held().items() if not record["deleted"]}


def next_page(client: FlaskClient, world: World, phone: Phone) -> list[dict[str, Any]]:
    """The changes of the officer_a1b phone's next pull page, as the server sends them (one page, unapplied)."""
    cursor = phone.store.get_meta("cursor")
    response = client.get(f"/api/v1/sync/pull?cursor={cursor}&limit=100",
                          headers={**world.headers("officer_a1b"), SCHEMA_HEADER: str(SCHEMA_VERSION)})
    return response.json["changes"]


def test_a_venue_moved_into_an_officers_new_room_before_the_officer_follows_comes_once(
    app: Flask, client: FlaskClient, device: DeviceFactory, world: World
) -> None:
    phone = device("officer_a1b")
    phone.pull()
    move_venue(app, world, "A1", "A2")
    move_person(client, world, "officer_a1b", "A2")
    page = next_page(client, world, phone)
    sent = [(change["type"], change["id"]) for change in page if not change.get("left_scope")]
    assert len(sent) == len(set(sent)), sent


def test_a_record_that_left_a_room_both_scopes_cover_gets_one_tombstone_in_a_page(
    app: Flask, client: FlaskClient, device: DeviceFactory, world: World
) -> None:
    phone = device("officer_a1b")
    phone.pull()
    move_venue(app, world, "A1", "B1")
    promoted = client.patch(f"/api/v1/people/{world.people['officer_a1b']}", headers=world.headers("admin"),
                            json={"role": "chief", "station_id": str(world.stations["A"])})
    assert promoted.status_code == 200, promoted.get_json()
    page = next_page(client, world, phone)
    tombstones = [(change["type"], change["id"]) for change in page if change.get("left_scope")]
    assert ("venue", str(world.venues["A1"])) in tombstones
    assert len(tombstones) == len(set(tombstones)), tombstones
