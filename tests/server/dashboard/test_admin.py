"""The admin's people, devices and audit pages."""

from __future__ import annotations

import logging
import re
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from server.demo.org import DEMO_PASSWORD
from server.extensions import db
from server.models import AccessToken, AuditEntry, Device, Person
from server.passwords import hash_password, verify_password
from sync.protocol import SCHEMA_HEADER, SCHEMA_VERSION
from tests.server.dashboard.conftest import Reviewer
from tests.world import PASSWORD, World


def test_admin_pages_are_for_admins_only(reviewer: Reviewer) -> None:
    reviewer.sign_in("chief_a")
    for path in ("/dashboard/people", "/dashboard/devices", "/dashboard/audit", "/dashboard/people/new"):
        assert reviewer.get(path).status_code == 403, path


def test_an_admin_adds_an_officer_who_can_then_sign_in(reviewer: Reviewer, world: World,
                                                     client: FlaskClient) -> None:
    reviewer.sign_in("admin")
    reviewer.get("/dashboard/people/new")
    refused = reviewer.post("/dashboard/people/new", {"username": "x", "password": "pw", "display_name": "X",
                                                      "role": "officer"})
    assert refused.status_code == 422
    created = reviewer.post("/dashboard/people/new", {
        "username": "officer_new", "password": "a-good-pass", "display_name": "New Officer", "role": "officer",
        "room_id": str(world.rooms["A2"]), "star_level": "1"})
    assert created.status_code == 302
    login = client.post("/api/v1/auth/login", json={"username": "officer_new", "password": "a-good-pass",
                                                    "device_id": "6f1c2d3e-0000-4000-8000-00000000aaaa",
                                                    "device_name": "new phone"})
    assert login.status_code == 200 and login.get_json()["user"]["room_id"] == str(world.rooms["A2"])


def test_an_admin_adds_a_traffic_officer_to_a_squad_whose_orders_their_phone_then_pulls(
        reviewer: Reviewer, world: World, client: FlaskClient) -> None:
    reviewer.sign_in("admin")
    form = reviewer.get("/dashboard/people/new").get_data(as_text=True)
    assert 'value="traffic"' in form and "Squad S" in form
    fields = {"username": "traffic_new", "password": "a-good-pass", "display_name": "New Traffic Officer",
              "role": "traffic", "star_level": "0"}
    refused = reviewer.post("/dashboard/people/new", fields)
    assert refused.status_code == 422 and "Traffic police belong to a traffic squad." in refused.get_data(as_text=True)
    created = reviewer.post("/dashboard/people/new", {**fields, "squad_id": str(world.squads["T"]),
                                                      "room_id": str(world.rooms["A1"])})
    assert created.status_code == 302
    page = reviewer.get(created.headers["Location"]).get_data(as_text=True)
    assert "Squad T" in page and 'value="officer"' not in page
    login = client.post("/api/v1/auth/login", json={"username": "traffic_new", "password": "a-good-pass",
                                                    "device_id": "6f1c2d3e-0000-4000-8000-00000000bbbb",
                                                    "device_name": "new phone"}).get_json()
    pulled = client.get("/api/v1/sync/pull", headers={"Authorization": f"Bearer {login['token']}",
                                                      SCHEMA_HEADER: str(SCHEMA_VERSION)}).get_json()
    orders = {change["id"] for change in pulled["changes"] if change["type"] == "work_order"}
    assert orders == {str(world.work_orders["B1"])}
    assert "Squad T" in reviewer.get("/dashboard/people").get_data(as_text=True)


def test_moving_an_officer_changes_what_their_next_pull_brings(reviewer: Reviewer, world: World,
                                                             client: FlaskClient) -> None:
    headers = {**world.headers("officer_a1"), "X-Beatlog-Schema": "2"}
    first = client.get("/api/v1/sync/pull", headers=headers).get_json()
    assert str(world.venues["A1"]) in {change["id"] for change in first["changes"]}
    reviewer.sign_in("admin")
    path = f"/dashboard/people/{world.people['officer_a1']}"
    reviewer.get(path)
    moved = reviewer.post(path, {"display_name": "Officer A1", "role": "officer",
                                 "room_id": str(world.rooms["A2"]), "star_level": "0"})
    assert moved.status_code == 302
    after = client.get(f"/api/v1/sync/pull?cursor={first['cursor']}", headers=headers).get_json()
    changes = {change["id"]: change for change in after["changes"]}
    assert changes[str(world.venues["A1"])].get("left_scope") is True
    assert str(world.venues["A2"]) in changes


def test_resetting_a_password_ends_every_session_of_that_person(reviewer: Reviewer, world: World,
                                                               app: Flask) -> None:
    reviewer.sign_in("admin")
    path = f"/dashboard/people/{world.people['officer_a1']}"
    reviewer.get(path)
    assert reviewer.post(f"{path}/password", {"password": "new-secret"}).status_code == 302
    with app.app_context():
        live = db.session.scalars(select(AccessToken).where(AccessToken.person_id == world.people["officer_a1"],
                                                            AccessToken.revoked_at.is_(None))).all()
        assert live == []


def test_the_password_form_refuses_a_common_password_in_chinese_and_keeps_the_old_one(
        reviewer: Reviewer, world: World, app: Flask) -> None:
    reviewer.sign_in("admin")
    path = f"/dashboard/people/{world.people['officer_a1']}"
    assert "至少 8 位" in reviewer.get(path + "?lang=zh").get_data(as_text=True)
    refused = reviewer.post(f"{path}/password", {"password": "12345678"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'class="problem" id="password-policy"' in page and "常见密码" in page and "所有设备" in page
    with app.app_context():
        assert verify_password(db.session.get(Person, world.people["officer_a1"]).password_hash, PASSWORD)


def test_disabling_a_person_and_an_admin_cannot_disable_themselves(reviewer: Reviewer, world: World,
                                                                 app: Flask) -> None:
    reviewer.sign_in("admin")
    reviewer.get("/dashboard/people")
    reviewer.post(f"/dashboard/people/{world.people['officer_b1']}/active", {"active": "false"})
    reviewer.post(f"/dashboard/people/{world.people['admin']}/active", {"active": "false"})
    with app.app_context():
        assert db.session.get(Person, world.people["officer_b1"]).active is False
        assert db.session.get(Person, world.people["admin"]).active is True


def test_revoking_a_lost_phone_makes_its_next_sync_fail(reviewer: Reviewer, world: World, client: FlaskClient,
                                                       app: Flask) -> None:
    reviewer.sign_in("admin")
    page = reviewer.get("/dashboard/devices").get_data(as_text=True)
    assert f'id="device-{world.devices["officer_a1"]}"' in page
    reviewer.post(f"/dashboard/devices/{world.devices['officer_a1']}/revoke", {"reason": "lost on patrol"})
    with app.app_context():
        assert db.session.get(Device, world.devices["officer_a1"]).revoke_reason == "lost on patrol"
    refused = client.get("/api/v1/sync/pull", headers={**world.headers("officer_a1"), "X-Beatlog-Schema": "2"})
    assert refused.status_code == 401 and refused.get_json()["code"] == "device_revoked"


def test_the_audit_trail_is_searchable_and_detects_tampering(reviewer: Reviewer, world: World, app: Flask) -> None:
    reviewer.sign_in("admin")
    page = reviewer.get(f"/dashboard/audit?record={world.inspections['A1']}").get_data(as_text=True)
    assert "Inspection log · created" in page and "Venue · created" not in page
    assert "Inspection log · Hotel in A1 · " in page and "inspection.create" not in page
    intact = reviewer.post("/dashboard/audit/verify", {"record": str(world.inspections["A1"])}).get_data(as_text=True)
    assert re.search(r'id="verdict">Intact', intact)
    assert "Inspection log · created" in intact and "Venue · created" not in intact
    with app.app_context():
        db.session.execute(update(AuditEntry).where(AuditEntry.record_id == world.inspections["A1"])
                           .values(details={"forged": True}))
        db.session.commit()
    reviewer.get("/dashboard/audit")
    tampered = reviewer.post("/dashboard/audit/verify", {}).get_data(as_text=True)
    assert re.search(r'id="verdict">Tampered', tampered)


def test_the_admin_is_told_which_accounts_are_under_attack(reviewer: Reviewer, world: World, app: Flask,
                                                           client: FlaskClient) -> None:
    app.config["LOGIN_ALARM_FAILURES_PER_ACCOUNT"] = 3
    for attempt in range(3):
        client.post("/api/v1/auth/login", json={"username": "chief_a", "password": "wrong",
                                                "device_id": str(uuid.uuid4()), "device_name": "x"},
                    environ_base={"REMOTE_ADDR": f"10.6.6.{attempt}"})
    reviewer.sign_in("chief_a")
    assert 'id="under-attack"' not in reviewer.get("/dashboard/inbox").get_data(as_text=True)
    reviewer.sign_in("admin")
    page = reviewer.get("/dashboard/inbox").get_data(as_text=True)
    assert 'id="under-attack"' in page and "chief_a" in page


def test_demo_passwords_in_use_are_announced_on_the_dashboard_and_in_the_log(
    reviewer: Reviewer, world: World, app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    reviewer.sign_in("admin")
    assert 'id="demo-passwords"' not in reviewer.get("/dashboard/inbox").get_data(as_text=True)
    with app.app_context():
        db.session.get(Person, world.people["admin"]).password_hash = hash_password(DEMO_PASSWORD)
        db.session.commit()
    with caplog.at_level(logging.WARNING):
        reviewer.sign_in("admin", DEMO_PASSWORD)
        page = reviewer.get("/dashboard/inbox").get_data(as_text=True)
    assert 'id="demo-passwords"' in page
    assert any("demo password" in record.getMessage() and "admin" in record.getMessage()
               for record in caplog.records)
