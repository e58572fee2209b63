"""Review findings on issue 13's change (i13-review): each test states what should hold."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from server.extensions import db
from server.models import Device, SyncMutation
from sync.protocol import SCHEMA_HEADER, SCHEMA_VERSION
from tests.world import PASSWORD, World


def sign_in(client: FlaskClient, headers: dict[str, str], **body: Any) -> Any:
    device_id = str(uuid.uuid4())
    return device_id, client.post("/api/v1/auth/login", headers=headers, json={
        "username": "officer_a1", "password": PASSWORD, "device_id": device_id, "device_name": "Patrol phone",
        **body})


def test_a_sign_in_header_with_a_unicode_digit_is_a_clean_refusal_not_a_500(client: FlaskClient, world: World) -> None:
    # '²'.isdigit() is True but int('²') raises: recorded_schema_version crashes.
    _, response = sign_in(client, {SCHEMA_HEADER: "²"})
    assert response.status_code < 500, response.json


def test_a_sign_in_header_with_a_huge_version_is_not_a_server_error(client: FlaskClient, world: World) -> None:
    _, response = sign_in(client, {SCHEMA_HEADER: "9" * 30})
    assert response.status_code < 500, response.json


def test_a_negative_header_version_is_not_recorded(app: Flask, client: FlaskClient, world: World) -> None:
    # The body field refuses a negative version (Range(min=0)); the header, its replacement, records it.
    device_id, response = sign_in(client, {SCHEMA_HEADER: "-3"})
    with app.app_context():
        device = db.session.get(Device, uuid.UUID(device_id))
        assert response.status_code != 200 or device.schema_version != -3


def test_a_push_body_contradicting_the_header_is_refused_even_when_the_query_repeats_it(
    app: Flask, client: FlaskClient, world: World
) -> None:
    headers = {**world.headers("officer_a1"), SCHEMA_HEADER: str(SCHEMA_VERSION)}
    body = {"device_id": str(world.devices["officer_a1"]), "schema_version": SCHEMA_VERSION - 1,
            "mutations": [{"mutation_id": str(uuid.uuid4()), "type": "venue", "id": str(uuid.uuid4()),
                           "op": "create", "data": {"room_id": str(world.rooms["A1"]), "name": "x",
                                                    "kind": "shop", "address": "y"}}]}
    response = client.post(f"/api/v1/sync/push?schema_version={SCHEMA_VERSION}", json=body, headers=headers)
    assert (response.status_code, response.json.get("code")) == (400, "schema_version_mismatch")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SyncMutation)) == 0


def test_a_blob_query_is_not_compared_with_the_header_as_protocol_md_says(client: FlaskClient, world: World) -> None:
    # docs/protocol.md: "(a blob request's query is not compared: its header wins)".
    import hashlib
    data = b"\x89PNG review"
    sha = hashlib.sha256(data).hexdigest()
    headers = {**world.headers("officer_a1"), SCHEMA_HEADER: str(SCHEMA_VERSION)}
    response = client.put(f"/api/v1/blobs/{sha}?schema_version={SCHEMA_VERSION - 1}", data=data,
                          content_type="image/png", headers=headers)
    assert response.status_code in (200, 201), response.json


def test_a_failed_request_does_not_roll_back_the_next_one_in_the_same_app_context(
    app: Flask, client: FlaskClient, world: World
) -> None:
    # g.escaped is never cleared: under one app context (tests, a script driving the test
    # client), g outlives the request, so the next request's work is rolled back yet answered 200.
    from server.models import Venue
    headers = {**world.headers("officer_a1"), SCHEMA_HEADER: str(SCHEMA_VERSION)}
    venue_id = uuid.uuid4()
    body = {"device_id": str(world.devices["officer_a1"]),
            "mutations": [{"mutation_id": str(uuid.uuid4()), "type": "venue", "id": str(venue_id),
                           "op": "create", "data": {"room_id": str(world.rooms["A1"]), "name": "x",
                                                    "kind": "shop", "address": "y"}}]}
    with app.app_context():
        assert client.get(f"/api/v1/venues/{uuid.uuid4()}", headers=headers).status_code == 404
        response = client.post("/api/v1/sync/push", json=body, headers=headers)
        assert response.status_code == 200 and response.json["results"][0]["status"] == "applied"
    with app.app_context():
        assert db.session.get(Venue, venue_id) is not None
