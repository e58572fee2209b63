"""A chief's review of an inspection: approve it, or return it to the officer with a comment."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from server.errors import ApiError
from server.models import Inspection
from server.models.base import utcnow
from server.operations.records import stamp

DECISIONS = {"approve": "approved", "return": "returned"}


def review_inspection(
    session: Session,
    inspection: Inspection,
    decision: str,
    comment: str,
    *,
    reviewer_id: uuid.UUID,
    device_id: uuid.UUID | None = None,
    expected_version: int | None = None,
) -> Inspection:
    """Approve (which locks the log) or return it; the officer's device gets it on its next pull."""
    if expected_version is not None and inspection.version != expected_version:
        raise ApiError(409, "stale", f"The log changed since you opened it (now version {inspection.version}).",
                       extra={"current_version": inspection.version})
    if inspection.deleted or inspection.status != "submitted":
        state = "deleted" if inspection.deleted else inspection.status
        raise ApiError(409, "not_reviewable", f"Only a submitted log is reviewed; this one is {state}.")
    comment = comment.strip()
    if decision == "return" and not comment:
        raise ApiError(422, "validation_failed", "Say why the log is returned.",
                       {"comment": ["Required when returning a log."]})
    inspection.status = DECISIONS[decision]
    inspection.review_comment = comment
    inspection.reviewer_id = reviewer_id
    inspection.reviewed_at = utcnow()
    return stamp(session, inspection, "review", actor_id=reviewer_id, device_id=device_id,
                 details={"decision": decision, "comment": comment})
