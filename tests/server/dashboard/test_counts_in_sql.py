"""The dashboard's counts made by the database equal the counts made row by row in Python, on the demo's weeks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask, g
from sqlalchemy import select

from server.access import Scope
from server.dashboard.deadlines import overdue_items, per_room
from server.dashboard.figures import SATISFIED, WEEKS, Tally, tally_weeks, week_of
from server.dashboard.inbox import gather, inbox_filters
from server.dashboard.present import station_zone
from server.extensions import db
from server.models import Followup, Inspection, Person, Room
from tests.conftest import demo_app

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo(migrated_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with demo_app(migrated_database, tmp_path_factory.mktemp("demo"), NOW) as app:
        yield app


@pytest.fixture(params=["admin", "chief1"])
def as_reader(demo: Flask, request: pytest.FixtureRequest) -> Iterator[Scope]:
    """A dashboard request of the admin, or of 南湖派出所's chief, with their scope."""
    with demo.test_request_context("/dashboard/inbox"):
        person = db.session.scalars(select(Person).where(Person.username == request.param)).one()
        g.scope = Scope.of(db.session(), person)
        g.person = person
        yield g.scope


def tallied_row_by_row(scope: Scope, first_week: date, today: date) -> tuple[dict[date, Tally], dict[Any, Tally]]:
    """The figures as they were counted before the database did it: every row loaded and tallied here."""
    zone = station_zone()
    since = datetime.combine(first_week, datetime.min.time(), zone)
    weeks = {first_week + timedelta(weeks=n): Tally() for n in range(WEEKS)}
    rooms = {room.id: (room, Tally()) for room in db.session.scalars(scope.select(Room).order_by(Room.name))}
    for log in db.session.scalars(scope.select(Inspection).where(Inspection.inspected_at_utc >= since,
                                                                 Inspection.deleted.is_(False))):
        for tally in (weeks.get(week_of(log.inspected_at_utc.astimezone(zone).date())),
                      rooms[log.room_id][1] if log.room_id in rooms else None):
            if tally is not None:
                tally.add("inspections")
                tally.add("hazards", log.hazard_level != "none")
    for log in db.session.scalars(scope.select(Followup).where(Followup.deleted.is_(False))):
        room = rooms[log.room_id][1] if log.room_id in rooms else None
        visited = log.visited_at_utc.astimezone(zone).date() \
            if log.status == "done" and log.visited_at_utc is not None else None
        if log.due_date >= first_week and (visited is not None or log.due_date < today):
            for tally in (weeks.get(week_of(log.due_date)), room):
                if tally is not None:
                    tally.add("due")
                    tally.add("on_time", visited is not None and visited <= log.due_date)
        if visited is None or visited < first_week:
            continue
        for tally in (weeks.get(week_of(visited)), room):
            if tally is not None:
                tally.add("rectified", log.subject_kind == "rectification" and bool(log.rectified))
                tally.add("rated", log.satisfaction is not None)
                tally.add("satisfied", log.satisfaction in SATISFIED)
    return weeks, {room: tally for room, tally in rooms.values()}


@pytest.mark.parametrize("weeks_back", [0, 3, -2])
def test_the_figures_counted_by_the_database_equal_the_row_by_row_counts(as_reader: Scope, weeks_back: int) -> None:
    today = NOW.astimezone(UTC).date() - timedelta(weeks=weeks_back)
    first_week = week_of(today) - timedelta(weeks=WEEKS - 1)
    weeks, rooms = tally_weeks(first_week, today)
    expected_weeks, expected_rooms = tallied_row_by_row(as_reader, first_week, today)
    assert {week: tally.counts for week, tally in weeks.items()} == \
        {week: tally.counts for week, tally in expected_weeks.items()}
    assert {room.id: tally.counts for room, tally in rooms.items()} == \
        {room.id: tally.counts for room, tally in expected_rooms.items()}
    assert all(sum(tally.counts[measure] for tally in weeks.values()) > 0 for measure in ("inspections", "due"))


@pytest.mark.parametrize("query", [{}, {"status": "submitted"}, {"hazard": "minor"}, {"venue_kind": "hotel"},
                                   {"kind": "followup"}, {"kind": "followup", "status": "planned"}])
def test_the_inbox_counts_equal_the_logs_counted_one_by_one(as_reader: Scope, query: dict[str, str]) -> None:
    filters = inbox_filters.load(query)
    model = Inspection if filters["kind"] == "inspection" else Followup
    logs = db.session.scalars(as_reader.select(model).where(model.deleted.is_(False))).all()
    logs = [log for log in logs if (not filters["hazard"] or log.hazard_level == filters["hazard"])
            and (not filters["venue_kind"] or log.venue.kind == filters["venue_kind"])]
    found = gather(filters, {})
    by_status: dict[str, int] = {}
    for log in logs:
        by_status[log.status] = by_status.get(log.status, 0) + 1
    assert found.by_status == by_status
    assert found.total == len([log for log in logs if not filters["status"] or log.status == filters["status"]])
    assert found.new_count == len(logs) > 0


def overdue_row_by_row(scope: Scope, today: date) -> set[tuple[str, Any]]:
    """Deadlines' items as they were found before the database did it: every candidate loaded and checked here."""
    rechecked = {log.inspection_id for log in db.session.scalars(select(Followup).where(
        Followup.status == "done", Followup.rectified.is_(True)))}
    rectifying = {log.id for log in db.session.scalars(scope.select(Inspection).where(
        Inspection.rectification_required.is_(True), Inspection.rectification_deadline < today,
        Inspection.deleted.is_(False))) if log.id not in rechecked}
    followups = {("followup", log.id) for log in db.session.scalars(scope.select(Followup).where(
        Followup.status == "planned", Followup.due_date < today, Followup.deleted.is_(False)))
        if not (log.subject_kind == "rectification" and log.inspection_id in rectifying)}
    return followups | {("rectification", log_id) for log_id in rectifying}


@pytest.mark.parametrize("weeks_back", [0, 8])
def test_the_overdue_items_and_their_counts_per_room_equal_the_row_by_row_ones(
        as_reader: Scope, weeks_back: int) -> None:
    today = NOW.astimezone(UTC).date() - timedelta(weeks=weeks_back)
    items = overdue_items(as_reader, today)
    found = {(kind, log_id) for kind, log_id in db.session.execute(select(items.c.kind, items.c.id))}
    expected = overdue_row_by_row(as_reader, today)
    assert found == expected and sum(room.count for room in per_room(items)) == len(expected)
    assert weeks_back or {kind for kind, _log_id in expected} == {"followup", "rectification"}
