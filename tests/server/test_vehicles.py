"""Vehicle files (一车一档) through the real push and pull: folded from the orders naming a plate.

The server writes a plate's file with every report naming it; a device never writes one. A
file is seen by whoever sees an order on its plate, so a plate reported in two stations' rooms
is one file both see, and a squad whose orders do not name it never receives it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from server.extensions import db
from server.models import Room, Vehicle
from server.operations.squads import cover_rooms
from sync import clock
from tests.phone import DeviceFactory, Phone, hostile_push, mutation
from tests.world import CHINA, World

OFFICERS = {"officer_a1": "A1", "officer_a2": "A2", "officer_b1": "B1"}


def report(world: World, phone: Phone, officer: str, plate: str, *, days_ago: int = 0, **noted: Any) -> str:
    reported = clock.now().astimezone(CHINA) - timedelta(days=days_ago)
    return phone.create("work_order", {
        "room_id": str(world.rooms[OFFICERS[officer]]), "officer_id": str(world.people[officer]),
        "kind": "abandoned_vehicle", "plate": plate, "address": "南湖路5号", "reported_at": reported.isoformat(),
        **noted})


def vehicle(phone: Phone, plate: str) -> dict[str, Any] | None:
    return next((record["data"] for record in phone.visible("vehicle").values() if record["data"]["plate"] == plate),
                None)


def test_each_report_of_a_plate_refiles_its_vehicle_and_the_fourth_in_thirty_days_is_flagged_on_both(
        world: World, device: DeviceFactory) -> None:
    officer = device("officer_a1")
    for days_ago, noted in ((40, {"vehicle_colour": "白"}), (20, {"vehicle_make": "大众"}), (10, {}), (5, {})):
        report(world, officer, "officer_a1", "浙FZ1234", days_ago=days_ago, **noted)
    officer.sync()
    filed = vehicle(officer, "浙FZ1234")
    assert filed is not None
    assert (filed["report_count"], filed["colour"], filed["make"]) == (4, "白", "大众")
    assert len(filed["recent_reports"]) == 3
    assert filed["flagged"] is False
    last = report(world, officer, "officer_a1", "浙FZ1234")
    officer.sync()
    filed = vehicle(officer, "浙FZ1234")
    assert (filed["report_count"], filed["flagged"]) == (5, True)
    assert officer.visible("work_order")[last]["data"]["repeat_plate"] is True
    assert datetime.fromisoformat(filed["last_reported_at"]) == datetime.fromisoformat(
        officer.visible("work_order")[last]["data"]["reported_at"])


def test_a_corrected_plate_moves_the_report_to_the_right_file_and_the_typo_file_goes(
        world: World, device: DeviceFactory) -> None:
    officer = device("officer_a1")
    order_id = report(world, officer, "officer_a1", "浙FZ1243", vehicle_colour="红")
    officer.sync()
    typo = next(record_id for record_id, record in officer.visible("vehicle").items()
                if record["data"]["plate"] == "浙FZ1243")
    officer.edit("work_order", order_id, plate="浙FZ1234")
    officer.sync()
    assert vehicle(officer, "浙FZ1243") is None
    assert officer.visible("vehicle").get(typo) is None
    assert (vehicle(officer, "浙FZ1234") or {}).get("colour") == "红"
    report(world, officer, "officer_a1", "浙FZ1243")
    officer.sync()
    assert officer.visible("vehicle")[typo]["data"]["report_count"] == 1


def test_a_plate_reported_in_two_stations_is_one_file_seen_only_by_those_who_see_an_order_on_it(
        world: World, device: DeviceFactory, client: FlaskClient) -> None:
    a1, b1 = device("officer_a1"), device("officer_b1")
    report(world, a1, "officer_a1", "浙FQ7777")
    report(world, b1, "officer_b1", "浙FQ7777")
    a1.sync()
    b1.sync()
    a1.pull()
    seen = {}
    for username in ("officer_a1", "officer_b1", "officer_a2", "chief_a", "chief_b", "admin", "traffic_s1",
                     "lead_s", "traffic_t"):
        phone = device(username)
        phone.pull()
        seen[username] = vehicle(phone, "浙FQ7777")
        listed = client.get("/api/v1/vehicles", query_string={"plate": "浙FQ7777"},
                            headers=world.headers(username)).json
        assert len(listed) == (seen[username] is not None), username
    assert {name for name, filed in seen.items() if filed is None} == {"officer_a2"}
    assert {filed["report_count"] for filed in seen.values() if filed} == {2}


def test_a_file_stays_with_its_squad_and_reaches_a_squad_given_the_room_later(
        app: Flask, world: World, device: DeviceFactory, client: FlaskClient) -> None:
    with app.app_context():
        db.session.get_one(Room, world.rooms["A2"]).squad_id = None
        db.session.commit()
    traffic_s, traffic_t = device("traffic_s1"), device("traffic_t")
    traffic_s.pull()
    traffic_t.pull()
    officer = device("officer_a2")
    report(world, officer, "officer_a2", "浙FK5555")
    officer.sync()
    traffic_s.pull()
    assert vehicle(traffic_s, "浙FK5555") is None
    with app.app_context():
        cover_rooms(db.session, world.squads["S"], [world.rooms["A2"]], actor_id=world.people["admin"])
        db.session.commit()
    traffic_s.pull()
    traffic_t.pull()
    assert (vehicle(traffic_s, "浙FK5555") or {}).get("report_count") == 1
    assert vehicle(traffic_t, "浙FK5555") is None


def test_no_one_writes_a_vehicle_file_but_the_server(app: Flask, client: FlaskClient, world: World,
                                                     device: DeviceFactory) -> None:
    officer = device("officer_a1")
    report(world, officer, "officer_a1", "浙FZ1234")
    officer.sync()
    with app.app_context():
        filed = db.session.scalars(select(Vehicle).where(Vehicle.plate == "浙FZ1234")).one()
    for username in ("officer_a1", "admin", "traffic_s1"):
        answer = hostile_push(client, world, username, mutation("vehicle", "update", {"colour": "黑"}, str(filed.id),
                                                                base_version=filed.version, base={"colour": ""}))
        assert (answer[-1]["status"], answer[-1]["code"]) == ("rejected", "read_only_type")


def test_a_corrected_plate_is_flagged_by_the_reports_of_the_plate_it_now_names(
        world: World, device: DeviceFactory) -> None:
    officer = device("officer_a1")
    for days_ago in (10, 5, 2):
        report(world, officer, "officer_a1", "浙FZ1234", days_ago=days_ago)
    typo = report(world, officer, "officer_a1", "浙FZ1243")
    officer.sync()
    assert officer.visible("work_order")[typo]["data"]["repeat_plate"] is False
    officer.edit("work_order", typo, plate="浙FZ1234")
    officer.sync()
    assert officer.visible("work_order")[typo]["data"]["repeat_plate"] is True
    assert (vehicle(officer, "浙FZ1234") or {}).get("flagged") is True


def test_a_report_dated_years_ahead_counts_when_the_server_received_it(world: World, device: DeviceFactory) -> None:
    officer = device("officer_a1")
    for days_ago in (10, 5, 2):
        report(world, officer, "officer_a1", "浙FZ1234", days_ago=days_ago)
    ahead = report(world, officer, "officer_a1", "浙FZ1234", days_ago=-5 * 365)
    officer.sync()
    filed = vehicle(officer, "浙FZ1234") or {}
    assert datetime.fromisoformat(filed["last_reported_at"]) <= clock.now()
    assert (len(filed["recent_reports"]), filed["flagged"]) == (4, True)
    assert officer.visible("work_order")[ahead]["data"]["repeat_plate"] is True


def test_an_admin_choosing_a_reports_plate_in_a_conflict_refiles_both_plates(
        world: World, device: DeviceFactory, client: FlaskClient) -> None:
    first, second = device("officer_a1"), device("officer_a1")
    order_id = report(world, first, "officer_a1", "浙FZ1234")
    first.sync()
    second.pull()
    first.edit("work_order", order_id, plate="浙FZ5678")
    first.sync()
    second.edit("work_order", order_id, plate="浙FZ9999")
    second.push()
    conflict_id = second.results[-1]["conflict_id"]
    assert (vehicle(first, "浙FZ5678") or {}).get("report_count") == 1
    version = second.results[-1]["version"]
    resolved = client.post(f"/api/v1/conflicts/{conflict_id}/resolve", headers=world.headers("admin"),
                           json={"expected_version": version, "values": {"plate": "浙FZ9999"}})
    assert resolved.status_code == 200, resolved.json
    first.pull()
    assert vehicle(first, "浙FZ5678") is None
    assert (vehicle(first, "浙FZ9999") or {}).get("report_count") == 1
