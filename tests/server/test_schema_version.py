"""The schema version lives in the X-Beatlog-Schema header; a body or query field may repeat it, never contradict it."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from server.extensions import db
from server.models import Device, SyncMutation
from sync.protocol import SCHEMA_HEADER, SCHEMA_VERSION
from tests.world import PASSWORD, World


def stating(world: World, version: int = SCHEMA_VERSION) -> dict[str, str]:
    return {**world.headers("officer_a1"), SCHEMA_HEADER: str(version)}


def a_venue(world: World) -> dict[str, Any]:
    return {"mutation_id": str(uuid.uuid4()), "type": "venue", "id": str(uuid.uuid4()), "op": "create",
            "data": {"room_id": str(world.rooms["A1"]), "name": "x", "kind": "shop", "address": "y"}}


def test_a_push_states_its_version_in_the_header_alone(client: FlaskClient, world: World) -> None:
    body = {"device_id": str(world.devices["officer_a1"]), "mutations": [a_venue(world)]}
    response = client.post("/api/v1/sync/push", json=body, headers=stating(world))
    assert response.status_code == 200 and response.json["results"][0]["status"] == "applied"


def test_a_push_body_that_repeats_the_header_is_accepted(client: FlaskClient, world: World) -> None:
    body = {"device_id": str(world.devices["officer_a1"]), "schema_version": SCHEMA_VERSION, "mutations": []}
    assert client.post("/api/v1/sync/push", json=body, headers=stating(world)).status_code == 200


def test_a_push_body_that_contradicts_the_header_is_refused_and_nothing_is_written(
    app: Flask, client: FlaskClient, world: World
) -> None:
    body = {"device_id": str(world.devices["officer_a1"]), "schema_version": SCHEMA_VERSION - 1,
            "mutations": [a_venue(world)]}
    response = client.post("/api/v1/sync/push", json=body, headers=stating(world))
    assert (response.status_code, response.json["code"]) == (400, "schema_version_mismatch")
    assert set(response.json["fields"]) == {"schema_version"}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SyncMutation)) == 0


def test_a_pull_query_that_contradicts_the_header_is_refused(client: FlaskClient, world: World) -> None:
    response = client.get(f"/api/v1/sync/pull?schema_version={SCHEMA_VERSION - 1}", headers=stating(world))
    assert (response.status_code, response.json["code"]) == (400, "schema_version_mismatch")
    assert client.get(f"/api/v1/sync/pull?schema_version={SCHEMA_VERSION}", headers=stating(world)).status_code == 200


def sign_in(client: FlaskClient, headers: dict[str, str], **body: Any) -> Any:
    device_id = str(uuid.uuid4())
    return device_id, client.post("/api/v1/auth/login", headers=headers, json={
        "username": "officer_a1", "password": PASSWORD, "device_id": device_id, "device_name": "Patrol phone",
        **body})


def test_a_device_signing_in_is_recorded_with_the_version_its_header_states(
    app: Flask, client: FlaskClient, world: World
) -> None:
    device_id, response = sign_in(client, {SCHEMA_HEADER: str(SCHEMA_VERSION)})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(Device, uuid.UUID(device_id)).schema_version == SCHEMA_VERSION


def test_a_sign_in_body_that_contradicts_the_header_is_refused(client: FlaskClient, world: World) -> None:
    _, response = sign_in(client, {SCHEMA_HEADER: str(SCHEMA_VERSION)}, schema_version=SCHEMA_VERSION - 1)
    assert (response.status_code, response.json["code"]) == (400, "schema_version_mismatch")


def signing_in(client: FlaskClient, version_header: str) -> Any:
    return client.post("/api/v1/auth/login", headers={SCHEMA_HEADER: version_header}, json={
        "username": "officer_a1", "password": PASSWORD, "device_id": str(uuid.uuid4()), "device_name": "Phone"})


@pytest.mark.parametrize("header", ["²", "9" * 30, "-3", "2.0", "two"])
def test_a_version_that_is_not_a_whole_number_in_ascii_digits_is_refused_at_sign_in(
    app: Flask, client: FlaskClient, world: World, header: str
) -> None:
    response = signing_in(client, header)
    assert (response.status_code, response.json["code"]) == (400, "schema_version_required")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Device).where(Device.name == "Phone")) == 0


def test_a_body_contradicting_the_header_is_refused_even_when_the_query_repeats_the_header(
    app: Flask, client: FlaskClient, world: World
) -> None:
    body = {"device_id": str(world.devices["officer_a1"]), "schema_version": SCHEMA_VERSION - 1,
            "mutations": [a_venue(world)]}
    response = client.post(f"/api/v1/sync/push?schema_version={SCHEMA_VERSION}", json=body, headers=stating(world))
    assert (response.status_code, response.json["code"]) == (400, "schema_version_mismatch")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SyncMutation)) == 0


def test_a_blob_query_contradicting_the_header_is_refused_like_any_other(client: FlaskClient, world: World) -> None:
    data = b"\x89PNG a blob"
    response = client.put(f"/api/v1/blobs/{hashlib.sha256(data).hexdigest()}?schema_version={SCHEMA_VERSION - 1}",
                          data=data, content_type="image/png", headers=stating(world))
    assert (response.status_code, response.json["code"]) == (400, "schema_version_mismatch")


def test_the_same_version_written_differently_is_not_a_contradiction(client: FlaskClient, world: World) -> None:
    body = {"device_id": str(world.devices["officer_a1"]), "schema_version": SCHEMA_VERSION,
            "mutations": [a_venue(world)]}
    response = client.post(f"/api/v1/sync/push?schema_version=0{SCHEMA_VERSION}", json=body, headers=stating(world))
    assert response.status_code == 200 and response.json["results"][0]["status"] == "applied"
