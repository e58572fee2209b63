"""Per room and per week: inspections, hazards, rectifications closed, follow-ups on time, satisfaction.

Charts are SVG drawn on the server from these numbers, so they need no script and no
internet connection, and they print.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import render_template
from sqlalchemy import or_

from server.access import current_scope
from server.dashboard import bp
from server.dashboard.auth import page
from server.dashboard.present import day_start, station_today, station_zone
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


def tally_weeks(first_week: date, today: date) -> tuple[dict[date, Tally], dict[Any, Tally]]:
    """Totals per week (all rooms in scope) and per room, over the weeks from ``first_week``.

    Inspections count in the week (station time) they were made, visits in the week they were
    made, and follow-ups fall due in the week of their due date: one done by that date is on
    time; one still planned after it is late, as the Deadlines page lists it.
    """
    scope, zone = current_scope(), station_zone()
    since = day_start(first_week)
    weeks = {first_week + timedelta(weeks=n): Tally() for n in range(WEEKS)}
    rooms = {room.id: (room, Tally()) for room in db.session.scalars(scope.select(Room).order_by(Room.name))}
    inspections = db.session.execute(scope.select(Inspection).with_only_columns(
        Inspection.room_id, Inspection.inspected_at_utc, Inspection.hazard_level)
        .where(Inspection.inspected_at_utc >= since, Inspection.deleted.is_(False)))
    for room_id, moment, hazard in inspections:
        week = week_of(moment.astimezone(zone).date())
        for tally in (weeks.get(week), rooms[room_id][1] if room_id in rooms else None):
            if tally is not None:
                tally.add("inspections")
                tally.add("hazards", hazard != "none")
    followups = db.session.execute(scope.select(Followup).with_only_columns(
        Followup.room_id, Followup.status, Followup.visited_at_utc, Followup.due_date, Followup.subject_kind,
        Followup.rectified, Followup.satisfaction).where(
        Followup.deleted.is_(False), or_(Followup.visited_at_utc >= since, Followup.due_date >= first_week)))
    for room_id, status, visited_at, due, subject, rectified, satisfaction in followups:
        room = rooms[room_id][1] if room_id in rooms else None
        visited = visited_at.astimezone(zone).date() if status == "done" and visited_at is not None else None
        if due >= first_week and (visited is not None or due < today):
            for tally in (weeks.get(week_of(due)), room):
                if tally is not None:
                    tally.add("due")
                    tally.add("on_time", visited is not None and visited <= due)
        if visited is None or visited < first_week:
            continue
        for tally in (weeks.get(week_of(visited)), room):
            if tally is not None:
                tally.add("rectified", subject == "rectification" and bool(rectified))
                tally.add("rated", satisfaction is not None)
                tally.add("satisfied", satisfaction in SATISFIED)
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
    return render_template("dashboard/figures.html", charts=charts, rooms=rooms, first_week=first_week,
                           last_day=first_week + timedelta(weeks=WEEKS, days=-1))
