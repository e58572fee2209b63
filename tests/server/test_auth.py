"""Signing in from a device, tokens, sign-out, throttling, revocation and disabling."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from server.access import token_digest
from server.extensions import db
from server.ledger import verify_audit
from server.models import AccessToken, AuditEntry, LoginFailure, Person
from tests.world import PASSWORD, PEOPLE, World


def login(client: FlaskClient, username: str, password: str = PASSWORD, device_id: uuid.UUID | None = None,
          address: str = "10.0.0.1") -> object:
    return client.post(
        "/api/v1/auth/login",
        json={"username": username, "password": password, "device_id": str(device_id or uuid.uuid4()),
              "device_name": "Patrol phone", "app_version": "1.0.0", "schema_version": 2},
        environ_base={"REMOTE_ADDR": address},
    )


def test_signing_in_returns_a_token_its_expiry_and_the_person(client: FlaskClient, world: World) -> None:
    response = login(client, "officer_a1")
    assert response.status_code == 200
    body = response.json
    assert body["token"].startswith("bl_") and len(body["token"]) > 40
    assert body["expires_at"].endswith("+00:00")
    assert body["user"] == {
        "id": str(world.people["officer_a1"]),
        "username": "officer_a1",
        "display_name": "Officer A1",
        "role": "officer",
        "room_id": str(world.rooms["A1"]),
        "station_id": str(world.stations["A"]),
        "star_level": 0,
    }
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.json["username"] == "officer_a1"


def test_the_database_keeps_only_hashes_of_tokens_and_passwords(app: Flask, client: FlaskClient, world: World) -> None:
    token = login(client, "officer_a1").json["token"]
    with app.app_context():
        stored = db.session.scalars(select(AccessToken.token_hash)).all()
        person = db.session.get(Person, world.people["officer_a1"])
        assert token not in stored and token_digest(token) in stored
        assert person.password_hash.startswith("$argon2id$")
        assert PASSWORD not in person.password_hash


def test_usernames_are_matched_without_regard_to_case(client: FlaskClient, world: World) -> None:
    assert login(client, "  Officer_A1 ").status_code == 200


@pytest.mark.parametrize("username", ["officer_a1", "nobody"])
def test_a_wrong_password_or_unknown_user_gets_the_same_answer(
        client: FlaskClient, world: World, username: str) -> None:
    response = login(client, username, password="wrong")
    assert response.status_code == 401
    assert response.json == {"code": "login_failed", "message": "Wrong username or password.", "fields": {},
                             "request_id": response.headers["X-Request-Id"]}


def test_repeated_failures_for_one_account_from_one_address_are_throttled(app: Flask, client: FlaskClient,
                                                                          world: World) -> None:
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        assert login(client, "officer_a1", "wrong", address="10.6.6.6").status_code == 401
    response = login(client, "officer_a1", address="10.6.6.6")
    assert response.status_code == 429
    assert response.json["code"] == "login_throttled"
    assert 0 < int(response.headers["Retry-After"]) <= app.config["LOGIN_FAILURE_WINDOW_SECONDS"] + 1
    assert login(client, "officer_a1b", address="10.6.6.6").status_code == 200


def test_an_attacker_elsewhere_cannot_lock_the_real_user_out(app: Flask, client: FlaskClient, world: World) -> None:
    for attempt in range(3 * app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        login(client, "officer_a1", "wrong", address=f"10.6.6.{attempt}")
    assert login(client, "officer_a1", address="10.0.0.1").status_code == 200


def test_an_account_under_attack_is_audited_once_for_the_admin(app: Flask, client: FlaskClient, world: World) -> None:
    app.config["LOGIN_ALARM_FAILURES_PER_ACCOUNT"] = 4
    for attempt in range(6):
        login(client, "officer_a1", "wrong", address=f"10.6.6.{attempt}")
    with app.app_context():
        alarms = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "auth.account_under_attack")).all()
        assert [alarm.details for alarm in alarms] == [{"username": "officer_a1", "failures": 4, "addresses": 4}]


def test_every_failed_sign_in_is_in_the_audit_trail(app: Flask, client: FlaskClient, world: World) -> None:
    login(client, "officer_a1", "wrong", address="10.6.6.6")
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (entry.action, entry.details) == ("auth.login_failed", {"username": "officer_a1", "address": "10.6.6.6"})
        assert verify_audit(db.session).intact


def test_repeated_failures_from_one_address_are_throttled(app: Flask, client: FlaskClient, world: World) -> None:
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    for username in ("officer_a1", "officer_a2", "nobody"):
        assert login(client, username, "wrong", address="10.9.9.9").status_code == 401
    assert login(client, "officer_b1", address="10.9.9.9").status_code == 429
    assert login(client, "officer_b1", address="10.9.9.8").status_code == 200


def test_failed_sign_ins_are_counted_even_though_the_request_fails(
        app: Flask, client: FlaskClient, world: World) -> None:
    login(client, "officer_a1", "wrong")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 1


def test_a_successful_sign_in_clears_the_accounts_failures(app: Flask, client: FlaskClient, world: World) -> None:
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] - 1):
        login(client, "officer_a1", "wrong")
    assert login(client, "officer_a1").status_code == 200
    assert login(client, "officer_a1", "wrong").status_code == 401
    assert login(client, "officer_a1").status_code == 200


def test_signing_out_ends_that_token_only(client: FlaskClient, world: World) -> None:
    other = login(client, "officer_a1").json["token"]
    assert client.post("/api/v1/auth/logout", headers=world.headers("officer_a1")).status_code == 204
    assert client.get("/api/v1/auth/me", headers=world.headers("officer_a1")).json["code"] == "token_invalid"
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {other}"}).status_code == 200


def test_a_device_lists_under_its_person_with_its_app_version(client: FlaskClient, world: World) -> None:
    device_id = uuid.uuid4()
    login(client, "officer_a1", device_id=device_id)
    devices = client.get(f"/api/v1/people/{world.people['officer_a1']}/devices",
                         headers=world.headers("admin")).json
    assert {d["id"] for d in devices} == {str(device_id), str(world.devices["officer_a1"])}
    enrolled = next(d for d in devices if d["id"] == str(device_id))
    assert (enrolled["name"], enrolled["app_version"], enrolled["schema_version"]) == ("Patrol phone", "1.0.0", 2)


def test_revoking_a_device_fails_its_tokens_at_once_and_it_cannot_sign_in_again(
    client: FlaskClient, world: World
) -> None:
    device = world.devices["officer_a1"]
    response = client.post(f"/api/v1/devices/{device}/revoke", json={"reason": "lost on patrol"},
                           headers=world.headers("admin"))
    assert response.status_code == 200
    assert response.json["revoke_reason"] == "lost on patrol" and response.json["revoked_at"]
    assert client.get("/api/v1/auth/me", headers=world.headers("officer_a1")).json["code"] == "device_revoked"
    again = login(client, "officer_a1", device_id=device)
    assert (again.status_code, again.json["code"]) == (401, "device_revoked")
    assert login(client, "officer_a1").status_code == 200


def test_disabling_a_person_fails_their_tokens_at_once(client: FlaskClient, world: World) -> None:
    response = client.patch(f"/api/v1/people/{world.people['officer_a1']}", json={"active": False},
                            headers=world.headers("admin"))
    assert response.status_code == 200 and response.json["active"] is False
    assert client.get("/api/v1/auth/me", headers=world.headers("officer_a1")).json["code"] == "account_disabled"
    assert login(client, "officer_a1").json["code"] == "account_disabled"


def test_re_enabling_a_person_needs_a_new_sign_in(client: FlaskClient, world: World) -> None:
    person = f"/api/v1/people/{world.people['officer_a1']}"
    client.patch(person, json={"active": False}, headers=world.headers("admin"))
    client.patch(person, json={"active": True}, headers=world.headers("admin"))
    assert client.get("/api/v1/auth/me", headers=world.headers("officer_a1")).json["code"] == "token_invalid"
    assert login(client, "officer_a1").status_code == 200


def test_resetting_a_password_ends_every_session_of_that_person(client: FlaskClient, world: World) -> None:
    response = client.post(f"/api/v1/people/{world.people['officer_a1']}/password", json={"password": "fresh-one"},
                           headers=world.headers("admin"))
    assert response.status_code == 204
    assert client.get("/api/v1/auth/me", headers=world.headers("officer_a1")).json["code"] == "token_invalid"
    assert login(client, "officer_a1").status_code == 401
    assert login(client, "officer_a1", "fresh-one").status_code == 200


def test_a_device_passes_to_another_officer_only_after_sign_out(client: FlaskClient, world: World) -> None:
    device = world.devices["officer_a1"]
    taken = login(client, "officer_a1b", device_id=device)
    assert (taken.status_code, taken.json["code"]) == (409, "device_in_use")
    client.post("/api/v1/auth/logout", headers=world.headers("officer_a1"))
    assert login(client, "officer_a1b", device_id=device).status_code == 200


def test_sign_ins_and_revocations_are_audited(client: FlaskClient, world: World) -> None:
    client.post(f"/api/v1/devices/{world.devices['officer_b1']}/revoke", json={"reason": "stolen"},
                headers=world.headers("admin"))
    audit = client.get("/api/v1/audit?page_size=500", headers=world.headers("admin")).json
    actions = [entry["action"] for entry in audit]
    assert actions[0] == "device.revoke"
    assert actions.count("auth.login") == len(PEOPLE) and actions.count("device.enrol") == len(PEOPLE)


def test_an_admin_cannot_disable_themselves(client: FlaskClient, world: World) -> None:
    response = client.patch(f"/api/v1/people/{world.people['admin']}", json={"active": False},
                            headers=world.headers("admin"))
    assert (response.status_code, response.json["code"]) == (409, "cannot_demote_self")
