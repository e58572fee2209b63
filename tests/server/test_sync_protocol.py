"""Every sync request states its schema version; old apps are told to upgrade, keeping their data."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from server.extensions import db
from server.models import SyncMutation, Venue
from sync.protocol import MAX_PUSH_MUTATIONS, OLDEST_ACCEPTED_SCHEMA_VERSION, SCHEMA_VERSION
from tests.world import World


def push(client: FlaskClient, world: World, **body: Any) -> Any:
    payload = {"device_id": str(world.devices["officer_a1"]), "schema_version": SCHEMA_VERSION, "mutations": []}
    payload.update(body)
    return client.post("/api/v1/sync/push", json=payload, headers=world.headers("officer_a1"))


def a_venue(world: World) -> dict[str, Any]:
    return {"mutation_id": str(uuid.uuid4()), "type": "venue", "id": str(uuid.uuid4()), "op": "create",
            "data": {"room_id": str(world.rooms["A1"]), "name": "x", "kind": "shop", "address": "y"}}


def test_an_app_older_than_the_oldest_accepted_version_is_told_to_upgrade_and_nothing_is_written(
    app: Flask, client: FlaskClient, world: World
) -> None:
    too_old = OLDEST_ACCEPTED_SCHEMA_VERSION - 1
    response = push(client, world, schema_version=too_old, mutations=[{"shape": "of an old app"}])
    assert response.status_code == 426
    assert response.json["code"] == "upgrade_required" and "Update the app" in response.json["message"]
    pulled = client.get(f"/api/v1/sync/pull?schema_version={too_old}", headers=world.headers("officer_a1"))
    assert pulled.status_code == 426
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SyncMutation)) == 0


@pytest.mark.parametrize("version", range(OLDEST_ACCEPTED_SCHEMA_VERSION, SCHEMA_VERSION + 1))
def test_every_version_from_the_oldest_accepted_to_the_current_is_accepted(
        client: FlaskClient, world: World, version: int) -> None:
    response = push(client, world, schema_version=version, mutations=[a_venue(world)])
    assert response.status_code == 200 and response.json["results"][0]["status"] == "applied"


def test_a_missing_or_newer_version_is_a_400(client: FlaskClient, world: World) -> None:
    response = client.get("/api/v1/sync/pull", headers=world.headers("officer_a1"))
    assert (response.status_code, response.json["code"]) == (400, "schema_version_required")
    response = push(client, world, schema_version=SCHEMA_VERSION + 1)
    assert (response.status_code, response.json["code"]) == (400, "schema_version_unsupported")


def test_the_version_may_travel_in_a_header(client: FlaskClient, world: World) -> None:
    headers = {**world.headers("officer_a1"), "X-Beatlog-Schema": str(SCHEMA_VERSION)}
    assert client.get("/api/v1/sync/pull", headers=headers).status_code == 200


def test_a_push_from_another_devices_token_is_refused(client: FlaskClient, world: World) -> None:
    response = push(client, world, device_id=str(world.devices["officer_a1b"]), mutations=[a_venue(world)])
    assert (response.status_code, response.json["code"]) == (403, "device_mismatch")


def test_a_malformed_mutation_envelope_refuses_the_whole_batch(app: Flask, client: FlaskClient, world: World) -> None:
    broken = {**a_venue(world), "op": "upsert", "id": "v-1"}
    response = push(client, world, mutations=[a_venue(world), broken])
    assert response.status_code == 422
    assert set(response.json["fields"]["mutations"]["1"]) == {"op", "id"}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Venue)) == 3


def test_a_batch_over_the_limit_is_refused(client: FlaskClient, world: World) -> None:
    response = push(client, world, mutations=[a_venue(world)] * (MAX_PUSH_MUTATIONS + 1))
    assert response.status_code == 422 and "mutations" in response.json["fields"]


def test_an_empty_push_is_a_cheap_no_op(client: FlaskClient, world: World) -> None:
    response = push(client, world)
    assert response.status_code == 200 and response.json["results"] == []


def test_null_means_absent_for_a_creates_base_and_base_version_and_a_deletes_data(
    client: FlaskClient, world: World
) -> None:
    create = {**a_venue(world), "base": None, "base_version": None}
    delete = {"mutation_id": str(uuid.uuid4()), "type": "venue", "id": create["id"], "op": "delete",
              "base_version": 1, "data": None, "base": None}
    response = push(client, world, mutations=[create, delete])
    assert response.status_code == 200, response.json
    assert [(r["status"], r["version"]) for r in response.json["results"]] == [("applied", 1), ("applied", 2)]
    replayed = push(client, world, mutations=[{**create, "base": {}}, {**delete, "data": {}}])
    assert [r["status"] for r in replayed.json["results"]] == ["duplicate", "duplicate"]
