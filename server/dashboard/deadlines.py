"""What is overdue: planned follow-ups past their date and rectifications past their deadline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import render_template
from sqlalchemy import and_, exists
from sqlalchemy.orm import joinedload

from server.access import current_scope
from server.dashboard import bp
from server.dashboard.auth import page
from server.dashboard.present import station_today
from server.extensions import db
from server.models import Followup, Inspection


@dataclass
class Overdue:
    kind: str
    log: Any
    due: date
    days: int


def overdue(today: date) -> list[Overdue]:
    """Each overdue thing once: a rectification past its deadline stands for its planned re-check (only that;
    another follow-up naming the inspection, a case re-visit say, keeps its own line)."""
    scope = current_scope()
    followups = db.session.scalars(scope.select(Followup).options(
        joinedload(Followup.venue), joinedload(Followup.officer), joinedload(Followup.room))
        .where(Followup.status == "planned", Followup.due_date < today, Followup.deleted.is_(False))).all()
    rechecked = exists().where(and_(Followup.inspection_id == Inspection.id, Followup.status == "done",
                                    Followup.rectified.is_(True)))
    rectifications = db.session.scalars(scope.select(Inspection).options(
        joinedload(Inspection.venue), joinedload(Inspection.officer), joinedload(Inspection.room))
        .where(Inspection.rectification_required.is_(True), Inspection.rectification_deadline < today,
               Inspection.deleted.is_(False), ~rechecked)).all()
    rectifying = {log.id for log in rectifications}
    found = [Overdue("followup", log, log.due_date, (today - log.due_date).days) for log in followups
             if not (log.subject_kind == "rectification" and log.inspection_id in rectifying)]
    found += [Overdue("rectification", log, log.rectification_deadline, (today - log.rectification_deadline).days)
              for log in rectifications]
    return sorted(found, key=lambda item: (item.log.room.name, item.log.officer.display_name, -item.days))


def grouped(items: list[Overdue]) -> list[tuple[Any, list[tuple[Any, list[Overdue]]]]]:
    """By room, then by officer, most overdue first within each."""
    rooms: dict[Any, dict[Any, list[Overdue]]] = {}
    for item in items:
        rooms.setdefault(item.log.room, {}).setdefault(item.log.officer, []).append(item)
    return [(room, list(officers.items())) for room, officers in rooms.items()]


@bp.route("/deadlines")
@page()
def deadlines() -> str:
    today = station_today()
    items = overdue(today)
    return render_template("dashboard/deadlines.html", rooms=grouped(items), total=len(items), today=today)
