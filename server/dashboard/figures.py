"""Per room and per week: inspections, hazards, rectifications closed, follow-ups on time, satisfaction.

Charts are SVG drawn on the server from these numbers, so they need no script and no
internet connection, and they print.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import render_template
from sqlalchemy import case, func, literal

from server.access import current_person, current_scope
from server.dashboard import bp
from server.dashboard.auth import page
from server.dashboard.coverage import coverage
from server.dashboard.present import day_start, station_today, station_zone
from server.database import UTCDateTime
from server.extensions import db
from server.models import Followup, Inspection, Room

WEEKS = 8
SATISFIED = ("satisfied", "basically_satisfied")
MEASURES = ("inspections", "hazards", "rectified", "on_time", "due", "satisfied", "rated")


@dataclass
class Tally:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MEASURES, 0))

    def add(self, measure: str, amount: int = 1) -> None:
        self.counts[measure] += amount

    def share(self, part: str, whole: str) -> int | None:
        return round(100 * self.counts[part] / self.counts[whole]) if self.counts[whole] else None


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_number(column: Any, bounds: list[Any]) -> Any:
    """The number of the window's week ``column`` falls in, or -1 (``bounds``: the weeks' starts, the window's end)."""
    return case(*[(column < bound, n - 1) for n, bound in enumerate(bounds) if n], else_=-1) if bounds else -1


def counted(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


def tally_weeks(first_week: date, today: date) -> tuple[dict[date, Tally], dict[Any, Tally]]:
    """Totals per week (all rooms in scope) and per room, over the weeks from ``first_week``.

    Inspections count in the week (station time) they were made, visits in the week they were
    made, and follow-ups fall due in the week of their due date: one done by that date is on
    time; one still planned after it is late, as the Deadlines page lists it.

    The database counts, grouped by room and week: week bounds are station midnights turned
    into UTC here, and "visited by its due date" compares with the end of the due day, station
    time, given per due date (those of the window and the few later ones visited already). Rows
    after the window count for their room only.
    """
    scope = current_scope()
    starts = [first_week + timedelta(weeks=n) for n in range(WEEKS + 1)]
    weeks = {start: Tally() for start in starts[:-1]}
    rooms = {room.id: (room, Tally()) for room in db.session.scalars(scope.select(Room).order_by(Room.name))}

    def add(room_id: Any, week: int, amounts: dict[str, Any]) -> None:
        room = rooms[room_id][1] if room_id in rooms else None
        for tally in (weeks[starts[week]] if 0 <= week < WEEKS else None, room):
            if tally is not None:
                for measure, amount in amounts.items():
                    tally.add(measure, int(amount or 0))

    made = week_number(Inspection.inspected_at_utc, [day_start(start) for start in starts])
    for room_id, week, inspections, hazards in db.session.execute(scope.select(Inspection).with_only_columns(
            Inspection.room_id, made, func.count(), counted(Inspection.hazard_level != "none"))
            .where(Inspection.inspected_at_utc >= day_start(first_week), Inspection.deleted.is_(False))
            .group_by(made, Inspection.room_id)):
        add(room_id, week, {"inspections": inspections, "hazards": hazards})
    visited = (Followup.status == "done") & Followup.visited_at_utc.is_not(None)
    later = db.session.scalars(scope.select(Followup).with_only_columns(Followup.due_date).distinct().where(
        Followup.deleted.is_(False), Followup.due_date >= starts[-1], visited)).all()
    days = [first_week + timedelta(days=n) for n in range(WEEKS * 7)] + list(later)
    day_end = case({day: literal(day_start(day + timedelta(days=1)), UTCDateTime()) for day in days},
                   value=Followup.due_date)
    falls_due = week_number(Followup.due_date, starts)
    for room_id, week, due, on_time in db.session.execute(scope.select(Followup).with_only_columns(
            Followup.room_id, falls_due, func.count(), counted(visited & (Followup.visited_at_utc < day_end)))
            .where(Followup.deleted.is_(False), Followup.due_date >= first_week, visited | (Followup.due_date < today))
            .group_by(falls_due, Followup.room_id)):
        add(room_id, week, {"due": due, "on_time": on_time})
    visit_week = week_number(Followup.visited_at_utc, [day_start(start) for start in starts])
    for room_id, week, rectified, rated, satisfied in db.session.execute(scope.select(Followup).with_only_columns(
            Followup.room_id, visit_week,
            counted((Followup.subject_kind == "rectification") & Followup.rectified.is_(True)),
            counted(Followup.satisfaction.is_not(None)), counted(Followup.satisfaction.in_(SATISFIED)))
            .where(Followup.deleted.is_(False), visited, Followup.visited_at_utc >= day_start(first_week))
            .group_by(visit_week, Followup.room_id)):
        add(room_id, week, {"rectified": rectified, "rated": rated, "satisfied": satisfied})
    return weeks, {room: tally for room, tally in rooms.values()}


def bar_chart(values: list[tuple[str, int | None]], width: int = 480, height: int = 190) -> dict[str, Any]:
    """Bars scaled to the largest value, with room above the tallest for its value and below for labels."""
    top = max([value or 0 for _, value in values] + [1])
    slot = width / max(len(values), 1)
    plot = height - 26
    tallest = plot - 20
    bars = [{"x": round(index * slot + slot * 0.15, 1), "w": round(slot * 0.7, 1),
             "h": round(tallest * (value or 0) / top, 1), "y": round(plot - tallest * (value or 0) / top, 1),
             "label": label, "value": "–" if value is None else value, "mid": round(index * slot + slot / 2, 1)}
            for index, (label, value) in enumerate(values)]
    return {"bars": bars, "width": width, "height": height, "baseline": plot}


@bp.route("/figures")
@page()
def figures() -> str:
    today = station_today()
    first_week = week_of(today) - timedelta(weeks=WEEKS - 1)
    weeks, rooms = tally_weeks(first_week, today)
    labels = [f"{week.month}/{week.day}" for week in weeks]
    series: dict[str, list[int | None]] = {
        "inspections": [tally.counts["inspections"] for tally in weeks.values()],
        "hazards": [tally.counts["hazards"] for tally in weeks.values()],
        "rectified": [tally.counts["rectified"] for tally in weeks.values()],
        "on_time": [tally.share("on_time", "due") for tally in weeks.values()],
        "satisfied": [tally.share("satisfied", "rated") for tally in weeks.values()],
    }
    charts = {name: bar_chart(list(zip(labels, values, strict=True))) for name, values in series.items()}
    covered = coverage(db.session(), current_scope(), today.year, today, station_zone()) \
        if current_person().role == "chief" else None
    return render_template("dashboard/figures.html", charts=charts, rooms=rooms, first_week=first_week,
                           last_day=first_week + timedelta(weeks=WEEKS, days=-1), covered=covered, year=today.year,
                           today=today)
