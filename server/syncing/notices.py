"""What a push tells people (``server.operations.notices``): collected while deciding, written after the batch.

The batch's records are written in bulk at its end, so the notices about them are written
after, in the same transaction: a push that rolls back tells no one.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import Room
from server.operations.notices import chiefs_of, notify


@dataclass
class Tidings:
    caller_id: uuid.UUID
    told: list[tuple[uuid.UUID | None, str, str, uuid.UUID, str]] = field(default_factory=list)
    submitted: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)
    """Inspections this push submitted → their rooms, whose station's chiefs are told."""

    def changed(self, record_type: str, record_id: uuid.UUID, room_id: uuid.UUID | None, before: Mapping[str, Any],
                wire: Mapping[str, Any]) -> None:
        """Note what a change written by the push tells: a log submitted, a work order in a new state."""
        status = wire.get("status")
        if status is None or status == before.get("status"):
            return
        if record_type == "inspection" and status == "submitted" and room_id is not None:
            self.submitted[record_id] = room_id
        if record_type == "work_order":
            reporter = before.get("officer_id") or wire.get("officer_id")
            self.told.append((uuid.UUID(str(reporter)) if reporter else None, "order_changed", record_type,
                              record_id, status))

    def refused(self, record_type: str, record_id: uuid.UUID, message: str) -> None:
        self.told.append((self.caller_id, "change_refused", record_type, record_id, message))

    def write(self, session: Session) -> None:
        for person_id, kind, record_type, record_id, summary in self.told:
            notify(session, [person_id], kind, record_type, record_id, summary,
                   actor_id=None if kind == "change_refused" else self.caller_id)
        if self.submitted:
            stations = {room: station for room, station in session.execute(
                select(Room.id, Room.station_id).where(Room.id.in_(set(self.submitted.values()))))}
            for inspection_id, room_id in self.submitted.items():
                notify(session, chiefs_of(session, stations.get(room_id)), "submitted", "inspection", inspection_id,
                       actor_id=self.caller_id)
