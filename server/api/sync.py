"""The sync endpoint pair: push a batch of mutations, pull pages of changes."""

from __future__ import annotations

from typing import Any

from flask import Response

from server.access import ROLES, allow, current_device, current_person, current_scope
from server.api.common import api_blueprint
from server.errors import ApiError
from server.extensions import db
from server.models.base import utcnow
from server.syncing.protocol import schema_version, versioned
from server.syncing.pull import Puller
from server.syncing.push import Caller, push
from server.transaction import writes
from sync.messages import PullQuery, PullResponse, PushRequest, PushResponse
from sync.protocol import DEFAULT_PULL_LIMIT

blp = api_blueprint("sync", "Push device mutations and pull changes; see docs/protocol.md.")


@blp.route("/sync/push", methods=["POST"])
@allow(*ROLES)
@versioned
@blp.arguments(PushRequest)
@blp.response(200, PushResponse)
def push_mutations(body: dict[str, Any]) -> dict[str, Any]:
    """Apply mutations in order; each gets applied, merged, duplicate, conflict or rejected."""
    device = current_device()
    if body["device_id"] != device.id:
        raise ApiError(403, "device_mismatch", "Push from the device this token was issued to.",
                       {"device_id": ["Not this token's device."]})
    caller = Caller(current_person().id, device.id, current_scope())
    results = push(db.session, caller, body["mutations"]) if body["mutations"] else []
    device.last_push_at = utcnow()
    device.schema_version = schema_version()
    return {"results": results, "server_time": utcnow()}


@blp.route("/sync/pull")
@allow(*ROLES)
@writes
@versioned
@blp.arguments(PullQuery, location="query")
@blp.response(200, PullResponse)
def pull_changes(query: dict[str, Any]) -> Response:
    """Changes after the cursor, in commit order, within your scope; page until has_more is false."""
    page = Puller(db.session, current_scope(), schema_version()).page(
        query["cursor"], query["limit"] or DEFAULT_PULL_LIMIT
    )
    device = current_device()
    now = utcnow()
    if device.last_pull_at is None or (now - device.last_pull_at).total_seconds() >= 60:
        device.last_pull_at = now
    return Response(page.body(now.isoformat()), mimetype="application/json")
