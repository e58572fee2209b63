"""One JSON error shape for every failure: ``{code, message, fields, request_id}``.

``code`` is a stable machine code the handheld and the dashboard act on; ``message`` is for
people; ``fields`` maps each offending field to its messages (empty when no field is to
blame); ``request_id`` names the request in the server's log (``server/requestlog.py``).
Operations' refusals (``server.refusals.Refused``, which know nothing of HTTP) get the status
their kind stands for here; HTTP errors raised by the HTTP layer itself (access, body
parsing, routing), validation errors and database errors leave through here too, and a
database error always rolls the request's transaction back first.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from flask import Flask, current_app, jsonify
from flask.typing import ResponseReturnValue
from flask_smorest import Api
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from server import requestlog
from server.blobstore import BlobCorrupt, BlobMissing
from server.refusals import Kind, Refused
from sync.protocol import SCHEMA_VERSION

log = logging.getLogger(__name__)

Fields = Mapping[str, Any]


class ApiError(HTTPException):
    """An error the HTTP layer raises on purpose, with its machine code; operations raise ``Refused``."""

    def __init__(
        self,
        status: int,
        error_code: str,
        message: str,
        fields: Fields | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(description=message)
        self.code = status
        self.error_code = error_code
        self.message = message
        self.fields = dict(fields or {})
        self.extra_headers = dict(headers or {})
        self.extra = dict(extra or {})
        """More for the client beside the shape's three keys, e.g. the current state after a 409."""


class ErrorSchema(ma.Schema):
    code = ma.fields.Str(required=True, metadata={"description": "Stable machine code"})
    message = ma.fields.Str(required=True, metadata={"description": "What went wrong, for people"})
    field_messages = ma.fields.Dict(
        attribute="fields",
        data_key="fields",
        keys=ma.fields.Str(),
        metadata={"description": "Messages per offending field"},
    )
    request_id = ma.fields.Str(
        required=True, metadata={"description": "The request's id, as in the X-Request-Id header and the server's log"}
    )


class StaleErrorSchema(ErrorSchema):
    """A 409 that also says how things stand now, so the client can show it and decide again."""

    current = ma.fields.Dict(required=True, metadata={"description": "The state as it is now"})


class StaleReviewErrorSchema(StaleErrorSchema):
    current_version = ma.fields.Int(required=True, metadata={"description": "The log's version now"})


STATUS_CODES = {
    400: "bad_request",
    401: "auth_required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    426: "upgrade_required",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


STATUS_OF_KIND = {
    Kind.MALFORMED: 400,
    Kind.UNAUTHENTICATED: 401,
    Kind.FORBIDDEN: 403,
    Kind.NOT_FOUND: 404,
    Kind.CONFLICT: 409,
    Kind.TOO_LARGE: 413,
    Kind.UNSUPPORTED: 415,
    Kind.INVALID: 422,
    Kind.OUTDATED: 426,
    Kind.TOO_MANY: 429,
}


def refusal_headers(refusal: Refused) -> dict[str, str]:
    """What HTTP says beside the body: when to retry, which protocol to upgrade to."""
    headers = {}
    if refusal.retry_after is not None:
        headers["Retry-After"] = str(refusal.retry_after)
    if refusal.kind is Kind.OUTDATED:
        headers["Upgrade"] = f"beatlog-sync/{SCHEMA_VERSION}"
    return headers


def handle_refusal(refusal: Refused) -> ResponseReturnValue:
    return error_response(STATUS_OF_KIND[refusal.kind], refusal.code, refusal.message, refusal.fields,
                          refusal_headers(refusal), refusal.extra)


def error_response(
    status: int,
    code: str,
    message: str,
    fields: Fields | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> ResponseReturnValue:
    response = jsonify({"code": code, "message": message, "fields": dict(fields or {}),
                        "request_id": requestlog.request_id(), **(extra or {})})
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _flatten_webargs(messages: Mapping[str, Any]) -> dict[str, Any]:
    """webargs groups messages by location (json, query, …); clients want the fields."""
    fields: dict[str, Any] = {}
    for location_messages in messages.values():
        if isinstance(location_messages, Mapping):
            fields.update(location_messages)
        else:
            fields.setdefault("_body", []).extend(location_messages)
    return fields


class BeatlogApi(Api):
    """flask-smorest's Api, answering every error in Beatlog's shape, documenting its views lazily.

    flask-smorest writes a blueprint's OpenAPI paths as it registers it, which is most of an
    app's start-up (a worker's, and each test's); here the views are registered at once and
    written into the spec when it is first read (``/api/v1/openapi.json``, ``flask openapi``).
    """

    ERROR_SCHEMA = ErrorSchema

    @property
    def spec(self) -> Any:
        while self._undocumented:
            blueprint, app, name, parameters = self._undocumented.pop(0)
            blueprint.register_views_in_doc(self, app, self._spec, name=name, parameters=parameters)
            self._spec.tag({"name": name, "description": blueprint.description})
        return self._spec

    @spec.setter
    def spec(self, spec: Any) -> None:
        self._spec = spec
        self._undocumented: list[tuple[Any, Flask, str, Any]] = []

    def register_blueprint(self, blp: Any, *, parameters: Any = None, **options: Any) -> None:
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._undocumented.append((blp, self._app, name, parameters))

    def _register_error_handlers(self) -> None:
        app: Flask = self._app
        app.register_error_handler(HTTPException, self.handle_http_exception)
        app.register_error_handler(Refused, handle_refusal)
        app.register_error_handler(SQLAlchemyError, handle_database_error)
        app.register_error_handler(BlobMissing, handle_lost_blob)
        app.register_error_handler(BlobCorrupt, handle_lost_blob)

    def handle_http_exception(self, error: HTTPException) -> ResponseReturnValue:
        status = error.code or 500
        if isinstance(error, ApiError):
            return error_response(
                status, error.error_code, error.message, error.fields, error.extra_headers, error.extra
            )
        if isinstance(error, InternalServerError) and error.original_exception is not None:
            log.error("unhandled error", exc_info=error.original_exception)
            return error_response(500, "internal_error", "Something went wrong on the server.")
        data = getattr(error, "data", None) or {}
        messages = data.get("messages")
        if status == 400 and messages == {"json": ["Invalid JSON body."]}:
            return error_response(400, "invalid_json", "The request body is not valid JSON.")
        if messages:
            return error_response(
                status,
                STATUS_CODES.get(status, "bad_request"),
                "Some fields are invalid.",
                _flatten_webargs(messages),
                data.get("headers"),
            )
        code = STATUS_CODES.get(status, "http_error")
        return error_response(status, code, error.description or error.name)


def handle_lost_blob(error: BlobMissing | BlobCorrupt) -> ResponseReturnValue:
    """The database knows a blob whose file the store lost or that no longer matches its hash.

    The client can do nothing about it; an operator restores the file from a backup
    (``flask --app server blobs check`` lists every such blob).
    """
    log.error("blob unavailable: %s: %s", type(error).__name__, error)
    return error_response(500, "blob_unavailable",
                          "The server cannot read this photo or signature; an administrator must restore it.")


def handle_database_error(error: SQLAlchemyError) -> ResponseReturnValue:
    current_app.extensions["sqlalchemy"].session.rollback()
    if isinstance(error, IntegrityError):
        log.info("integrity error: %s", error.orig)
        return error_response(
            409,
            "integrity_conflict",
            "The change clashes with data already stored (a duplicate or a missing reference).",
        )
    if isinstance(error, OperationalError):
        log.warning("database unavailable: %s", error.orig)
        return error_response(
            503, "database_unavailable", "The database is unavailable; try again shortly.",
            headers={"Retry-After": "5"},
        )
    if current_app.config.get("PROPAGATE_EXCEPTIONS"):
        raise error
    log.error("database error", exc_info=error)
    return error_response(500, "database_error", "The database could not complete the request.")
