"""The administration commands of ``flask --app server``."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from server.extensions import db
from server.models import Person, Room, WorkOrder, WorkOrderEvent
from server.syncing.change import write_record
from sync import clock
from tests.world import CHINA, World


def login(client: FlaskClient, username: str, password: str) -> int:
    return client.post(
        "/api/v1/auth/login",
        json={"username": username, "password": password, "device_id": str(uuid.uuid4()), "device_name": "cli"},
    ).status_code


def test_creating_an_officer_places_them_in_the_named_room(
    app: Flask, runner: FlaskCliRunner, client: FlaskClient, world: World
) -> None:
    result = runner.invoke(
        args=["person", "create", "li.chizhong", "--name", "李持忠", "--role", "officer", "--room", "Room A2",
              "--stars", "5", "--password", "patrol-2026"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        person = db.session.scalars(select(Person).where(Person.username == "li.chizhong")).one()
        assert (person.room_id, person.station_id, person.star_level) == (
            world.rooms["A2"], world.stations["A"], 5)
    assert login(client, "li.chizhong", "patrol-2026") == 200


def test_creating_a_person_in_an_impossible_place_explains_why(runner: FlaskCliRunner, world: World) -> None:
    result = runner.invoke(args=["person", "create", "zhou", "--name", "周", "--role", "chief",
                                 "--password", "long-enough"])
    assert result.exit_code != 0
    assert "station_id" in result.output and "station chief belongs to an existing station" in result.output


def test_a_username_the_wire_schema_refuses_is_explained_not_a_traceback(runner: FlaskCliRunner, world: World) -> None:
    result = runner.invoke(args=["person", "create", "x", "--name", "短", "--role", "admin",
                                 "--password", "long-enough"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert "username" in result.output


def test_an_unknown_room_is_an_error_not_a_crash(runner: FlaskCliRunner, world: World) -> None:
    result = runner.invoke(args=["person", "create", "wu", "--name", "吴", "--role", "officer", "--room",
                                 "Nowhere", "--password", "long-enough"])
    assert result.exit_code != 0 and "Nowhere" in result.output


def test_setting_a_password_replaces_the_old_one(runner: FlaskCliRunner, client: FlaskClient, world: World) -> None:
    result = runner.invoke(args=["person", "set-password", "officer_a1", "--password", "brand-new"])
    assert result.exit_code == 0, result.output
    assert login(client, "officer_a1", "brand-new") == 200
    assert client.get("/api/v1/auth/me", headers=world.headers("officer_a1")).status_code == 401


def test_the_cli_refuses_a_weak_password_and_keeps_the_old_one(runner: FlaskCliRunner, client: FlaskClient,
                                                               world: World) -> None:
    result = runner.invoke(args=["person", "set-password", "officer_a1", "--password", "1234"])
    assert result.exit_code == 1 and "at least 8 characters" in result.output
    created = runner.invoke(args=["person", "create", "zhou.min", "--name", "周敏", "--role", "admin",
                                  "--password", "88888888"])
    assert created.exit_code == 1 and "common" in created.output
    assert login(client, "officer_a1", "secret-pass") == 200


def test_disabling_and_enabling_an_account(runner: FlaskCliRunner, client: FlaskClient, world: World) -> None:
    assert runner.invoke(args=["person", "disable", "officer_a1"]).exit_code == 0
    assert client.get("/api/v1/auth/me", headers=world.headers("officer_a1")).json["code"] == "account_disabled"
    assert runner.invoke(args=["person", "enable", "officer_a1"]).exit_code == 0
    assert login(client, "officer_a1", "secret-pass") == 200


def test_listing_and_revoking_devices(runner: FlaskCliRunner, client: FlaskClient, world: World) -> None:
    listing = runner.invoke(args=["device", "list", "--person", "officer_b1"])
    assert str(world.devices["officer_b1"]) in listing.output and "active" in listing.output
    result = runner.invoke(args=["device", "revoke", str(world.devices["officer_b1"]), "--reason", "lost"])
    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/auth/me", headers=world.headers("officer_b1")).json["code"] == "device_revoked"
    assert "revoked" in runner.invoke(args=["device", "list", "--person", "officer_b1"]).output


def test_revoking_an_unknown_device_says_so(runner: FlaskCliRunner, world: World) -> None:
    result = runner.invoke(args=["device", "revoke", str(uuid.uuid4()), "--reason", "lost"])
    assert result.exit_code != 0 and "No device" in result.output


def test_demo_load_skips_a_database_that_has_people(runner: FlaskCliRunner, world: World) -> None:
    result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert result.exit_code == 0 and "not loaded" in result.output


def test_welcome_names_the_url_and_the_demo_accounts(runner: FlaskCliRunner) -> None:
    output = runner.invoke(args=["demo", "welcome", "--url", "http://127.0.0.1:5123"]).output
    assert "http://127.0.0.1:5123" in output
    for username in ("admin", "chief1", "officer1", "officer2", "officer3", "squadlead1", "traffic1", "'demo'"):
        assert username in output


def test_the_demo_loads_itself_only_into_sqlite_or_when_asked(app: Flask, runner: FlaskCliRunner,
                                                              backend: str) -> None:
    result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        loaded = db.session.scalars(select(Person.id)).first() is not None
    assert loaded is (backend == "sqlite")
    if not loaded:
        assert "BEATLOG_DEMO=1" in result.output
        app.config["DEMO"] = True
        assert "Demo data loaded" in runner.invoke(args=["demo", "load", "--if-empty"]).output


def test_a_new_squad_covers_rooms_takes_traffic_officers_and_the_orders_that_waited_for_a_squad(
        app: Flask, client: FlaskClient, runner: FlaskCliRunner, world: World) -> None:
    with app.app_context():
        room = db.session.get_one(Room, world.rooms["B1"])
        room.squad_id = None
        waiting = WorkOrder(room_id=room.id, officer_id=world.people["officer_b1"], kind="abandoned_vehicle",
                            plate="浙F00001", address="B1 Road 3")
        waiting.reported_at = clock.now().astimezone(CHINA)
        waiting_id = write_record(db.session, waiting, "create", actor_id=world.people["officer_b1"]).id
        early = WorkOrderEvent(work_order_id=waiting_id, room_id=room.id, kind="verified",
                               actor_id=world.people["officer_b1"], actor_role="officer", position=1)
        early.at = clock.now().astimezone(CHINA)
        early_id = write_record(db.session, early, "create", actor_id=world.people["officer_b1"]).id
        db.session.commit()
    assert runner.invoke(args=["squad", "create", "东栅交警中队"]).exit_code == 0
    covered = runner.invoke(args=["squad", "cover", "东栅交警中队", "Room B1"])
    assert covered.exit_code == 0 and "东栅交警中队 covers Room B1" in covered.output
    created = runner.invoke(args=["person", "create", "zhao.lei", "--name", "赵磊", "--role", "traffic",
                                  "--squad", "东栅交警中队", "--password", "patrol-2026"])
    assert created.exit_code == 0, created.output
    unsquadded = runner.invoke(args=["person", "create", "qian", "--name", "钱", "--role", "squad_lead",
                                     "--password", "patrol-2026"])
    assert unsquadded.exit_code != 0 and "existing traffic squad" in unsquadded.output
    assert "东栅交警中队" in runner.invoke(args=["squad", "list"]).output
    with app.app_context():
        person = db.session.scalars(select(Person).where(Person.username == "zhao.lei")).one()
        room = db.session.get_one(Room, world.rooms["B1"])
        assert person.squad_id == room.squad_id is not None and (person.room_id, person.station_id) == (None, None)
        routed = db.session.get_one(WorkOrder, waiting_id)
        assert (routed.status, routed.squad_id) == ("dispatched", room.squad_id)
        assert routed.resolve_due - routed.dispatched_at == timedelta(days=7)
        step = db.session.get_one(WorkOrderEvent, early_id)
        assert (step.squad_id, step.version) == (room.squad_id, 2)
        assert db.session.get_one(WorkOrder, world.work_orders["B1"]).squad_id == world.squads["T"]
    assert login(client, "zhao.lei", "patrol-2026") == 200
