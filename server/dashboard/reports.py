"""Exports: the filtered inbox as CSV, and a printable report of one week."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import Response, render_template, request, stream_with_context
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import aliased

from server.access import Scope, current_scope
from server.dashboard import bp
from server.dashboard.auth import page
from server.dashboard.figures import week_of
from server.dashboard.forms import WeekQuery
from server.dashboard.inbox import PAGE_SIZE, filtered, model_of, page_of, read_filters, sorted_by
from server.dashboard.present import day_start, station_time, station_today, word
from server.extensions import db
from server.models import Followup, Inspection, Person, Room, Venue
from server.replica import reads_primary
from sync import vocab

EXPORT_BATCH = 1000
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


def csv_lines(rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """Each row as one CSV line, spreadsheet-safe, after the byte-order mark that tells spreadsheets it is UTF-8."""
    buffer = io.StringIO()
    table = SpreadsheetWriter(buffer)
    yield "\ufeff"
    for row in rows:
        table.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def streamed(statement: Select) -> Iterator[Any]:
    """The statement's rows, queried only when the first is wanted: as the response is sent, after the
    request's commit, so the cursor lives in a transaction of its own until the export ends."""
    yield from db.session.execute(statement.execution_options(yield_per=EXPORT_BATCH))


def exported(filters: dict[str, Any]) -> Select:
    """The filtered logs in the inbox's order, as the columns the export writes: plain rows, not records
    (no record is built, so a row costs its formatting only)."""
    model = model_of(filters)
    room, officer, venue = aliased(Room), aliased(Person), aliased(Venue)
    named = [model.id, room.name, officer.display_name, venue.name]
    if model is Inspection:
        columns = [*named, venue.kind, Inspection.inspected_at_utc, Inspection.created_at, Inspection.hazard_level,
                   Inspection.rectification_deadline, Inspection.status, Inspection.findings,
                   Inspection.review_comment]
    else:
        columns = [*named, Followup.subject_kind, Followup.case_number, Followup.due_date, Followup.visited_at_utc,
                   Followup.status, Followup.satisfaction, Followup.outcome]
    return sorted_by(filtered(current_scope(), filters), filters).with_only_columns(*columns) \
        .join(room, room.id == model.room_id).join(officer, officer.id == model.officer_id) \
        .join(venue, venue.id == model.venue_id)


def inspection_rows(logs: Iterable[Any]) -> Iterator[list[Any]]:
    yield ["ID", _("Room"), _("Officer"), _("Venue"), _("Venue kind"), _("Inspected (station time)"),
           _("Received by the server"), _("Hazard level"), _("Rectification deadline"), _("Status"),
           _("Findings"), _("Review comment")]
    for log_id, room, officer, venue, kind, inspected, received, hazard, deadline, status, findings, comment in logs:
        yield [log_id, room, officer, venue, word("venue_kind", kind), station_time(inspected), station_time(received),
               word("hazard", hazard), deadline or "", word("inspection_status", status), findings, comment]


def followup_rows(logs: Iterable[Any]) -> Iterator[list[Any]]:
    yield ["ID", _("Room"), _("Officer"), _("Venue"), _("Subject"), _("Case number"), _("Due"),
           _("Visited (station time)"), _("Status"), _("Satisfaction"), _("Outcome")]
    for log_id, room, officer, venue, subject, case_number, due, visited, status, satisfaction, outcome in logs:
        yield [log_id, room, officer, venue, word("subject", subject), case_number, due, station_time(visited),
               word("followup_status", status), word("satisfaction", satisfaction), outcome]


@bp.route("/inbox.csv")
@reads_primary
@page()
def inbox_csv() -> Response:
    """Every log the inbox's filters select (not just one page), for a spreadsheet, headed in the page's language.

    Times are station time, as the pages show them. The rows stream as the database yields them,
    ``EXPORT_BATCH`` at a time (a server-side cursor on PostgreSQL), so an export of any size
    holds one batch in memory and its first bytes leave at once."""
    filters, _errors = read_filters()
    logs = streamed(exported(filters))
    rows = inspection_rows(logs) if model_of(filters) is Inspection else followup_rows(logs)
    name = f"beatlog-{filters['kind']}s-{station_today().isoformat()}.csv"
    return Response(stream_with_context(csv_lines(rows)), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@dataclass
class WeekRoom:
    id: uuid.UUID
    name: str
    by_hazard: dict[str, int]

    @property
    def count(self) -> int:
        return sum(self.by_hazard.values())


def week_per_room(scope: Scope, start: date) -> list[WeekRoom]:
    """The week's inspections counted per room and hazard level in SQL (the rows are not read)."""
    counted = select(Inspection.room_id, Inspection.hazard_level, func.count().label("count")).where(
        scope.where(Inspection), *in_week(start)).group_by(Inspection.room_id, Inspection.hazard_level).subquery()
    rooms: dict[uuid.UUID, WeekRoom] = {}
    for room_id, name, hazard, count in db.session.execute(
            select(Room.id, Room.name, counted.c.hazard_level, counted.c.count)
            .join(counted, counted.c.room_id == Room.id).order_by(Room.name, Room.id)):
        rooms.setdefault(room_id, WeekRoom(room_id, name, {})).by_hazard[hazard] = count
    return list(rooms.values())


def in_week(start: date) -> list[ColumnElement[bool]]:
    return [Inspection.inspected_at_utc >= day_start(start),
            Inspection.inspected_at_utc < day_start(start + timedelta(days=7)), Inspection.deleted.is_(False)]


@bp.route("/reports/week")
@page()
def week_report() -> str:
    """The week's counts per room and hazard, then one page of its inspections in time order (a room's alone on
    request): a week of a thousand rooms' logs is counted, not listed whole."""
    try:
        asked = week_query.load(request.args)
    except ValidationError:
        asked = week_query.load({})
    start = week_of(asked["start"] or station_today())
    rooms = week_per_room(current_scope(), start)
    shown = [room for room in rooms if asked["room"] in (None, room.id)]
    total = sum(room.count for room in shown)
    ids = current_scope().select(Inspection).with_only_columns(Inspection.id).where(*in_week(start)) \
        .order_by(Inspection.inspected_at_utc, Inspection.id)
    if asked["room"] is not None:
        ids = ids.where(Inspection.room_id == asked["room"])
    return render_template("dashboard/week.html", rooms=rooms, logs=page_of(ids, Inspection, asked["page"]),
                           total=total, room=asked["room"], page=asked["page"],
                           pages=max(1, -(-total // PAGE_SIZE)), hazards=vocab.HAZARD_LEVELS, start=start,
                           end=start + timedelta(days=6), previous=start - timedelta(days=7),
                           following=start + timedelta(days=7))
