"""What a push costs per record stays flat: no per-record work that a batch can do once.

These count calls, never time, so they hold on any machine; each guards a cost the push
profile (``bench/push_profile.py``) once showed to dominate.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import marshmallow
import pytest
from flask.testing import FlaskClient

from server import bodies
from sync.protocol import SCHEMA_VERSION
from tests.phone import PUSH, hostile_push, mutation
from tests.world import World

RECORDS = 20


def inspections(world: World, count: int) -> list[dict[str, Any]]:
    return [mutation("inspection", "create", {
        "venue_id": str(world.venues["A1"]), "officer_id": str(world.people["officer_a1"]),
        "inspected_at": f"2026-11-27T09:{minute:02d}:00+08:00", "status": "submitted",
        "checklist": {"register": {"result": "pass", "note": "登记簿齐全"}}}) for minute in range(count)]


@pytest.fixture
def schemas_built(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[type]]:
    """The marshmallow schemas instantiated while the test runs, by class."""
    built: list[type] = []
    original = marshmallow.Schema.__init__

    def counting(self: marshmallow.Schema, *args: Any, **kwargs: Any) -> None:
        built.append(type(self))
        original(self, *args, **kwargs)

    monkeypatch.setattr(marshmallow.Schema, "__init__", counting)
    yield built


def test_a_push_builds_no_marshmallow_schema_per_record(
    client: FlaskClient, world: World, schemas_built: list[type]
) -> None:
    results = hostile_push(client, world, "officer_a1", *inspections(world, RECORDS))
    assert {result["status"] for result in results} == {"applied"}
    assert len(schemas_built) < RECORDS, schemas_built[:5]


def test_a_push_body_is_parsed_once_for_the_version_check_and_the_view(
    client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed: list[int] = []
    original = bodies.parse_json

    def counting(text: str | bytes) -> Any:
        parsed.append(len(text))
        return original(text)

    monkeypatch.setattr(bodies, "parse_json", counting)
    body = {"device_id": str(world.devices["officer_a1"]), "schema_version": SCHEMA_VERSION,
            "mutations": inspections(world, 2)}
    response = client.post(PUSH, data=json.dumps(body), content_type="application/json",
                           headers=world.headers("officer_a1"))
    assert {result["status"] for result in json.loads(response.data)["results"]} == {"applied"}
    assert len(parsed) == 1
