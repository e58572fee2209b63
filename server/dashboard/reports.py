"""Exports: the filtered inbox as CSV, and a printable report of one week."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from flask import Response, render_template, request
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy.orm import joinedload

from server.access import current_scope
from server.dashboard import bp
from server.dashboard.auth import page
from server.dashboard.figures import week_of
from server.dashboard.forms import WeekQuery
from server.dashboard.inbox import filtered, model_of, read_filters, sorted_by
from server.dashboard.present import day_start, station_time, station_today, word
from server.extensions import db
from server.models import Inspection

CSV_LIMIT = 50_000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP's CSV injection list)."""
week_query = WeekQuery()


def as_text(cell: Any) -> Any:
    """A cell a spreadsheet shows as text: one starting like a formula gets a leading quote."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


class SpreadsheetWriter:
    """``csv.writer`` for files people open in a spreadsheet: no cell runs as a formula."""

    def __init__(self, buffer: io.StringIO) -> None:
        self.table = csv.writer(buffer)

    def writerow(self, row: Iterable[Any]) -> None:
        self.table.writerow([as_text(cell) for cell in row])


@bp.route("/inbox.csv")
@page()
def inbox_csv() -> Response:
    """Every log the inbox's filters select (not just one page), for a spreadsheet, headed in the page's language.

    Times are station time, as the pages show them."""
    filters, _errors = read_filters()
    model = model_of(filters)
    logs = db.session.scalars(sorted_by(filtered(current_scope(), filters), filters).options(
        joinedload(model.venue), joinedload(model.officer), joinedload(model.room)).limit(CSV_LIMIT)).unique()
    buffer = io.StringIO()
    buffer.write("\ufeff")
    table = SpreadsheetWriter(buffer)
    if model is Inspection:
        table.writerow(["ID", _("Room"), _("Officer"), _("Venue"), _("Venue kind"), _("Inspected (station time)"),
                        _("Received by the server"), _("Hazard level"), _("Rectification deadline"), _("Status"),
                        _("Findings"), _("Review comment")])
        for log in logs:
            table.writerow([log.id, log.room.name, log.officer.display_name, log.venue.name,
                            word("venue_kind", log.venue.kind), station_time(log.inspected_at),
                            station_time(log.created_at), word("hazard", log.hazard_level),
                            log.rectification_deadline or "", word("inspection_status", log.status),
                            log.findings, log.review_comment])
    else:
        table.writerow(["ID", _("Room"), _("Officer"), _("Venue"), _("Subject"), _("Case number"), _("Due"),
                        _("Visited (station time)"), _("Status"), _("Satisfaction"), _("Outcome")])
        for log in logs:
            table.writerow([log.id, log.room.name, log.officer.display_name, log.venue.name,
                            word("subject", log.subject_kind), log.case_number, log.due_date,
                            station_time(log.visited_at), word("followup_status", log.status),
                            word("satisfaction", log.satisfaction), log.outcome])
    name = f"beatlog-{filters['kind']}s-{station_today().isoformat()}.csv"
    return Response(buffer.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/reports/week")
@page()
def week_report() -> str:
    try:
        chosen = week_query.load(request.args).get("start")
    except ValidationError:
        chosen = None
    start = week_of(chosen or station_today())
    logs = db.session.scalars(current_scope().select(Inspection).options(
        joinedload(Inspection.venue), joinedload(Inspection.officer), joinedload(Inspection.room)).where(
        Inspection.inspected_at_utc >= day_start(start),
        Inspection.inspected_at_utc < day_start(start + timedelta(days=7)),
        Inspection.deleted.is_(False)).order_by(Inspection.inspected_at_utc)).unique().all()
    return render_template("dashboard/week.html", logs=logs, start=start, end=start + timedelta(days=6),
                           previous=start - timedelta(days=7), following=start + timedelta(days=7))
