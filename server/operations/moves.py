"""Records that move: scope exits for the devices they leave, and officers' service history.

A record's *position* is what scope rules select it by: its room, its station and (for a
person) its role. Whoever changes a position writes the record as usual and then calls
``placed``, in the same transaction: the exit it writes carries the change's sequence
number, so a device's next pull sends the tombstone in commit order with everything else.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.errors import ApiError
from server.models import BlobRef, Followup, Inspection, Person, Room, ScopeExit, ServicePeriod, SyncConflict, Venue
from server.models.base import SyncRecord, utcnow
from server.operations.records import RECORD_TYPE_OF
from server.syncing.change import write_record
from server.syncing.wire import left_scope_entry


@dataclass(frozen=True)
class Position:
    room_id: uuid.UUID | None
    station_id: uuid.UUID | None = None
    role: str | None = None


def position_of(record: Any) -> Position:
    return Position(getattr(record, "room_id", None), getattr(record, "station_id", None),
                    getattr(record, "role", None))


def exit_row(
    record_type: str, record_id: uuid.UUID, version: int, seq: int, at: datetime, actor_id: uuid.UUID | None, *,
    was: Position | None = None, person_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """A ``scope_exit`` row: the record left ``was``, or is no longer ``person_id``'s to see."""
    was = was or Position(None)
    return {"seq": seq, "record_type": record_type, "record_id": record_id, "room_id": was.room_id,
            "station_id": was.station_id, "role": was.role, "person_id": person_id, "at": at,
            "wire": left_scope_entry(record_type, record_id, version, at, actor_id)}


def placed(session: Session, record: SyncRecord, before: Position | None) -> None:
    """After ``record`` was written: note where it left (``before``) and, for an officer, their service.

    ``before`` is None for a record that was just created.
    """
    if before is None:
        if isinstance(record, Person):
            serve(session, record, None)
        return
    if position_of(record) == before:
        return
    session.add(ScopeExit(**exit_row(RECORD_TYPE_OF[type(record)], record.id, record.version, record.seq,
                                     record.updated_at, record.updated_by, was=before)))
    if isinstance(record, Person):
        serve(session, record, record.updated_at)


def serve(session: Session, person: Person, since: datetime | None) -> None:
    """Close the person's open service period and, for an officer, open one in their room ``since``.

    ``since`` is None for a new person: their first room, with no known start.
    """
    session.execute(update(ServicePeriod).where(ServicePeriod.person_id == person.id,
                                                ServicePeriod.ended_at.is_(None)).values(ended_at=since or utcnow()))
    if person.role == "officer":
        session.add(ServicePeriod(person_id=person.id, room_id=person.room_id, started_at=since))


def served(session: Session, person_id: uuid.UUID, room_id: uuid.UUID, at: datetime) -> bool:
    """Whether the officer served the room at ``at`` (in an earlier period or the current one)."""
    period = ServicePeriod
    return session.scalar(select(period.id).where(
        period.person_id == person_id, period.room_id == room_id,
        period.started_at.is_(None) | (period.started_at <= at),
        period.ended_at.is_(None) | (period.ended_at > at),
    ).limit(1)) is not None


def room_to_move_to(session: Session, room_id: uuid.UUID) -> Room:
    room = session.get(Room, room_id)
    if room is None or room.deleted:
        raise ApiError(422, "validation_failed", "Some fields are invalid.", {"room_id": ["No such police room."]})
    return room


def venue_moved(session: Session, venue: Venue, before: Position, *, actor_id: uuid.UUID | None) -> None:
    """After a venue was written in another room: its exit, and its inspections and follow-ups follow it."""
    placed(session, venue, before)
    details = {"room_id": [str(before.room_id), str(venue.room_id)]}
    logs: list[Any] = [*session.scalars(select(Inspection).where(Inspection.venue_id == venue.id)),
                       *session.scalars(select(Followup).where(Followup.venue_id == venue.id))]
    for log in logs:
        was = position_of(log)
        log.room_id = venue.room_id
        write_record(session, log, "move", actor_id=actor_id, details=details)
        placed(session, log, was)
    ids = [venue.id, *(log.id for log in logs)]
    session.execute(update(BlobRef).where(BlobRef.record_id.in_(ids)).values(room_id=venue.room_id))
    session.execute(update(SyncConflict).where(SyncConflict.record_id.in_(ids)).values(room_id=venue.room_id))
