"""Bad input gets the shared error shape, the right status, and writes nothing."""

from __future__ import annotations

import uuid
from typing import Any, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from server.access import public
from server.extensions import db
from server.models import Base, Ledger
from tests.world import World


def snapshot(app: Flask) -> dict[str, Any]:
    with app.app_context():
        counts = {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}
        ledger = db.session.get(Ledger, 1)
        return {**counts, "ledger": (ledger.seq, ledger.audit_count, ledger.audit_head)}


@pytest.fixture
def unchanged(app: Flask, world: World) -> Iterator[None]:
    """Asserts, after the test, that no table and no ledger value changed."""
    before = snapshot(app)
    yield
    assert snapshot(app) == before


def assert_error(response: Any, status: int, code: str, fields: dict[str, Any] | None = None) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    body = response.json
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == code and body["message"]
    if fields is not None:
        assert body["fields"] == fields


def login_body(**changes: Any) -> dict[str, Any]:
    body = {"username": "officer_a1", "password": "x", "device_id": str(uuid.uuid4()), "device_name": "t"}
    body.update(changes)
    return body


@pytest.mark.usefixtures("unchanged")
def test_malformed_json_is_a_400(client: FlaskClient, world: World) -> None:
    for path, method in (("/api/v1/auth/login", "POST"), (f"/api/v1/people/{world.people['admin']}", "PATCH")):
        response = client.open(path, method=method, data="{not json", content_type="application/json",
                               headers=world.headers("admin"))
        assert_error(response, 400, "invalid_json", {})


@pytest.mark.usefixtures("unchanged")
def test_wrong_types_name_each_offending_field(client: FlaskClient) -> None:
    response = client.post("/api/v1/auth/login", json=login_body(username=123, device_id="abc", schema_version="one"))
    assert_error(response, 422, "validation_failed")
    assert set(response.json["fields"]) == {"username", "device_id", "schema_version"}
    assert response.json["fields"]["device_id"] == ["Not a valid UUID."]


@pytest.mark.usefixtures("unchanged")
def test_missing_fields_are_named(client: FlaskClient) -> None:
    response = client.post("/api/v1/auth/login", json={})
    assert_error(response, 422, "validation_failed")
    assert set(response.json["fields"]) == {"username", "password", "device_id", "device_name"}


@pytest.mark.usefixtures("unchanged")
def test_unknown_fields_are_refused_not_ignored(client: FlaskClient, world: World) -> None:
    response = client.post("/api/v1/auth/login", json=login_body(role="admin"))
    assert_error(response, 422, "validation_failed", {"role": ["Unknown field."]})
    response = client.patch(f"/api/v1/people/{world.people['officer_a1']}", json={"password_hash": "x"},
                            headers=world.headers("admin"))
    assert_error(response, 422, "validation_failed", {"password_hash": ["Unknown field."]})


@pytest.mark.usefixtures("unchanged")
def test_an_oversized_body_is_a_413(app: Flask, client: FlaskClient) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 2048
    response = client.post("/api/v1/auth/login", json=login_body(device_name="x" * 4096))
    assert_error(response, 413, "payload_too_large")


@pytest.mark.usefixtures("unchanged")
def test_a_body_that_is_not_json_is_a_415(client: FlaskClient, world: World) -> None:
    response = client.post("/api/v1/auth/login", data="username=officer_a1&password=x")
    assert_error(response, 415, "unsupported_media_type")


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("path", ["/api/v1/venues/42", "/api/v1/people/not-a-uuid/devices", "/api/v1/rooms/%20"])
def test_an_id_that_is_not_a_uuid_is_a_400(client: FlaskClient, world: World, path: str) -> None:
    assert_error(client.get(path, headers=world.headers("admin")), 400, "invalid_id", {"id": ["Not a valid UUID."]})


@pytest.mark.usefixtures("unchanged")
def test_a_bad_filter_value_is_a_422(client: FlaskClient, world: World) -> None:
    response = client.get("/api/v1/venues?kind=spaceship", headers=world.headers("officer_a1"))
    assert_error(response, 422, "validation_failed")
    assert list(response.json["fields"]) == ["kind"]


@pytest.mark.usefixtures("unchanged")
def test_unknown_paths_and_methods_answer_in_the_same_shape(client: FlaskClient, world: World) -> None:
    assert_error(client.get("/api/v1/nothing-here"), 404, "not_found")
    assert_error(client.delete("/api/v1/venues", headers=world.headers("admin")), 405, "method_not_allowed")


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"role": "officer", "room_id": None}, "room_id"),
        ({"role": "chief", "station_id": None}, "station_id"),
        ({"room_id": "00000000-0000-0000-0000-000000000000"}, "room_id"),
        ({"star_level": 9}, "star_level"),
        ({"role": "sheriff"}, "role"),
    ],
)
def test_a_person_cannot_be_placed_where_their_role_does_not_fit(
    client: FlaskClient, world: World, changes: dict[str, Any], field: str
) -> None:
    response = client.patch(f"/api/v1/people/{world.people['officer_a1']}", json=changes,
                            headers=world.headers("admin"))
    assert_error(response, 422, "validation_failed")
    assert field in response.json["fields"]


@pytest.mark.usefixtures("unchanged")
def test_a_taken_username_is_a_409(client: FlaskClient, world: World) -> None:
    response = client.post("/api/v1/people", json={"username": "officer_a1", "display_name": "Again",
                                                  "role": "admin", "password": "long-enough"},
                           headers=world.headers("admin"))
    assert_error(response, 409, "username_taken", {"username": ["Taken."]})


@pytest.mark.usefixtures("unchanged")
def test_a_too_short_password_is_refused(client: FlaskClient, world: World) -> None:
    response = client.post(f"/api/v1/people/{world.people['officer_a1']}/password", json={"password": "abc"},
                           headers=world.headers("admin"))
    assert_error(response, 422, "validation_failed")
    assert list(response.json["fields"]) == ["password"]


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (IntegrityError("INSERT", {}, Exception("duplicate key")), 409, "integrity_conflict"),
        (OperationalError("SELECT", {}, Exception("server closed the connection")), 503, "database_unavailable"),
    ],
)
def test_database_errors_answer_in_the_same_shape(app: Flask, error: Exception, status: int, code: str) -> None:
    @public
    def failing_view() -> None:
        raise error

    app.add_url_rule("/api/v1/test-failure", "test_failure", failing_view)
    assert_error(app.test_client().get("/api/v1/test-failure"), status, code, {})


def test_a_person_change_that_partly_fails_writes_nothing(app: Flask, client: FlaskClient, world: World) -> None:
    before = snapshot(app)
    response = client.patch(f"/api/v1/people/{world.people['officer_a1']}",
                            json={"display_name": "Renamed", "room_id": str(uuid.uuid4())},
                            headers=world.headers("admin"))
    assert response.status_code == 422
    assert snapshot(app) == before
    person = client.get(f"/api/v1/people/{world.people['officer_a1']}", headers=world.headers("admin")).json
    assert person["display_name"] == "Officer A1"


def push_body(world: World, **changes: Any) -> dict[str, Any]:
    mutation = {"mutation_id": str(uuid.uuid4()), "type": "venue", "id": str(uuid.uuid4()), "op": "create",
                "data": {"room_id": str(world.rooms["A1"]), "name": "x", "kind": "shop", "address": "y"}}
    body = {"device_id": str(world.devices["officer_a1"]), "schema_version": 2, "mutations": [mutation]}
    body.update(changes)
    return body


@pytest.mark.usefixtures("unchanged")
def test_a_push_that_is_not_json_is_a_400(client: FlaskClient, world: World) -> None:
    response = client.post("/api/v1/sync/push", data='{"mutations": [', content_type="application/json",
                           headers={**world.headers("officer_a1"), "X-Beatlog-Schema": "2"})
    assert_error(response, 400, "invalid_json", {})


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"device_id": "phone-1"}, "device_id"),
        ({"mutations": "all of them"}, "mutations"),
        ({"mutations": [{"mutation_id": "m-1", "type": "venue", "id": "v-1", "op": "create"}]}, "mutations"),
        ({"extra": True}, "extra"),
    ],
)
def test_a_push_with_a_malformed_envelope_writes_nothing(
    client: FlaskClient, world: World, changes: dict[str, Any], field: str
) -> None:
    response = client.post("/api/v1/sync/push", json=push_body(world, **changes), headers=world.headers("officer_a1"))
    assert_error(response, 422, "validation_failed")
    assert field in response.json["fields"]


@pytest.mark.usefixtures("unchanged")
def test_an_oversized_push_is_a_413(app: Flask, client: FlaskClient, world: World) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 4096
    body = push_body(world)
    body["mutations"] *= 30
    response = client.post("/api/v1/sync/push", json=body, headers=world.headers("officer_a1"))
    assert_error(response, 413, "payload_too_large")


@pytest.mark.usefixtures("unchanged")
def test_a_pull_with_a_bad_limit_is_a_422(client: FlaskClient, world: World) -> None:
    response = client.get("/api/v1/sync/pull?schema_version=2&limit=0", headers=world.headers("officer_a1"))
    assert_error(response, 422, "validation_failed")
    assert list(response.json["fields"]) == ["limit"]
