"""What is overdue: planned follow-ups past their date and rectifications past their deadline.

The page counts what is overdue per room in SQL and lists one bounded page of the items
(``PAGE_SIZE``), by room, officer and most overdue first; a room's count links to that room alone."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from typing import Any

from flask import render_template, request
from marshmallow import ValidationError
from sqlalchemy import ColumnElement, Subquery, and_, exists, func, literal, null, or_, select, union_all
from sqlalchemy.orm import aliased

from server.access import Scope, current_scope
from server.dashboard import bp
from server.dashboard.auth import page
from server.dashboard.forms import RoomPage
from server.dashboard.present import station_today
from server.extensions import db
from server.models import Followup, Inspection, Person, Room, Venue

PAGE_SIZE = 100
room_page = RoomPage()


@dataclass
class Overdue:
    kind: str
    id: uuid.UUID
    venue: str
    subject: str | None
    due: date
    days: int


@dataclass
class RoomCount:
    id: uuid.UUID
    name: str
    count: int
    oldest: date


def unrechecked_rectification(inspection: Any, today: date) -> ColumnElement[bool]:
    """``inspection`` required a rectification by a day before ``today`` and no re-check found it done."""
    recheck = aliased(Followup)
    rechecked = exists().where(and_(recheck.inspection_id == inspection.id, recheck.status == "done",
                                    recheck.rectified.is_(True)))
    return and_(inspection.rectification_required.is_(True), inspection.rectification_deadline < today,
                inspection.deleted.is_(False), ~rechecked)


def overdue_items(scope: Scope, today: date) -> Subquery:
    """Each overdue thing once, as (kind, id, room, officer, venue, subject, due): a rectification past its
    deadline stands for its planned re-check (only that; another follow-up naming the inspection, a case
    re-visit say, keeps its own line)."""
    rectifying = aliased(Inspection)
    stands_for_it = exists().where(and_(rectifying.id == Followup.inspection_id, scope.where(Inspection, rectifying),
                                        unrechecked_rectification(rectifying, today)))
    followups = select(literal("followup").label("kind"), Followup.id, Followup.room_id, Followup.officer_id,
                       Followup.venue_id, Followup.subject_kind.label("subject"), Followup.due_date.label("due")) \
        .where(scope.where(Followup), Followup.status == "planned", Followup.due_date < today,
               Followup.deleted.is_(False), or_(Followup.subject_kind != "rectification", ~stands_for_it))
    rectifications = select(literal("rectification").label("kind"), Inspection.id, Inspection.room_id,
                            Inspection.officer_id, Inspection.venue_id, null().label("subject"),
                            Inspection.rectification_deadline.label("due")) \
        .where(scope.where(Inspection), unrechecked_rectification(Inspection, today))
    return union_all(followups, rectifications).subquery("overdue")


def per_room(items: Subquery) -> list[RoomCount]:
    counted = select(items.c.room_id, func.count().label("count"), func.min(items.c.due).label("oldest")) \
        .group_by(items.c.room_id).subquery()
    rows = db.session.execute(select(Room.id, Room.name, counted.c.count, counted.c.oldest)
                              .join(counted, counted.c.room_id == Room.id).order_by(Room.name, Room.id))
    return [RoomCount(*row) for row in rows]


def spanned(rooms: list[RoomCount], number: int) -> tuple[list[uuid.UUID], int]:
    """The rooms page ``number`` spans (in ``per_room``'s order, the list's), and how far into the first it starts:
    the page then reads those rooms' items only."""
    start, before, offset = (number - 1) * PAGE_SIZE, 0, 0
    chosen: list[uuid.UUID] = []
    for room in rooms:
        if before + room.count > start and before < start + PAGE_SIZE:
            offset = offset if chosen else start - before
            chosen.append(room.id)
        before += room.count
    return chosen, offset


def page_of(items: Subquery, today: date, rooms: list[RoomCount], number: int) -> list[tuple[str, str, list[Overdue]]]:
    """One page of the items in these rooms as (room name, officer name, items), by room, officer and most
    overdue first."""
    chosen, offset = spanned(rooms, number)
    rows = db.session.execute(
        select(Room.name, Person.display_name, items.c.kind, items.c.id, Venue.name, items.c.subject, items.c.due)
        .join(Room, Room.id == items.c.room_id).join(Person, Person.id == items.c.officer_id)
        .join(Venue, Venue.id == items.c.venue_id).where(items.c.room_id.in_(chosen))
        .order_by(Room.name, Room.id, Person.display_name, Person.id, items.c.due, items.c.id)
        .limit(PAGE_SIZE).offset(offset)).all() if chosen else []
    return [(room_name, officer, [Overdue(kind, log_id, venue, subject, due, (today - due).days)
                                  for _room, _officer, kind, log_id, venue, subject, due in group])
            for (room_name, officer), group in groupby(rows, key=lambda row: (row[0], row[1]))]


@bp.route("/deadlines")
@page()
def deadlines() -> str:
    try:
        asked = room_page.load(request.args)
    except ValidationError:
        asked = room_page.load({})
    today = station_today()
    items = overdue_items(current_scope(), today)
    rooms = per_room(items)
    shown = [room for room in rooms if asked["room"] in (None, room.id)]
    total = sum(room.count for room in shown)
    return render_template("dashboard/deadlines.html", rooms=rooms, groups=page_of(items, today, shown, asked["page"]),
                           total=total, room=asked["room"], page=asked["page"],
                           pages=max(1, -(-total // PAGE_SIZE)), today=today)
