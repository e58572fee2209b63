"""Pieces every API module uses: the record-id converter, paging, and scoped look-ups."""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask import Response, request
from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters
from marshmallow import ValidationError
from sqlalchemy import Select, func, select
from werkzeug.routing import BaseConverter

from server.access import current_scope
from server.errors import ApiError
from server.extensions import db
from sync.compiled import CompiledSchema

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


class RecordIdConverter(BaseConverter):
    """``<id:name>`` in a route: a UUID, or a clear 400 instead of a bare 404."""

    regex = r"[^/]+"

    def to_python(self, value: str) -> uuid.UUID:
        try:
            return uuid.UUID(value)
        except ValueError:
            raise ApiError(
                400, "invalid_id", f"{value!r} is not a valid id (a UUID).", {"id": ["Not a valid UUID."]}
            ) from None

    def to_url(self, value: Any) -> str:
        return str(value)


def id_parameter_schema(_converter: BaseConverter) -> dict[str, str]:
    return {"type": "string", "format": "uuid"}


def api_blueprint(name: str, description: str) -> Blueprint:
    return Blueprint(name, __name__, url_prefix="/api/v1", description=description)


def page(statement: Select, pagination: PaginationParameters) -> list[Any]:
    """One page of ``statement``'s rows, telling the pager how many rows there are in all."""
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    pagination.item_count = total
    return list(
        db.session.scalars(statement.limit(pagination.page_size).offset(pagination.first_item))
    )


def load_json_body(schema: CompiledSchema) -> dict[str, Any]:
    """Parse and validate the JSON body with a compiled schema (for the hot sync path).

    Errors come out exactly as ``@blp.arguments`` gives them.
    """
    try:
        body = json.loads(request.get_data())
    except ValueError:
        raise ApiError(400, "invalid_json", "The request body is not valid JSON.") from None
    try:
        return schema.load(body)
    except ValidationError as error:
        raise ApiError(422, "validation_failed", "Some fields are invalid.", error.normalized_messages()) from None


def json_response(document: Any) -> Response:
    return Response(json.dumps(document, ensure_ascii=False, separators=(",", ":"), default=str),
                    mimetype="application/json")


def in_scope(model: type, record_id: uuid.UUID) -> Any:
    return current_scope().get(db.session, model, record_id)


def scoped(model: type) -> Select:
    return current_scope().select(model)
