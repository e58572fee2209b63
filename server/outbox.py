"""The webhook outbox's events (``server.models.webhooks``): which changes make one, and what it says.

The city's systems receive changes of planned and recorded fieldwork: venues, inspections,
follow-ups, work orders and assignments. Never the rental registry's residents (personal data,
``RecordType.sealed``), nor people, notices or the server's own bookkeeping.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

PUBLISHED = ("venue", "inspection", "followup", "work_order", "assignment")


def event_row(record_type: str, record_id: uuid.UUID, version: int, deleted: bool, seq: int, action: str,
              data: dict[str, Any], at: datetime) -> dict[str, Any] | None:
    """The outbox row of one change, or None for a type the city's systems are not sent."""
    if record_type not in PUBLISHED:
        return None
    event_id = uuid.uuid4()
    kind = f"{record_type}.{action}"
    return {"id": event_id, "seq": seq, "kind": kind, "record_type": record_type, "record_id": record_id,
            "created_at": at, "payload": {
                "id": str(event_id), "event": kind, "created_at": at.isoformat(),
                "record": {"type": record_type, "id": str(record_id), "version": version, "deleted": deleted,
                           "data": dict(data)}}}
