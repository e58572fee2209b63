"""Enrolling a phone with a one-time code shown as text and as a QR code."""

from __future__ import annotations

import re
import uuid

from flask import Flask
from flask.testing import FlaskClient

from tests.server.dashboard.conftest import Reviewer
from tests.world import PASSWORD, World


def issue(reviewer: Reviewer, world: World, username: str = "officer_a1") -> tuple[str, str]:
    reviewer.sign_in("admin")
    reviewer.get(f"/dashboard/people/{world.people[username]}")
    page = reviewer.post(f"/dashboard/people/{world.people[username]}/enrolment", {}).get_data(as_text=True)
    return re.search(r'id="code">([A-Z0-9-]+)<', page).group(1), page


def enrol(client: FlaskClient, code: str, password: str = "chosen-on-phone", address: str = "10.0.0.1") -> object:
    return client.post("/api/v1/auth/enrol", json={"code": code, "password": password,
                                                   "device_id": str(uuid.uuid4()), "device_name": "new phone"},
                       environ_base={"REMOTE_ADDR": address})


def test_the_code_is_shown_as_text_and_as_a_qr_code_holding_the_server_and_code(reviewer: Reviewer,
                                                                              world: World) -> None:
    code, page = issue(reviewer, world)
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    assert "<svg" in page and "http://localhost" in page


def test_a_code_enrols_a_phone_once_and_sets_the_password(reviewer: Reviewer, world: World,
                                                        client: FlaskClient) -> None:
    code, _page = issue(reviewer, world)
    first = enrol(client, code.lower())
    assert first.status_code == 200 and first.get_json()["user"]["username"] == "officer_a1"
    assert enrol(client, code).get_json()["code"] == "code_invalid"
    login = client.post("/api/v1/auth/login", json={"username": "officer_a1", "password": "chosen-on-phone",
                                                    "device_id": str(uuid.uuid4()), "device_name": "other"})
    assert login.status_code == 200


def test_enrolment_refuses_1234_as_a_weak_password_and_the_account_keeps_its_password(
        reviewer: Reviewer, world: World, client: FlaskClient) -> None:
    code, _page = issue(reviewer, world)
    refused = enrol(client, code, password="1234")
    assert refused.status_code == 422
    assert refused.get_json()["code"] == "weak_password" and list(refused.get_json()["fields"]) == ["password"]
    login = client.post("/api/v1/auth/login", json={"username": "officer_a1", "password": PASSWORD,
                                                    "device_id": str(uuid.uuid4()), "device_name": "old phone"})
    assert login.status_code == 200
    assert enrol(client, code, password="12345678").get_json()["code"] == "weak_password"
    assert enrol(client, code).status_code == 200


def test_a_newer_code_cancels_the_older_one_and_wrong_codes_are_refused(reviewer: Reviewer, world: World,
                                                                       client: FlaskClient) -> None:
    older, _page = issue(reviewer, world)
    newer, _page = issue(reviewer, world)
    assert enrol(client, older).status_code == 401
    assert enrol(client, "AAAA-AAAA").get_json()["code"] == "code_invalid"
    assert enrol(client, newer).status_code == 200


def test_bogus_codes_from_one_address_do_not_block_enrolment_elsewhere(reviewer: Reviewer, world: World,
                                                                      client: FlaskClient, app: Flask) -> None:
    code, _page = issue(reviewer, world)
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        assert enrol(client, "AAAA-AAAA", address="10.6.6.6").status_code == 401
    assert enrol(client, code, address="10.6.6.6").status_code == 429
    assert enrol(client, code, address="10.0.0.2").status_code == 200
