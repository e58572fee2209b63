"""The write path outside a push: lock, read fresh, decide, then change through the one core.

Every change to a record (a review, a resolution, an admin's edit) starts with ``locked()``:
it takes the ledger lock, then reads the record as the writer before it committed it. So
a write never decides on an earlier read, and every writer locks the ledger row first and
the records after it, in the same order as a push. The change itself is
``server.syncing.change.write_record``.
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from server.access import Scope
from server.ledger import lock_ledger
from server.models import SYNCED_MODELS, SyncRecord
from server.refusals import Kind, Refused
from server.syncing.change import write_record
from server.syncing.wire import MAPPINGS
from sync import ownership

RECORD_TYPE_OF = {model: name for name, model in SYNCED_MODELS.items()}
Row = TypeVar("Row")
Record = TypeVar("Record", bound=SyncRecord)


def locked(session: Session, model: type[Row], record_id: uuid.UUID, scope: Scope | None = None) -> Row:
    """Begin a write: take the ledger lock, then read the record as it is committed now.

    Whatever the session read before is replaced by the committed row. ``scope`` limits
    what may be found (everything when None); a record not found is refused as not found.
    """
    lock_ledger(session)
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

    ``written`` is the wire form of what changes. Refused as forbidden with the matrix's code, or
    as a conflict, ``not_reviewable`` (with the record as it is now), for a log not awaiting review.
    """
    record_type = RECORD_TYPE_OF[type(record)]
    current = MAPPINGS[record_type].wire_of(record) if record.version else None
    refused = ownership.refusal(role, str(person_id), record_type, action, current, written, via=via)
    if refused is None:
        return
    if refused.code == ownership.NOT_REVIEWABLE:
        raise Refused(refused.code, refused.message, kind=Kind.CONFLICT,
                      extra={"current_version": record.version, "current": record_now(record)})
    raise Refused(refused.code, refused.message, refused.errors, kind=Kind.FORBIDDEN)


def edit_record(session: Session, record: Record, values: dict[str, Any], *, actor_id: uuid.UUID) -> Record:
    """An admin's edit: write the values that differ as a new version naming them; no difference, no version."""
    changed = {name: value for name, value in values.items() if getattr(record, name) != value}
    if not changed:
        return record
    return write_record(session, record, "update", changed, actor_id=actor_id, details={"fields": sorted(changed)})
