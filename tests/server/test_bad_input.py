"""Bad input gets the shared error shape, the right status, and writes nothing."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from server.access import public
from server.extensions import db
from server.models import Base, Followup, Inspection, Ledger, Person, Venue
from server.passwords import verify_password
from tests.server.dashboard.conftest import Reviewer
from tests.world import PASSWORD, World


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
    assert set(body) == {"code", "message", "fields", "request_id"}
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
def test_a_weak_password_is_refused_and_the_old_one_still_works(app: Flask, client: FlaskClient,
                                                                world: World) -> None:
    response = client.post(f"/api/v1/people/{world.people['officer_a1']}/password", json={"password": "1234"},
                           headers=world.headers("admin"))
    assert_error(response, 422, "weak_password")
    assert list(response.json["fields"]) == ["password"]
    with app.app_context():
        assert verify_password(db.session.get(Person, world.people["officer_a1"]).password_hash, PASSWORD)


@pytest.mark.usefixtures("unchanged")
def test_a_new_person_with_a_common_password_is_refused(client: FlaskClient, world: World) -> None:
    response = client.post("/api/v1/people", json={"username": "officer_new", "display_name": "New",
                                                  "role": "admin", "password": "11111111"},
                           headers=world.headers("admin"))
    assert_error(response, 422, "weak_password")


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


def push_json(client: FlaskClient, world: World, text: str) -> Any:
    return client.post("/api/v1/sync/push", data=text, content_type="application/json",
                       headers={**world.headers("officer_a1"), "X-Beatlog-Schema": "2"})


@pytest.mark.usefixtures("unchanged")
def test_json_nested_a_hundred_thousand_deep_is_a_400(client: FlaskClient, world: World) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    assert_error(push_json(client, world, '{"mutations": ' + deep + "}"), 400, "invalid_json", {})
    response = client.post("/api/v1/auth/login", data=deep, content_type="application/json")
    assert_error(response, 400, "invalid_json", {})


@pytest.mark.usefixtures("unchanged")
def test_a_lone_surrogate_in_a_name_is_a_400(client: FlaskClient, world: World) -> None:
    text = json.dumps(push_body(world)).replace('"name": "x"', '"name": "\\ud800"')
    assert "\\ud800" in text
    assert_error(push_json(client, world, text), 400, "invalid_json", {})
    response = client.post("/api/v1/auth/login", data=json.dumps(login_body()).replace('"x"', '"\\udfff"'),
                           content_type="application/json")
    assert_error(response, 400, "invalid_json", {})


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_or_infinity_in_a_body_is_a_400_not_a_number_kept_as_null(
    client: FlaskClient, world: World, constant: str
) -> None:
    body = push_body(world)
    body["mutations"][0]["data"]["location"] = {"lat": 1.5, "lon": 2.5}
    text = json.dumps(body).replace('"lat": 1.5', f'"lat": {constant}')
    assert constant in text
    assert_error(push_json(client, world, text), 400, "invalid_json", {})


def records_snapshot(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
                for model in (Venue, Inspection, Followup)}


def pushed_inspection(client: FlaskClient, world: World, **changes: Any) -> dict[str, Any]:
    data = {"venue_id": str(world.venues["A1"]), "officer_id": str(world.people["officer_a1"]),
            "inspected_at": "2026-06-15T10:00:00+08:00", **changes}
    body = push_body(world)
    body["mutations"][0].update(type="inspection", data=data)
    response = client.post("/api/v1/sync/push", json=body, headers=world.headers("officer_a1"))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["results"][0]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"template_version": 2**70}, "template_version"),
        ({"inspected_at": "0001-01-01T00:00:00+14:00"}, "inspected_at"),
        ({"inspected_at": "9999-12-31T23:59:59-14:00"}, "inspected_at"),
    ],
)
def test_an_out_of_range_number_or_time_is_a_rejected_field(
    app: Flask, client: FlaskClient, world: World, changes: dict[str, Any], field: str
) -> None:
    before = records_snapshot(app)
    result = pushed_inspection(client, world, **changes)
    assert (result["status"], result["code"]) == ("rejected", "invalid")
    assert list(result["errors"]) == [field]
    assert records_snapshot(app) == before


@pytest.mark.parametrize("record_type", ["room", "checklist_template", "person"])
def test_a_push_naming_a_read_only_type_is_rejected_as_read_only(
    app: Flask, client: FlaskClient, world: World, record_type: str
) -> None:
    before = records_snapshot(app)
    body = push_body(world)
    body["mutations"][0].update(type=record_type, data={"name": "mine now"})
    response = client.post("/api/v1/sync/push", json=body, headers=world.headers("officer_a1"))
    assert response.status_code == 200, response.get_data(as_text=True)
    result = response.json["results"][0]
    assert (result["status"], result["code"]) == ("rejected", "read_only_type")
    assert records_snapshot(app) == before


PAGINATED = ["/api/v1/stations", "/api/v1/rooms", "/api/v1/venues", "/api/v1/checklist-templates",
             "/api/v1/inspections", "/api/v1/followups", "/api/v1/work-orders", "/api/v1/work-order-events",
             "/api/v1/vehicles", "/api/v1/rental-houses", "/api/v1/occupants", "/api/v1/residence-permits",
             "/api/v1/schedule-rules", "/api/v1/assignments", "/api/v1/notices",
             "/api/v1/people", "/api/v1/devices",
             "/api/v1/conflicts", "/api/v1/audit"]


def test_every_paginated_list_is_named_here(app: Flask) -> None:
    paginated = {rule.rule for rule in app.url_map.iter_rules()
                 if "pagination" in getattr(app.view_functions[rule.endpoint], "_apidoc", {})}
    assert paginated == set(PAGINATED)


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("path", PAGINATED)
def test_a_page_number_beyond_any_list_is_a_422(client: FlaskClient, world: World, path: str) -> None:
    response = client.get(f"{path}?page={10**20}", headers=world.headers("admin"))
    assert_error(response, 422, "validation_failed")
    assert list(response.json["fields"]) == ["page"]


@pytest.mark.usefixtures("unchanged")
def test_a_chunked_push_over_the_size_limit_is_a_413(app: Flask, client: FlaskClient, world: World) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 4096
    body = push_body(world)
    body["mutations"] *= 30
    response = client.post("/api/v1/sync/push", input_stream=io.BytesIO(json.dumps(body).encode()),
                           content_type="application/json",
                           headers={**world.headers("officer_a1"), "X-Beatlog-Schema": "2",
                                    "Transfer-Encoding": "chunked"},
                           environ_overrides={"wsgi.input_terminated": True})
    assert_error(response, 413, "payload_too_large")


@pytest.mark.parametrize("entry", ["------------------------------------:1", "not-a-log:1",
                                   "00000000-0000-0000-0000-000000000000:99999999999999999999"])
def test_a_malformed_log_in_bulk_approval_sends_the_chief_back_to_the_inbox(
    client: FlaskClient, world: World, entry: str
) -> None:
    chief = Reviewer(client)
    chief.sign_in("chief_a")
    chief.get("/dashboard/inbox")
    before = snapshot(client.application)
    response = chief.post("/dashboard/inbox/approve", {"logs": [entry], "back": "/dashboard/inbox"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard/inbox")
    assert snapshot(client.application) == before


@pytest.mark.usefixtures("unchanged")
def test_a_nul_character_in_a_query_a_form_or_json_is_a_400(client: FlaskClient, world: World) -> None:
    response = client.get("/api/v1/audit?action=create%00", headers=world.headers("admin"))
    assert_error(response, 400, "invalid_text", {"action": ["Text holds a NUL character."]})
    browser = Reviewer(client)
    browser.get("/dashboard/login")
    response = browser.post("/dashboard/login", {"username": "admin\x00", "password": "x"})
    assert response.status_code == 400
    text = json.dumps(push_body(world)).replace('"name": "x"', '"name": "x\\u0000"')
    assert_error(push_json(client, world, text), 400, "invalid_json", {})
