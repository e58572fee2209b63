"""The JSON API under /api/v1, one blueprint per resource."""

from __future__ import annotations

from flask import Flask, current_app, request

from server.api import audit, auth, blobs, conflicts, devices, health, people, records, registry, reviews, sync
from server.api.blobs import Sha256Converter, sha256_parameter_schema
from server.api.common import RecordIdConverter, id_parameter_schema
from server.errors import ApiError
from server.extensions import api

BLUEPRINTS = (
    health.blp, auth.blp, people.blp, devices.blp, records.blp, reviews.blp, sync.blp, blobs.blp, conflicts.blp,
    audit.blp, registry.blp,
)
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def init_app(app: Flask) -> None:
    app.url_map.converters["id"] = RecordIdConverter
    app.url_map.converters["sha256"] = Sha256Converter
    api.register_converter(RecordIdConverter, id_parameter_schema)
    api.register_converter(Sha256Converter, sha256_parameter_schema)
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    app.before_request(check_body)


def check_body() -> None:
    """A body sent to the API fits the size limit and is JSON, unless the endpoint takes raw bytes."""
    if request.method not in BODY_METHODS or not request.path.startswith("/api/") or request.routing_exception:
        return
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if limit and request.content_length and request.content_length > limit:
        raise ApiError(413, "payload_too_large", f"The body is larger than the {limit} bytes allowed.")
    if not request.content_length and not request.headers.get("Transfer-Encoding"):
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "raw_body", False) or request.is_json:
        return
    raise ApiError(
        415,
        "unsupported_media_type",
        "Send the body as JSON with 'Content-Type: application/json'.",
    )
