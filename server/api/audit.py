"""The audit trail, for admins: read it and verify it has not been tampered with."""

from __future__ import annotations

from typing import Any

from flask_smorest.pagination import PaginationParameters
from sqlalchemy import select

from server.access import allow
from server.api.common import MAX_PAGE_SIZE, PAGE_SIZE, api_blueprint, page
from server.api.schemas import AuditEntrySchema, AuditQuery, AuditVerification
from server.extensions import db
from server.ledger import Verification, verify_audit
from server.models import AuditEntry

blp = api_blueprint("audit", "The append-only, tamper-evident audit trail.")


@blp.route("/audit")
@allow("admin")
@blp.arguments(AuditQuery, location="query")
@blp.response(200, AuditEntrySchema(many=True))
@blp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_audit(filters: dict[str, Any], pagination_parameters: PaginationParameters) -> list[AuditEntry]:
    """Newest entries first."""
    statement = select(AuditEntry).filter_by(**filters).order_by(AuditEntry.id.desc())
    return page(statement, pagination_parameters)


@blp.route("/audit/verify")
@allow("admin")
@blp.response(200, AuditVerification)
def verify() -> Verification:
    """Recompute the whole chain; ``intact`` is false if any entry was edited or removed."""
    return verify_audit(db.session())
