"""The conflict queue, for admins: list, inspect, and resolve field by field."""

from __future__ import annotations

import uuid
from typing import Any

from flask_smorest.pagination import PaginationParameters
from sqlalchemy import select

from server.access import allow, current_device, current_person
from server.api.common import MAX_PAGE_SIZE, PAGE_SIZE, api_blueprint, page
from server.api.schemas import ConflictQuery, ConflictSchema, ResolveRequest
from server.errors import ApiError, StaleErrorSchema
from server.extensions import db
from server.models import SyncConflict
from server.operations.conflicts import resolve_conflict

blp = api_blueprint("conflicts", "Sync conflicts: base, server and device values side by side.")


@blp.route("/conflicts")
@allow("admin")
@blp.arguments(ConflictQuery, location="query")
@blp.response(200, ConflictSchema(many=True))
@blp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_conflicts(filters: dict[str, Any], pagination_parameters: PaginationParameters) -> list[SyncConflict]:
    """Oldest first, so the queue is worked in the order it filled."""
    status = filters.pop("status")
    statement = select(SyncConflict).filter_by(**filters).order_by(SyncConflict.created_at, SyncConflict.id)
    if status != "all":
        statement = statement.where(SyncConflict.status == status)
    return page(statement, pagination_parameters)


@blp.route("/conflicts/<id:conflict_id>")
@allow("admin")
@blp.response(200, ConflictSchema)
def get_conflict(conflict_id: uuid.UUID) -> SyncConflict:
    conflict = db.session.get(SyncConflict, conflict_id)
    if conflict is None:
        raise ApiError(404, "not_found", f"No conflict {conflict_id}.")
    return conflict


@blp.route("/conflicts/<id:conflict_id>/resolve", methods=["POST"])
@allow("admin")
@blp.arguments(ResolveRequest)
@blp.response(200, ConflictSchema)
@blp.alt_response(409, schema=StaleErrorSchema,
                  description="Resolved by another admin, or the record changed or was deleted meanwhile")
def resolve(body: dict[str, Any], conflict_id: uuid.UUID) -> SyncConflict:
    """Write the chosen values as a new version; 409 with the current state if you were beaten to it."""
    return resolve_conflict(
        db.session(), conflict_id, dict(body["values"]), body["expected_version"],
        admin_id=current_person().id, device_id=current_device().id,
    )
