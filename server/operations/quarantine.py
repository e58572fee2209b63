"""An admin's decision on a change the server refused for good: apply it corrected, or dismiss it.

A decision begins like every write, with the ledger lock, and reads the refused change as
committed then: two admins deciding at once cannot both act, and the second is told what
the first decided. A correction goes through the same push engine as any phone's change,
under a new mutation id; if the engine refuses it again, the correction is refused
(``correction_refused``, with the engine's result), so what the engine wrote on refusing it
(a new quarantine row, its audit entry) is rolled back with the request: nothing is written.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from server.ledger import record_audit
from server.models import QuarantinedMutation
from server.models.base import utcnow
from server.operations.records import locked
from server.refusals import Kind, Refused
from server.syncing.mutations import Caller
from server.syncing.push import push
from sync.messages import MutationSchema
from sync.protocol import REJECTED

mutation_schema = MutationSchema()


def open_refusal(session: Session, quarantined_id: uuid.UUID) -> QuarantinedMutation:
    """The refused change, locked and read fresh; refused as ``already_decided`` if an admin decided it."""
    row = locked(session, QuarantinedMutation, quarantined_id)
    if row.status != "open":
        raise Refused("already_decided", f"This change was already {row.status}: {row.note or ''}".strip(),
                      kind=Kind.CONFLICT, extra={"status": row.status, "note": row.note})
    return row


def apply_corrected(
    session: Session, quarantined_id: uuid.UUID, data: dict[str, Any], caller: Caller
) -> tuple[QuarantinedMutation, dict[str, Any]]:
    """Push the change again with ``data`` as the admin; the row, now applied, and the engine's result."""
    row = open_refusal(session, quarantined_id)
    mutation_id = uuid.uuid4()
    envelope = mutation_schema.load({**row.sent, "mutation_id": str(mutation_id), "data": data})
    result = push(session, caller, [envelope])[0]
    if result["status"] == REJECTED:
        raise Refused("correction_refused", f"The server refused the correction too: {result['message']}",
                      result["errors"], kind=Kind.INVALID, extra={"result": result})
    row.status, row.decided_at, row.decided_by = "applied", utcnow(), caller.person_id
    row.note = f"applied as mutation {mutation_id} ({result['status']})"
    record_audit(session, "quarantine.apply", actor_id=caller.person_id, device_id=caller.device_id,
                 record_type=row.record_type, record_id=row.record_id,
                 details={"quarantined": str(row.id), "mutation_id": str(mutation_id), "status": result["status"]})
    return row, result


def dismiss_refusal(
    session: Session, quarantined_id: uuid.UUID, reason: str, *, actor_id: uuid.UUID, device_id: uuid.UUID | None
) -> QuarantinedMutation:
    row = open_refusal(session, quarantined_id)
    row.status, row.decided_at, row.decided_by, row.note = "dismissed", utcnow(), actor_id, reason
    record_audit(session, "quarantine.dismiss", actor_id=actor_id, device_id=device_id,
                 record_type=row.record_type, record_id=row.record_id,
                 details={"quarantined": str(row.id), "reason": reason})
    return row
