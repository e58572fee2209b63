"""The write path: lock, read fresh, decide, then stamp version, sequence, provenance and audit together.

Every change to a record (a review, a resolution, an admin's edit) starts with ``locked()``:
it takes the ledger lock, then reads the record as the writer before it committed it. So
a write never decides on an earlier read, and every writer locks the ledger row first and
the records after it, in the same order as a push.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from server.access import Scope
from server.errors import ApiError
from server.ledger import held, hold, next_seq, record_audit
from server.models import SYNCED_MODELS, SyncRecord
from server.models.base import utcnow
from server.operations.blobs import link_blobs
from server.syncing.wire import MAPPINGS, refresh_wire
from sync import ownership

RECORD_TYPE_OF = {model: name for name, model in SYNCED_MODELS.items()}
Row = TypeVar("Row")
Record = TypeVar("Record", bound=SyncRecord)


def locked(session: Session, model: type[Row], record_id: uuid.UUID, scope: Scope | None = None) -> Row:
    """Begin a write: take the ledger lock, then read the record as it is committed now.

    Whatever the session read before is replaced by the committed row. ``scope`` limits
    what may be found (everything when None); a record not found is a 404.
    """
    hold(session)
    return (scope or Scope.unlimited()).get(session, model, record_id, fresh=True)


def record_now(record: SyncRecord) -> dict[str, Any]:
    """A record as a refused writer is shown it: its version, tombstone and wire data now."""
    record_type = RECORD_TYPE_OF[type(record)]
    return {"type": record_type, "id": str(record.id), "version": record.version, "deleted": record.deleted,
            "data": MAPPINGS[record_type].wire_of(record)}


def authorise(
    record: SyncRecord, action: str, written: dict[str, Any], *, role: str, person_id: uuid.UUID, via: str
) -> None:
    """The ownership matrix's verdict (``sync/ownership.py``) on a dashboard or API write, as push gets it.

    ``written`` is the wire form of what changes. Refused: 403 with the matrix's code, or 409
    ``not_reviewable`` (with the record as it is now) for a log that is not awaiting review.
    """
    record_type = RECORD_TYPE_OF[type(record)]
    current = MAPPINGS[record_type].wire_of(record) if record.version else None
    refused = ownership.refusal(role, str(person_id), record_type, action, current, written, via=via)
    if refused is None:
        return
    if refused.code == ownership.NOT_REVIEWABLE:
        raise ApiError(409, refused.code, refused.message,
                       extra={"current_version": record.version, "current": record_now(record)})
    raise ApiError(403, refused.code, refused.message, refused.errors)


def stamp(
    session: Session,
    record: Record,
    action: str,
    *,
    actor_id: uuid.UUID | None,
    device_id: uuid.UUID | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Record:
    """Record an accepted change: bump the version, take the next sequence number, audit it.

    ``action`` names what happened (``create``, ``update``, ``delete``, ``review`` …); the
    audit entry is ``<record type>.<action>``. ``at`` backdates the change (demo data only).
    """
    if record.version and not held(session):
        raise RuntimeError("read the record with locked() before changing it")
    now = at or utcnow()
    if record.version in (None, 0):
        record.created_at = now
    record.version = (record.version or 0) + 1
    record.seq = next_seq(session)
    record.updated_at = now
    record.updated_by = actor_id
    refresh_wire(record)
    if record not in session:
        session.add(record)
    if hasattr(record, "photo_hashes"):
        link_blobs(session, record)
    record_type = RECORD_TYPE_OF[type(record)]
    record_audit(
        session,
        f"{record_type}.{action}",
        actor_id=actor_id,
        device_id=device_id,
        record_type=record_type,
        record_id=record.id,
        record_version=record.version,
        details=details,
        at=now,
    )
    return record


def apply_changes(session: Session, record: Record, values: dict[str, Any], *, actor_id: uuid.UUID) -> Record:
    """Set the values that differ and stamp a new version naming them; nothing changes, nothing stamped."""
    changed = {name: value for name, value in values.items() if getattr(record, name) != value}
    if not changed:
        return record
    for name, value in changed.items():
        setattr(record, name, value)
    return stamp(session, record, "update", actor_id=actor_id, details={"fields": sorted(changed)})
