"""A chief's review of an inspection, through the API (the dashboard uses the same operation)."""

from __future__ import annotations

import uuid
from typing import Any

from server.access import allow, current_device, current_person, current_scope
from server.api.common import api_blueprint
from server.api.schemas import ReviewRequest
from server.errors import StaleReviewErrorSchema
from server.extensions import db
from server.models import Inspection
from server.operations.review import review_inspection
from sync.records import InspectionRecord

blp = api_blueprint("reviews", "Approve an inspection, or return it to the officer with a comment.")


@blp.route("/inspections/<id:inspection_id>/review", methods=["POST"])
@allow("chief", "admin")
@blp.arguments(ReviewRequest)
@blp.response(200, InspectionRecord)
@blp.alt_response(409, schema=StaleReviewErrorSchema,
                  description="The log changed since expected_version, or is no longer submitted")
def review(body: dict[str, Any], inspection_id: uuid.UUID) -> Inspection:
    """Approving locks the log; returning needs a comment. Both reach the officer's device on its next pull."""
    return review_inspection(
        db.session(), inspection_id, body["decision"], body["comment"], scope=current_scope(),
        reviewer_id=current_person().id, device_id=current_device().id, expected_version=body["expected_version"],
    )
