"""Coverage of the planned work, per room and per officer, and the figures behind an officer's yearly stars.

Read for one year up to today (station time): what fell due then, and what was done by its day.
The chief reads these figures beside the existing ones; the star rating stays the chief's decision.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.access import Scope
from server.models import Assignment, Followup, Inspection, Person, Room
from sync.planning import SUBMITTED

SATISFIED = ("satisfied", "basically_satisfied")


@dataclass
class Share:
    """Of ``due`` items, ``on_time`` were done by their day and ``missed`` were not done at all."""

    due: int = 0
    on_time: int = 0
    missed: int = 0

    @property
    def percent(self) -> int | None:
        return round(100 * self.on_time / self.due) if self.due else None

    def count(self, due: date, done: Any, missed: bool, zone: ZoneInfo) -> None:
        """One item due on ``due``, done at ``done`` (an aware time, or None), or ``missed``."""
        self.due += 1
        if done is not None and done.astimezone(zone).date() <= due:
            self.on_time += 1
        elif missed:
            self.missed += 1


@dataclass
class OfficerYear:
    person: Person
    assignments: Share
    inspections: int
    followups: Share
    satisfied: int
    rated: int

    @property
    def missed(self) -> int:
        return self.assignments.missed + self.followups.missed


@dataclass
class Coverage:
    rooms: list[tuple[Room, Share, int]]
    """Each room, its scheduled inspections' share done on time, and how many are overdue now."""
    officers: list[OfficerYear]


def coverage(session: Session, scope: Scope, year: int, today: date, zone: ZoneInfo) -> Coverage:
    start = date(year, 1, 1)
    end = min(today, date(year, 12, 31))
    rooms = session.scalars(scope.select(Room).where(Room.deleted.is_(False)).order_by(Room.name)).all()
    room_ids = [room.id for room in rooms]
    items = session.scalars(select(Assignment).where(
        Assignment.room_id.in_(room_ids), Assignment.deleted.is_(False), Assignment.due_date >= start,
        Assignment.due_date <= end, Assignment.status.in_(("open", "done", "missed")))).all()
    scheduled: dict[uuid.UUID, Share] = {room: Share() for room in room_ids}
    assigned: dict[uuid.UUID, Share] = {}
    for item in items:
        if item.origin == "schedule":
            if item.due_date < today or item.status == "done":
                scheduled[item.room_id].count(item.due_date, done_at(item), item.status == "missed", zone)
        elif item.officer_id is not None and (item.due_date < today or item.status == "done"):
            assigned.setdefault(item.officer_id, Share()).count(item.due_date, done_at(item), item.status == "missed",
                                                                zone)
    overdue = Counter(room for room, in session.execute(select(Assignment.room_id).where(
        Assignment.room_id.in_(room_ids), Assignment.status == "missed", Assignment.deleted.is_(False))))
    officers = session.scalars(select(Person).where(Person.role == "officer", Person.room_id.in_(room_ids),
                                                    Person.deleted.is_(False)).order_by(Person.display_name)).all()
    return Coverage([(room, scheduled[room.id], overdue[room.id]) for room in rooms],
                    [officer_year(session, officer, assigned.get(officer.id, Share()), start, end, today, zone)
                     for officer in officers])


def done_at(item: Assignment) -> Any:
    return item.done_at if item.status == "done" else None


def officer_year(session: Session, officer: Person, assignments: Share, start: date, end: date, today: date,
                 zone: ZoneInfo) -> OfficerYear:
    since, until = datetime.combine(start, time(), zone), datetime.combine(end + timedelta(days=1), time(), zone)
    inspections = session.scalar(select(func.count()).select_from(Inspection).where(
        Inspection.officer_id == officer.id, Inspection.status.in_(SUBMITTED), Inspection.deleted.is_(False),
        Inspection.inspected_at_utc >= since, Inspection.inspected_at_utc < until)) or 0
    followups = Share()
    satisfied = rated = 0
    for followup in session.scalars(select(Followup).where(
            Followup.officer_id == officer.id, Followup.deleted.is_(False), Followup.due_date >= start,
            Followup.due_date <= end, Followup.status != "cancelled")):
        if followup.status == "done" or followup.due_date < today:
            visited = followup.visited_at if followup.status == "done" else None
            followups.count(followup.due_date, visited, followup.status != "done", zone)
        if followup.satisfaction is not None:
            rated += 1
            satisfied += followup.satisfaction in SATISFIED
    return OfficerYear(officer, assignments, inspections, followups, satisfied, rated)
