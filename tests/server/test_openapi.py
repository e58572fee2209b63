"""The OpenAPI document is generated from the same schemas the endpoints validate with."""

from __future__ import annotations

from typing import Any

import jsonschema_rs
from flask.testing import FlaskClient

from tests.world import World


def test_the_sync_endpoints_are_documented_with_their_messages(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").json
    push = spec["paths"]["/api/v1/sync/push"]["post"]
    assert push["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/PushRequest"}
    assert "PushResponse" in str(push["responses"]["200"])
    pull = spec["paths"]["/api/v1/sync/pull"]["get"]
    assert {parameter["name"] for parameter in pull["parameters"]} >= {"cursor", "limit", "schema_version"}
    mutation = spec["components"]["schemas"]["Mutation"]
    assert mutation["properties"]["op"]["enum"] == ["create", "update", "delete"]
    assert set(spec["components"]["schemas"]["InspectionRecord"]["properties"]) >= {
        "id", "version", "updated_at", "updated_by", "deleted", "checklist", "hazard_level", "status"}
    for path in ("/api/v1/blobs/{sha256}", "/api/v1/conflicts/{conflict_id}/resolve",
                 "/api/v1/inspections/{inspection_id}/review"):
        assert path in spec["paths"]


def test_every_error_shares_one_documented_shape(client: FlaskClient) -> None:
    error = client.get("/api/v1/openapi.json").json["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"code", "message", "fields", "request_id"}
    assert set(error["required"]) == {"code", "message", "request_id"}


def documented_schema(spec: dict[str, Any], path: str, method: str, status: int) -> dict[str, Any]:
    """The JSON schema the document gives for that answer, its references resolved one level deep."""
    responses = spec["paths"][path][method]["responses"]
    response = responses.get(str(status), responses["default"])
    if "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    schema = response["content"]["application/json"]["schema"]
    return spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]] if "$ref" in schema else schema


def test_a_stale_review_and_a_stale_resolution_answer_as_documented(client: FlaskClient, world: World) -> None:
    spec = client.get("/api/v1/openapi.json").json
    review = client.post(f"/api/v1/inspections/{world.inspections['A1']}/review",
                         json={"decision": "approve", "expected_version": 99}, headers=world.headers("chief_a"))
    resolution = client.post(f"/api/v1/conflicts/{world.conflict}/resolve",
                             json={"expected_version": 99, "values": {}}, headers=world.headers("admin"))
    for response, path in ((review, "/api/v1/inspections/{inspection_id}/review"),
                           (resolution, "/api/v1/conflicts/{conflict_id}/resolve")):
        assert response.status_code == 409 and response.json["code"] == "stale"
        assert "current" in response.json
        jsonschema_rs.validate(documented_schema(spec, path, "post", 409), response.json)
