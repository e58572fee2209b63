"""The sync endpoint pair: push a batch of mutations, pull pages of changes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Response

from server import metrics, replica, requestlog
from server.access import ROLES, allow, current_device, current_person, current_scope
from server.api.common import api_blueprint, json_response, load_json_body
from server.errors import ApiError
from server.extensions import db
from server.models import Device
from server.models.base import utcnow
from server.syncing.protocol import schema_version, versioned
from server.syncing.pull import Puller
from server.syncing.push import Caller, push
from server.transaction import on_commit, writes
from sync.compiled import compile_schema
from sync.messages import PullQuery, PullResponse, PushRequest, PushResponse
from sync.protocol import DEFAULT_PULL_LIMIT

CONTACT_GRANULARITY = timedelta(minutes=1)

blp = api_blueprint("sync", "Push device mutations and pull changes; see docs/protocol.md.")


PUSH_REQUEST = compile_schema(PushRequest)


@blp.route("/sync/push", methods=["POST"])
@allow(*ROLES)
@versioned
@blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": PushRequest}}})
@blp.response(200, PushResponse)
def push_mutations() -> Response:
    """Apply mutations in order; each gets applied, merged, duplicate, conflict or rejected."""
    body = load_json_body(PUSH_REQUEST)
    device = current_device()
    if body["device_id"] != device.id:
        raise ApiError(403, "device_mismatch", "Push from the device this token was issued to.",
                       {"device_id": ["Not this token's device."]})
    caller = Caller(current_person().id, device.id, current_scope())
    results = push(db.session(), caller, body["mutations"]) if body["mutations"] else []
    report_push(results)
    now = utcnow()
    note_contact(device, "last_push_at", now)
    return json_response({"results": results, "server_time": now.isoformat()})


@blp.route("/sync/pull")
@allow(*ROLES)
@writes
@versioned
@blp.arguments(PullQuery, location="query")
@blp.response(200, PullResponse)
def pull_changes(query: dict[str, Any]) -> Response:
    """Changes after the cursor, in commit order, within your scope; page until has_more is false."""
    scope, version, device = current_scope(), schema_version(), current_device()
    cursor, limit = query["cursor"], query["limit"] or DEFAULT_PULL_LIMIT
    page = replica.read_standby(
        "pull", lambda standby: Puller(standby, scope, version).page(cursor, limit, not_before=device.written_seq))
    if page is None:
        page = Puller(db.session(), scope, version).page(cursor, limit)
    report_pull(len(page.changes))
    now = utcnow()
    note_contact(device, "last_pull_at", now)
    return Response(page.body(now.isoformat()), mimetype="application/json")


def report_push(results: list[dict[str, Any]]) -> None:
    """Once the push commits, count its outcomes and put them in the request's log line."""
    outcomes, codes = metrics.push_counts(results)

    def committed() -> None:
        metrics.count_push(outcomes, codes)
        requestlog.note(push=outcomes, rejected_codes=codes)

    on_commit(db.session(), committed)


def report_pull(records: int) -> None:
    """Once the pull's transaction commits, count the records it sent and log how many."""
    def committed() -> None:
        metrics.count_pulled(records)
        requestlog.note(pulled=records)

    on_commit(db.session(), committed)


def note_contact(device: Device, attribute: str, now: datetime) -> None:
    """Record when the device last pushed or pulled, and its schema, without a write every time."""
    last = getattr(device, attribute)
    if last is None or now - last >= CONTACT_GRANULARITY:
        setattr(device, attribute, now)
    if device.schema_version != schema_version():
        device.schema_version = schema_version()
