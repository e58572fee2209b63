"""A chief's review of an inspection: approve it, or return it to the officer with a comment."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from server.access import Scope
from server.models import Inspection
from server.models.base import utcnow
from server.operations.notices import notify
from server.operations.records import authorise, locked, record_now
from server.refusals import Kind, Refused, invalid
from server.syncing.change import write_record
from sync.records import InspectionData

DECISIONS = {"approve": "approved", "return": "returned"}
REVIEW_WIRE = InspectionData(only=("status", "review_comment", "reviewer_id", "reviewed_at"))


def review_inspection(
    session: Session,
    inspection_id: uuid.UUID,
    decision: str,
    comment: str,
    *,
    scope: Scope,
    reviewer_id: uuid.UUID,
    device_id: uuid.UUID | None = None,
    expected_version: int | None = None,
) -> Inspection:
    """Approve (which locks the log) or return it; the officer's device gets it on its next pull.

    These are the review rules, the only way review fields change (the ownership matrix sends
    a push that writes them here): a submitted log becomes approved or returned, the caller is
    the reviewer, ``reviewed_at`` is server time, and a return says why.

    Decided on the log as committed when the review holds the ledger lock: a log the officer
    changed since ``expected_version``, or that is no longer submitted, is refused as a conflict
    with the log as it is now (``current``).
    """
    inspection = locked(session, Inspection, inspection_id, scope)
    current = {"current_version": inspection.version, "current": record_now(inspection)}
    if expected_version is not None and inspection.version != expected_version:
        raise Refused("stale", f"The log changed since you opened it (now version {inspection.version}).",
                      kind=Kind.CONFLICT, extra=current)
    if inspection.deleted:
        raise Refused("not_reviewable", "Only a submitted log is reviewed; this one is deleted.",
                      kind=Kind.CONFLICT, extra=current)
    comment = comment.strip()
    review = {"status": DECISIONS[decision], "review_comment": comment, "reviewer_id": reviewer_id,
              "reviewed_at": utcnow()}
    authorise(inspection, "change", REVIEW_WIRE.dump(review), role=scope.role, person_id=reviewer_id, via="review")
    if decision == "return" and not comment:
        raise invalid({"comment": ["Required when returning a log."]}, "Say why the log is returned.")
    write_record(session, inspection, "review", review, actor_id=reviewer_id, device_id=device_id,
                 details={"decision": decision, "comment": comment})
    if decision == "return":
        notify(session, [inspection.officer_id], "log_returned", "inspection", inspection.id, comment,
               actor_id=reviewer_id)
    return inspection
