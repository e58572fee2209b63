"""Planning the beat (``sync.planning``): a chief's rules and assignments, and the upkeep that keeps them.

- ``save_rule`` / ``assign`` / ``cancel`` / ``reassign``: a chief's acts on the dashboard, checked
  by the ownership matrix like any write (``via="console"``) and kept to the chief's station;
- ``hand_back``: an officer who moves room or is disabled gives their unfinished assignments
  back to the chief's queue (``handed_back``), never keeps them silently nor loses them;
- ``plan_inspections`` (upkeep): each venue under a rule has one open scheduled inspection, due
  on its next due date; a submitted inspection of the venue completes it;
- ``mark_missed`` (upkeep): an assignment still open after its due date becomes ``missed``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from server.access import Scope
from server.ledger import lock_ledger
from server.models import Assignment, Inspection, Person, Room, ScheduleRule, Venue
from server.operations.notices import chiefs_of, notify
from server.operations.records import authorise, locked
from server.refusals import Kind, Refused, invalid
from server.syncing.change import write_record
from server.syncing.wire import MAPPINGS
from sync.planning import STILL_TO_DO, SUBMITTED, cycle_start, interval_for, next_due

UNFINISHED = tuple(sorted(STILL_TO_DO))


def save_rule(session: Session, values: Mapping[str, Any], *, scope: Scope, actor_id: uuid.UUID,
              rule_id: uuid.UUID | None = None) -> ScheduleRule:
    """Add a schedule rule to the chief's station, or change one of its rules."""
    lock_ledger(session)
    values = {**values, "station_id": scope.station_id or values.get("station_id")}
    rule = ScheduleRule() if rule_id is None else locked(session, ScheduleRule, rule_id, scope)
    if rule_id is not None and rule.station_id != values["station_id"]:
        raise Refused("out_of_scope", "This rule is another station's.", kind=Kind.FORBIDDEN)
    authorise(rule, "create" if rule_id is None else "change", MAPPINGS["schedule_rule"].data.dump(values),
              role=scope.role, person_id=actor_id, via="console")
    return write_record(session, rule, "create" if rule_id is None else "update", dict(values), actor_id=actor_id)


def officer_in_scope(session: Session, scope: Scope, officer_id: uuid.UUID) -> Person:
    """An active officer of one of the scope's rooms, or the refusal an assignment to anyone else gets."""
    officer = session.get(Person, officer_id)
    if officer is None or officer.role != "officer" or not officer.active or not scope.covers_room(officer.room_id):
        raise invalid({"officer_id": ["Choose an active officer of one of your rooms."]},
                      "An assignment goes to an officer of your station.")
    return officer


def assign(session: Session, values: Mapping[str, Any], *, scope: Scope, actor_id: uuid.UUID) -> Assignment:
    """A chief's assignment to an officer: in the officer's room, of a venue there; the officer is told."""
    lock_ledger(session)
    officer = officer_in_scope(session, scope, values["officer_id"])
    if values.get("venue_id") is not None:
        venue = session.get(Venue, values["venue_id"])
        if venue is None or venue.deleted or venue.room_id != officer.room_id:
            raise invalid({"venue_id": ["Choose a venue of the officer's room."]},
                          "The venue is not in the officer's room.")
    assignment = Assignment(room_id=officer.room_id, origin="chief", assigned_by=actor_id, status="open")
    data = {**values, "room_id": officer.room_id, "origin": "chief", "assigned_by": actor_id, "status": "open"}
    authorise(assignment, "create", MAPPINGS["assignment"].data.dump(data), role=scope.role, person_id=actor_id,
              via="console")
    write_record(session, assignment, "create", data, actor_id=actor_id)
    notify(session, [officer.id], "assigned", "assignment", assignment.id, values.get("note", ""), actor_id=actor_id)
    return assignment


def reassign(session: Session, assignment_id: uuid.UUID, officer_id: uuid.UUID, due_date: date, *, scope: Scope,
             actor_id: uuid.UUID) -> Assignment:
    """Give an assignment (one handed back, say) to an officer of its room, due on ``due_date``."""
    assignment = locked(session, Assignment, assignment_id, scope)
    officer = officer_in_scope(session, scope, officer_id)
    if officer.room_id != assignment.room_id:
        raise invalid({"officer_id": ["Choose an officer of the assignment's room."]},
                      "An assignment stays in its room; cancel it and assign a new one elsewhere.")
    if assignment.status in ("done", "cancelled"):
        raise Refused("not_open", "A done or cancelled assignment is not reassigned.", kind=Kind.CONFLICT)
    changes = {"officer_id": officer.id, "due_date": due_date, "status": "open", "missed_on": None,
               "handed_back_reason": None, "handed_back_from": None}
    authorise(assignment, "change", {"officer_id": str(officer.id), "due_date": due_date.isoformat()},
              role=scope.role, person_id=actor_id, via="console")
    had = assignment.officer_id
    write_record(session, assignment, "update", changes, actor_id=actor_id)
    if had is not None and had != officer.id:
        notify(session, [had], "withdrawn", "assignment", assignment.id, officer.display_name, actor_id=actor_id)
    notify(session, [officer.id], "assigned", "assignment", assignment.id, assignment.note, actor_id=actor_id)
    return assignment


def cancel(session: Session, assignment_id: uuid.UUID, *, scope: Scope, actor_id: uuid.UUID) -> Assignment:
    assignment = locked(session, Assignment, assignment_id, scope)
    if assignment.status == "done":
        raise Refused("not_open", "A done assignment stays done.", kind=Kind.CONFLICT)
    if assignment.origin == "schedule":
        raise Refused("scheduled", "A scheduled inspection follows the station's rules: change the rule instead.",
                      kind=Kind.CONFLICT)
    authorise(assignment, "change", {"status": "cancelled"}, role=scope.role, person_id=actor_id, via="console")
    write_record(session, assignment, "update", {"status": "cancelled"}, actor_id=actor_id)
    notify(session, [assignment.officer_id], "withdrawn", "assignment", assignment.id, actor_id=actor_id)
    return assignment


def hand_back(session: Session, person: Person, reason: str, *, actor_id: uuid.UUID | None) -> int:
    """Return an officer's unfinished assignments to their station's chiefs, who are told; how many."""
    unfinished = session.scalars(
        select(Assignment).where(Assignment.officer_id == person.id, Assignment.status.in_(UNFINISHED),
                                 Assignment.deleted.is_(False)).execution_options(populate_existing=True)).all()
    for assignment in unfinished:
        write_record(session, assignment, "hand_back", {"status": "handed_back", "officer_id": None,
                                                        "handed_back_reason": reason, "handed_back_from": person.id},
                     actor_id=actor_id)
        station = session.scalar(select(Room.station_id).where(Room.id == assignment.room_id))
        notify(session, chiefs_of(session, station), "handed_back", "assignment", assignment.id,
               person.display_name, actor_id=actor_id)
    return len(unfinished)


def mark_missed(session: Session, today: date) -> dict[str, int]:
    """Mark every assignment still open after its due date ``missed``, telling its officer and, for their own
    assignments, the station's chiefs (a missed scheduled inspection shows in the coverage, not one notice
    per venue)."""
    lock_ledger(session)
    overdue = session.scalars(select(Assignment).where(Assignment.status == "open", Assignment.due_date < today,
                                                       Assignment.deleted.is_(False))
                              .execution_options(populate_existing=True)).all()
    stations = {room: station for room, station in session.execute(select(Room.id, Room.station_id))}
    for assignment in overdue:
        write_record(session, assignment, "miss", {"status": "missed", "missed_on": assignment.due_date},
                     actor_id=None)
        chiefs = chiefs_of(session, stations.get(assignment.room_id)) if assignment.origin == "chief" else []
        notify(session, [assignment.officer_id, *chiefs], "missed", "assignment", assignment.id,
               assignment.due_date.isoformat())
    return {"assignments_missed": len(overdue)} if overdue else {}


def plan_inspections(session: Session, today: date, zone: ZoneInfo) -> dict[str, int]:
    """Keep each venue's scheduled inspection in step with the rules and its inspections.

    For every venue: an open or missed scheduled inspection a submitted inspection did is marked
    done, linking it; an open one not yet due is re-dated when the rules now give another day, or
    cancelled when no rule covers the venue any more; and a venue under a rule with nothing open
    gets its next one, due on its next due date (never two on one day).
    """
    rules = rules_in_force(session)
    lock_ledger(session)
    counts = {"scheduled_done": 0, "scheduled": 0, "rescheduled": 0, "unscheduled": 0}
    scheduled = session.scalars(select(Assignment).where(
        Assignment.origin == "schedule", Assignment.deleted.is_(False),
        or_(Assignment.status.in_(UNFINISHED), Assignment.due_date >= today - timedelta(days=366)))
        .execution_options(populate_existing=True)).all()
    if not rules and not any(item.status in STILL_TO_DO for item in scheduled):
        return {}
    by_venue: dict[uuid.UUID, list[Assignment]] = {}
    for assignment in scheduled:
        by_venue.setdefault(assignment.venue_id, []).append(assignment)  # type: ignore[arg-type]
    last: dict[uuid.UUID, datetime] = {venue: at for venue, at in session.execute(
        select(Inspection.venue_id, func.max(Inspection.inspected_at_utc))
        .where(Inspection.status.in_(SUBMITTED), Inspection.deleted.is_(False)).group_by(Inspection.venue_id))}
    for venue, station_id in session.execute(select(Venue, Room.station_id).join(Room, Room.id == Venue.room_id)
                                             .where(Venue.deleted.is_(False))).all():
        interval = interval_for(rules, str(station_id), venue.kind, venue.risk_level, today)
        items = by_venue.get(venue.id, [])
        if not items and interval is None:
            continue
        inspected: datetime | None = last.get(venue.id)
        last_day = inspected.astimezone(zone).date() if inspected else None
        for item in items:
            if item.status in STILL_TO_DO and inspected is not None:
                done = completed_by(session, venue.id, done_since(item.due_date, item.created_at, interval, zone))
                if done is not None:
                    write_record(session, item, "complete", {"status": "done", "inspection_id": done.id,
                                                             "done_at": done.inspected_at}, actor_id=None)
                    counts["scheduled_done"] += 1
        missed = max((item.due_date for item in items if item.status == "missed"), default=None)
        due = next_due(interval, last_day, missed, today) if interval is not None else None
        for item in items:
            if item.status != "open" or item.due_date < today or item.due_date == due:
                continue
            if due is None:
                write_record(session, item, "unschedule", {"status": "cancelled"}, actor_id=None)
                counts["unscheduled"] += 1
            elif not any(other.due_date == due for other in items):
                write_record(session, item, "reschedule", {"due_date": due}, actor_id=None)
                counts["rescheduled"] += 1
        if due is None or any(item.status == "open" for item in items) or any(item.due_date == due for item in items):
            continue
        write_record(session, Assignment(room_id=venue.room_id, origin="schedule", kind="inspection",
                                         venue_id=venue.id, due_date=due), "schedule", actor_id=None)
        counts["scheduled"] += 1
    return {name: count for name, count in counts.items() if count}


def rules_in_force(session: Session, station_id: uuid.UUID | None = None) -> list[dict[str, Any]]:
    """The active schedule rules (of one station), in wire form as ``sync.planning.interval_for`` reads them."""
    where: list[ColumnElement[bool]] = [ScheduleRule.deleted.is_(False), ScheduleRule.active.is_(True)]
    if station_id is not None:
        where.append(ScheduleRule.station_id == station_id)
    return [MAPPINGS["schedule_rule"].wire_of(rule) for rule in session.scalars(select(ScheduleRule).where(*where))]


def done_since(due_date: date, planned_at: datetime, interval: tuple[int, date] | None, zone: ZoneInfo) -> datetime:
    """From when an inspection of the venue does a scheduled inspection due on ``due_date``
    (``sync.planning.cycle_start``); without a rule in force any more, one since it was planned."""
    if interval is None:
        return planned_at
    return datetime.combine(cycle_start(due_date, interval[0]), time(), zone)


def completed_by(session: Session, venue_id: uuid.UUID, since: datetime) -> Inspection | None:
    """The first submitted inspection of a venue since ``since``: the one that did a scheduled inspection."""
    return session.scalars(select(Inspection).where(
        Inspection.venue_id == venue_id, Inspection.status.in_(SUBMITTED), Inspection.deleted.is_(False),
        Inspection.inspected_at_utc >= since).order_by(Inspection.inspected_at_utc)).first()
