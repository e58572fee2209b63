"""Push and pull answers, as the server really sends them, loaded with their declared schemas.

Push and pull build their JSON by hand (for speed), so ``PushResponse`` and ``PullResponse``
(``sync/messages.py``) would only document them; independent clients are built from those
schemas' OpenAPI and from docs/protocol.md. Here every answer of a varied sync session is
loaded strictly (an unknown key is an error, a key the schema requires must be there), and
each record's data with its record type's wire schema.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from marshmallow import Schema, ValidationError

from server.extensions import db
from server.operations.catalog import edit_venue
from sync.messages import MutationResult, PullResponse, PushResponse
from sync.protocol import RESULT_STATUSES, SCHEMA_VERSION
from sync.records import RECORD_TYPES
from tests.phone import PULL, PUSH, DeviceFactory, Phone, mutation
from tests.world import World

ENVELOPE = ("id", "version", "updated_at", "updated_by", "deleted")


def venue(world: World, room: str = "A1", **changes: Any) -> dict[str, Any]:
    return {"room_id": str(world.rooms[room]), "name": "月河宾馆", "kind": "hotel", "address": "中山东路1号", **changes}


def raw_push(client: FlaskClient, world: World, username: str, *mutations: dict[str, Any]) -> Any:
    """A push the handheld would not send (an invalid record, or nothing at all): the whole answer."""
    body = {"device_id": str(world.devices[username]), "schema_version": SCHEMA_VERSION, "mutations": list(mutations)}
    response = client.post(PUSH, json=body, headers=world.headers(username))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def answers(phones: list[Phone], path: str) -> list[Any]:
    return [answer for phone in phones for answer in phone.transport.answers(path)]


def a_sync_session(app: Flask, client: FlaskClient, device: DeviceFactory, world: World) -> tuple[list, list]:
    """Pushes with every status and pull pages of every kind; the push and the pull answers."""
    first, second = device("officer_a1"), device("officer_a1b")
    second_venue = first.create("venue", venue(world, name="禾兴网吧", kind="internet_cafe"))
    first.sync()
    second.pull(limit=2)
    a1 = str(world.venues["A1"])
    first.edit("venue", a1, name="月河宾馆（新）")
    first.edit("venue", second_venue, name="禾兴网咖")
    first.sync()
    second.edit("venue", a1, notes="夜间营业")
    second.edit("venue", second_venue, name="禾兴网络会所")
    second.create("venue", venue(world, "B1"))
    second.push()
    first.create("venue", venue(world, name="丢了回答的宾馆"))
    first.push(lose_answer=True)
    first.push()
    first.delete("venue", second_venue)
    first.sync()
    second.edit("venue", second_venue, notes="还在营业")
    second.push()
    invalid = mutation("venue", "create", venue(world, kind="spaceport"))
    raw = [raw_push(client, world, "officer_a1", invalid), raw_push(client, world, "officer_a1", invalid),
           raw_push(client, world, "officer_a1")]
    with app.app_context():
        edit_venue(db.session, world.venues["A1"], {"room_id": str(world.rooms["A2"])}, actor_id=world.people["admin"])
        db.session.commit()
    second.pull(limit=2)
    second.pull()
    return answers([first, second], PUSH) + raw, answers([first, second], PULL)


def loaded(schema: type[Schema], body: Any) -> dict[str, Any]:
    try:
        return schema().load(body)
    except ValidationError as error:
        raise AssertionError(f"{schema.__name__} does not describe {body}: {error.messages}") from None


def check_record(change: dict[str, Any]) -> None:
    if change.get("left_scope"):
        assert change["data"] is None, change
        return
    record = {**{name: change[name] for name in ENVELOPE}, **change["data"]}
    loaded(RECORD_TYPES[change["type"]].record_schema, record)


@pytest.fixture
def session_answers(app: Flask, client: FlaskClient, device: DeviceFactory, world: World) -> tuple[list, list]:
    return a_sync_session(app, client, device, world)


def test_every_push_answer_is_what_push_response_says(session_answers: tuple[list, list]) -> None:
    pushes, _ = session_answers
    results = [result for body in pushes for result in loaded(PushResponse, body)["results"]]
    assert {result["status"] for result in results} == set(RESULT_STATUSES)
    assert {result["first_status"] for result in results if "first_status" in result} == {"applied", "rejected"}
    assert {result["reason"] for result in results if "reason" in result} >= {"field_conflict", "deleted"}
    assert any(body["results"] == [] for body in pushes), "the no-op push"


def test_every_pull_page_is_what_pull_response_says_and_every_record_its_wire_schema(
    session_answers: tuple[list, list]
) -> None:
    _, pages = session_answers
    for page in pages:
        loaded(PullResponse, page)
        for change in page["changes"]:
            check_record(change)
    assert any(page["reset"] and page["has_more"] for page in pages), "a first page of several"
    assert any(page["has_more"] and not page["reset"] for page in pages), "a middle page"
    changes = [change for page in pages for change in page["changes"]]
    assert any(change.get("left_scope") for change in changes), "a left_scope tombstone"
    assert any(change["deleted"] and not change.get("left_scope") for change in changes), "a deleted record"
    assert any(page["changes"] == [] and not page["has_more"] for page in pages), "the no-op pull"


@pytest.mark.parametrize("body", [
    {"results": [], "server_time": "2026-06-15T02:00:00+00:00", "stats": {}},
    {"results": []},
    {"results": [{"mutation_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "status": "applied"}],
     "server_time": "2026-06-15T02:00:00+00:00"},
], ids=["an unknown key", "no server time", "a result without its record"])
def test_the_push_response_schema_is_strict(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        PushResponse().load(body)


def test_a_result_status_or_reason_outside_the_protocol_is_refused() -> None:
    result = {"mutation_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "id": "7c9e6679-7425-40de-944b-e07fc1f90ae8",
              "version": 2, "conflict_id": None}
    with pytest.raises(ValidationError):
        MutationResult().load({**result, "status": "accepted"})
    with pytest.raises(ValidationError):
        MutationResult().load({**result, "status": "conflict", "reason": "because"})


def test_the_pull_response_schema_is_strict() -> None:
    page = {"changes": [], "cursor": "c", "has_more": False, "reset": False, "server_time": "2026-06-15T02:00:00+00:00"}
    loaded(PullResponse, page)
    for name in page:
        with pytest.raises(ValidationError):
            PullResponse().load({key: value for key, value in page.items() if key != name})
    change = {"type": "venue", "id": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "version": 1, "deleted": False,
              "updated_at": "2026-06-15T02:00:00+00:00", "updated_by": None, "data": {}}
    for wrong in ({**change, "type": "spaceship"}, {**change, "colour": "red"}, {**change, "left_scope": False}):
        with pytest.raises(ValidationError):
            PullResponse().load({**page, "changes": [wrong]})
