"""The OpenAPI document is generated from the same schemas the endpoints validate with."""

from __future__ import annotations

from flask.testing import FlaskClient


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
    assert set(error["properties"]) == {"code", "message", "fields"}
