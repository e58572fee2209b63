"""Notices: telling one person of something that concerns them, as a record their devices pull.

A notice is written in the transaction of the change it tells of, through the one write path,
so it exists exactly when the change does. Who is told of what:

- an officer: their log returned, a new assignment, a work order they reported changing state,
  a conflict over their change resolved, a change of theirs refused;
- a station's chiefs: a log submitted, one of their assignments missed, work handed back, a
  conflict open for more than two days;
- administrators: an account under attack (``server.operations.devices``), a conflict open over two days.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.ledger import lock_ledger
from server.models import Notice, Person, Room, SyncConflict
from server.syncing.change import write_record
from sync import clock

CONFLICT_WAIT = timedelta(days=2)


def notify(session: Session, person_ids: Iterable[uuid.UUID | None], kind: str, subject_type: str,
           subject_id: uuid.UUID, summary: str = "", *, actor_id: uuid.UUID | None = None,
           at: datetime | None = None) -> list[Notice]:
    """Tell each person (none named twice, and never the one who acted) of ``kind`` about a record, at ``at`` (now)."""
    told = []
    at = at or clock.now()
    for person_id in dict.fromkeys(person_ids):
        if person_id is None or person_id == actor_id:
            continue
        notice = Notice(person_id=person_id, kind=kind, subject_type=subject_type, subject_id=subject_id,
                        summary=summary[:500], raised_at=at)
        told.append(write_record(session, notice, "notify", actor_id=actor_id, now=at))
    return told


def notify_once(session: Session, person_ids: Iterable[uuid.UUID], kind: str, subject_type: str,
                subject_id: uuid.UUID, summary: str = "") -> list[Notice]:
    """Tell each person of ``kind`` about a record unless they were told already: the upkeep's notices."""
    told = set(session.scalars(select(Notice.person_id).where(Notice.kind == kind, Notice.subject_id == subject_id)))
    return notify(session, [person for person in person_ids if person not in told], kind, subject_type,
                  subject_id, summary)


def chiefs_of(session: Session, station_id: uuid.UUID | None) -> list[uuid.UUID]:
    """The active chiefs of a station, who are told of their station's work."""
    if station_id is None:
        return []
    return list(session.scalars(select(Person.id).where(Person.role == "chief", Person.station_id == station_id,
                                                        Person.active.is_(True), Person.deleted.is_(False))))


def admins(session: Session) -> list[uuid.UUID]:
    return list(session.scalars(select(Person.id).where(Person.role == "admin", Person.active.is_(True),
                                                        Person.deleted.is_(False))))


def raise_notices(session: Session, config: Mapping[str, Any]) -> dict[str, int]:
    """The upkeep's notices: conflicts open over two days, to the administrators and the room's station's chiefs."""
    now = clock.now()
    counts = {"conflicts_waiting": 0}
    waiting = session.execute(select(SyncConflict.id, SyncConflict.record_type, Room.station_id)
                              .outerjoin(Room, Room.id == SyncConflict.room_id)
                              .where(SyncConflict.status == "open", SyncConflict.created_at < now - CONFLICT_WAIT)
                              ).all()
    for conflict_id, record_type, station_id in waiting:
        told = notify_once(session, [*admins(session), *chiefs_of(session, station_id)], "conflict_waiting",
                           "sync_conflict", conflict_id, record_type)
        counts["conflicts_waiting"] += bool(told)
    return {name: count for name, count in counts.items() if count}


def mark_read(session: Session, person_id: uuid.UUID, notice_ids: Iterable[uuid.UUID]) -> int:
    """Mark a person's unread notices read (on the dashboard); how many changed."""
    lock_ledger(session)
    unread = session.scalars(
        select(Notice).where(Notice.person_id == person_id, Notice.id.in_(list(notice_ids)), Notice.read_at.is_(None))
        .execution_options(populate_existing=True)).all()
    now = clock.now()
    for notice in unread:
        write_record(session, notice, "read", {"read_at": now}, actor_id=person_id)
    return len(unread)


def unread_count(session: Session, person_id: uuid.UUID) -> int:
    return session.scalar(select(func.count()).select_from(Notice).where(
        Notice.person_id == person_id, Notice.read_at.is_(None), Notice.deleted.is_(False))) or 0


def latest(session: Session, person_id: uuid.UUID, limit: int = 100) -> list[Notice]:
    return list(session.scalars(select(Notice).where(Notice.person_id == person_id, Notice.deleted.is_(False))
                                .order_by(Notice.raised_at.desc(), Notice.id).limit(limit)))

