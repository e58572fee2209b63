"""Pieces every API module uses: the blueprint, the record-id converter, paging, and scoped look-ups."""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Callable
from typing import Any

from flask import Response, request
from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import Select, func, select
from webargs.core import missing
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.routing import BaseConverter

from server.access import current_scope
from server.bodies import request_json
from server.errors import ApiError
from server.extensions import db
from sync.compiled import CompiledSchema

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
MAX_PAGE = 1_000_000
"""No list is that long; a bigger page number would overflow the database's OFFSET."""


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


@functools.cache
def bounded_pages(schema: type[Schema]) -> type[Schema]:
    """flask-smorest's paging arguments with an upper bound on the page number."""
    page_field = schema._declared_fields["page"]
    bounded = fields.Integer(load_default=page_field.load_default, validate=validate.Range(1, MAX_PAGE))
    return type(schema.__name__, (schema,), {"page": bounded})


class Parser(FlaskParser):
    """webargs' parser, reading JSON bodies with the server's one JSON parser."""

    def _raw_load_json(self, req: Any) -> Any:
        return request_json(req) if is_json_request(req) else missing


class PageParser(Parser):
    """The parser of flask-smorest's paging arguments: the page number has an upper bound."""

    def parse(self, argmap: Any, req: Any = None, **kwargs: Any) -> Any:
        return super().parse(bounded_pages(argmap), req, **kwargs)


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = Parser()
    PAGINATION_ARGUMENTS_PARSER = PageParser()

    def paginate(self, *args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Paging as flask-smorest does it, documenting the bound on the page number."""
        decorator = super().paginate(*args, **kwargs)

        def paginated(view: Callable[..., Any]) -> Callable[..., Any]:
            wrapper = decorator(view)
            parameters = wrapper._apidoc["pagination"]["parameters"]
            parameters["schema"] = bounded_pages(parameters["schema"])
            return wrapper

        return paginated


def api_blueprint(name: str, description: str) -> ApiBlueprint:
    return ApiBlueprint(name, __name__, url_prefix="/api/v1", description=description)


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
        body = request_json(request)
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
    return current_scope().get(db.session(), model, record_id)


def scoped(model: type) -> Select:
    return current_scope().select(model)
