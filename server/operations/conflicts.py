"""An admin's resolution of a sync conflict, safe against a second admin resolving at once."""

from __future__ import annotations

import uuid
from typing import Any

from marshmallow import ValidationError
from sqlalchemy.orm import Session

from server.ledger import record_audit
from server.models import SyncConflict, WorkOrder
from server.models.base import utcnow
from server.operations.notices import notify
from server.operations.records import authorise, locked, record_now
from server.operations.vehicles import refile_report
from server.privacy import seal_values
from server.refusals import Kind, Refused, invalid
from server.syncing.change import write_record
from server.syncing.wire import MAPPINGS
from sync.registry import masked

DELETED = "deleted"


def current_state(conflict: SyncConflict, record: Any) -> dict[str, Any]:
    """What a refused admin is shown: the conflict and the record as they are now, residents' data masked."""
    sealed = MAPPINGS[conflict.record_type].sealed
    now = record_now(record)
    return {
        "conflict": {"id": str(conflict.id), "status": conflict.status, "version": conflict.version,
                     "resolution": conflict.chosen and masked(sealed, conflict.chosen),
                     "result_version": conflict.result_version,
                     "resolved_by": conflict.resolved_by and str(conflict.resolved_by)},
        "record": {**now, "data": masked(sealed, now["data"])},
    }


def deleted_since(conflict: SyncConflict, record: Any) -> bool:
    """Whether the record was deleted after the conflict was raised (not the deletion it is about)."""
    return record.deleted and conflict.reason != DELETED


def resolve_conflict(
    session: Session,
    conflict_id: uuid.UUID,
    values: dict[str, Any],
    expected_version: int,
    *,
    admin_id: uuid.UUID,
    device_id: uuid.UUID | None = None,
) -> SyncConflict:
    """Write the chosen value of each conflicting field as a new version of the record.

    ``values`` names some of the conflict's fields (the others keep the server's value);
    for a conflict over a deletion, ``{"deleted": true}`` deletes. ``expected_version`` is
    the record version the admin decided on: if the record changed since, or another admin
    resolved the conflict first, nothing is written and the current state is returned.
    A record deleted since the conflict was raised stays deleted: choosing values for it is
    refused (``record_deleted``); keeping the server's values closes the conflict. The admin's
    authority is the ownership matrix's: review fields still change only through a review.
    """
    conflict = locked(session, SyncConflict, conflict_id)
    mapping = MAPPINGS[conflict.record_type]
    record = locked(session, mapping.model, conflict.record_id)
    if conflict.status != "open" or record.version != expected_version:
        who = "Another admin resolved this conflict" if conflict.status != "open" else "The record changed"
        raise Refused("stale", f"{who} since you opened it; review the current state.",
                      kind=Kind.CONFLICT, extra={"current": current_state(conflict, record)})
    unknown = sorted(set(values) - set(conflict.sides))
    if unknown:
        raise invalid({name: ["Not a conflicting field."] for name in unknown},
                      "Only the conflicting fields are resolved here.")
    if deleted_since(conflict, record) and set(values) - {DELETED}:
        raise Refused("record_deleted", "The record was deleted after this conflict was raised; it stays "
                      "deleted. Keep the server's values to close the conflict.",
                      kind=Kind.CONFLICT, extra={"current": current_state(conflict, record)})
    delete = bool(values.pop(DELETED, False))
    try:
        loaded = mapping.data.load(values, partial=True)
        chosen = mapping.data.dump(loaded)
        check = mapping.record_type.check
        if check is not None:
            check({**mapping.wire_of(record), **chosen})
    except ValidationError as error:
        raise invalid(error.normalized_messages(), "Some chosen values are invalid.") from None
    current = mapping.wire_of(record)
    authorise(record, "delete" if delete else "change",
              {name: value for name, value in chosen.items() if value != current.get(name)},
              role="admin", person_id=admin_id, via="console")
    deleted = delete or (record.deleted and not chosen)
    write_record(session, record, "resolve", loaded, actor_id=admin_id, device_id=device_id, deleted=deleted,
                 details={"conflict_id": str(conflict.id), "values": chosen, "deleted": deleted})
    if isinstance(record, WorkOrder):
        refile_report(session, current, record, actor_id=admin_id, device_id=device_id)
    conflict.status = "resolved"
    conflict.version += 1
    conflict.resolved_at = utcnow()
    conflict.resolved_by = admin_id
    conflict.resolution = seal_values("sync_conflict", conflict.record_id, mapping.sealed,
                                      {**chosen, **({DELETED: True} if delete else {})})
    notify(session, [conflict.person_id], "conflict_resolved", conflict.record_type, conflict.record_id,
           actor_id=admin_id)
    conflict.result_version = record.version
    record_audit(session, "conflict.resolve", actor_id=admin_id, device_id=device_id,
                 record_type=conflict.record_type, record_id=record.id, record_version=record.version,
                 details={"conflict_id": str(conflict.id), "values": chosen})
    return conflict
