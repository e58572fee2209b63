"""The inbox of synced logs: filters, sorting, paging, counts, what is new, bulk approval."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext
from marshmallow import ValidationError
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import InstrumentedAttribute, joinedload
from werkzeug.wrappers import Response

from server.access import Scope, current_device, current_person, current_scope
from server.dashboard import bp
from server.dashboard.auth import page, safe_next
from server.dashboard.forms import BulkApproveForm, InboxFilters
from server.dashboard.present import day_start
from server.extensions import db
from server.models import Followup, InboxMark, Inspection, Person, Room, SyncConflict, Venue
from server.models.base import utcnow
from server.operations.review import review_inspection
from server.refusals import Refused
from server.transaction import writes
from sync import vocab

PAGE_SIZE = 50
COUNT_CAP = 10_000
"""The inbox counts this far and then says "more than": an exact count of a million logs reads them all."""
HAZARD_ORDER = {"severe": 0, "major": 1, "minor": 2, "none": 3}
inbox_filters = InboxFilters()
bulk_form = BulkApproveForm()


@dataclass
class Inbox:
    filters: dict[str, Any]
    logs: Sequence[Any]
    total: int
    by_status: dict[str, int]
    new_ids: set[uuid.UUID]
    new_count: int
    pages: int
    errors: dict[str, Any]
    capped: set[str]
    """Statuses whose count stopped at ``COUNT_CAP`` (shown as "10000+")."""
    total_capped: bool
    new_capped: bool


def model_of(filters: dict[str, Any]) -> type[Inspection | Followup]:
    return Inspection if filters["kind"] == "inspection" else Followup


def filtered(scope: Scope, filters: dict[str, Any], *, with_status: bool = True) -> Select:
    """The logs in scope that pass the filters (the status filter left out on request, for counts)."""
    model = model_of(filters)
    query = scope.select(model)
    if filters["room"]:
        query = query.where(model.room_id == filters["room"])
    if filters["officer"]:
        query = query.where(model.officer_id == filters["officer"])
    if filters["venue_kind"]:
        query = query.where(model.venue_id.in_(select(Venue.id).where(Venue.kind == filters["venue_kind"])))
    if filters["hazard"] and model is Inspection:
        query = query.where(Inspection.hazard_level == filters["hazard"])
    if filters["status"] and with_status:
        query = query.where(model.status == filters["status"])
    moment = Inspection.inspected_at_utc if model is Inspection else None
    if filters["date_from"]:
        query = query.where(moment >= day_start(filters["date_from"])) if moment is not None else \
            query.where(Followup.due_date >= filters["date_from"])
    if filters["date_to"]:
        query = query.where(moment < day_start(filters["date_to"] + timedelta(days=1))) if moment is not None \
            else query.where(Followup.due_date <= filters["date_to"])
    if filters["conflict"]:
        query = query.where(model.id.in_(select(SyncConflict.record_id).where(
            SyncConflict.status == "open", SyncConflict.record_type == filters["kind"])))
    return query.where(model.deleted.is_(False))


def sorted_by(query: Select, filters: dict[str, Any]) -> Select:
    """The chosen order, ending in the log's id so that pages never overlap.

    By venue and by officer, logs of two venues (officers) of the same name follow one another
    rather than mingle (their id comes next): the database then walks venues in name order and
    each one's logs in its (venue, time) index, instead of sorting every log."""
    model = model_of(filters)
    moment = Inspection.inspected_at_utc if model is Inspection else Followup.due_date
    orders: dict[str, list[ColumnElement[Any] | InstrumentedAttribute[Any]]] = {
        "newest": [moment.desc()], "oldest": [moment.asc()], "venue": [Venue.name, Venue.id, moment.desc()],
        "officer": [Person.display_name, Person.id, moment.desc()], "status": [model.status, moment.desc()],
        "hazard": [Inspection.hazard_level, moment.desc()] if model is Inspection else [moment.desc()],
    }
    order = orders[filters["sort"]]
    if filters["sort"] == "officer":
        query = query.join(Person, Person.id == model.officer_id)
    if filters["sort"] == "venue":
        query = query.join(Venue, Venue.id == model.venue_id)
    return query.order_by(*order, model.id)


def page_of(ids: Select, model: type[Any], number: int) -> list[Any]:
    """The page's logs, found in two steps: their ids in order (a sort the indexes can answer without reading
    the rows), then those rows with their venue, officer and room."""
    wanted = db.session.scalars(ids.limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)).all()
    found = {log.id: log for log in db.session.scalars(select(model).where(model.id.in_(wanted)).options(
        joinedload(model.venue), joinedload(model.officer), joinedload(model.room)))}
    return [found[log_id] for log_id in wanted]


def read_filters() -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        return inbox_filters.load(request.args), {}
    except ValidationError as error:
        return inbox_filters.load({}), error.normalized_messages()


def last_looked(person: Person) -> datetime | None:
    mark = db.session.get(InboxMark, person.id)
    return mark.seen_at if mark else None


def capped_count(query: Select) -> int:
    """How many rows the query selects, counting no further than one past ``COUNT_CAP``."""
    return db.session.scalar(select(func.count()).select_from(query.limit(COUNT_CAP + 1).subquery())) or 0


def gather(filters: dict[str, Any], errors: dict[str, Any]) -> Inbox:
    """One page of logs and the counts, each count read no further than ``COUNT_CAP`` rows.

    A count per status, each a range of a ``(…, status, …)`` index that stops at the cap; the
    total is their sum (or the chosen status's count), "more than" when one of them stopped.
    The new count stops at the cap too."""
    scope, model = current_scope(), model_of(filters)
    unfiltered = filtered(scope, filters, with_status=False).with_only_columns(model.id)
    statuses = vocab.INSPECTION_STATUSES if model is Inspection else vocab.FOLLOWUP_STATUSES
    counted = {status: capped_count(unfiltered.where(model.status == status)) for status in statuses}
    by_status = {status: min(count, COUNT_CAP) for status, count in counted.items() if count}
    capped = {status for status, count in counted.items() if count > COUNT_CAP}
    chosen = [filters["status"]] if filters["status"] else list(statuses)
    total = sum(by_status.get(status, 0) for status in chosen)
    total_capped = bool(capped & set(chosen))
    logs = page_of(sorted_by(filtered(scope, filters), filters).with_only_columns(model.id), model, filters["page"])
    seen = last_looked(current_person())
    new = capped_count(unfiltered.where(model.created_at > seen)) if seen else COUNT_CAP + 1 if capped else \
        sum(by_status.values())
    new_ids = {log.id for log in logs if seen is None or log.created_at > seen}
    pages = max(1, -(-total // PAGE_SIZE))
    if total_capped and len(logs) == PAGE_SIZE:
        pages = max(pages, filters["page"] + 1)
    return Inbox(filters, logs, total, by_status, new_ids, min(new, COUNT_CAP), pages, errors, capped, total_capped,
                 new > COUNT_CAP)


def choices(scope: Scope) -> dict[str, Sequence[Any]]:
    return {
        "rooms": db.session.scalars(scope.select(Room).order_by(Room.name)).all(),
        "officers": db.session.scalars(scope.select(Person).where(Person.role == "officer")
                                       .order_by(Person.display_name)).all(),
    }


@bp.route("/inbox")
@page()
@writes
def inbox() -> str:
    filters, errors = read_filters()
    found = gather(filters, errors)
    page_html = render_template("dashboard/inbox.html", inbox=found, **choices(current_scope()))
    mark = db.session.get(InboxMark, current_person().id) or InboxMark(person_id=current_person().id)
    mark.seen_at = utcnow()
    db.session.add(mark)
    return page_html


@bp.route("/inbox/approve", methods=["POST"])
@page()
def bulk_approve() -> Response:
    """Approve the ticked logs still as they were on the page; say which changed meanwhile.

    A refused log is skipped and the others are committed: ``review_inspection`` decides before
    it writes, so a refusal leaves nothing behind.
    """
    try:
        form = bulk_form.load({"logs": request.form.getlist("logs")})
    except ValidationError:
        flash(_("Tick the logs to approve first."), "problem")
        return redirect(safe_next(request.form.get("back", "")))
    approved, skipped = 0, 0
    for entry in form["logs"]:
        log_id, version = entry.split(":")
        try:
            review_inspection(db.session(), uuid.UUID(log_id), "approve", "", scope=current_scope(),
                              reviewer_id=current_person().id, device_id=current_device().id,
                              expected_version=int(version))
        except Refused:
            skipped += 1
            continue
        approved += 1
    flash(ngettext("%(num)d log approved.", "%(num)d logs approved.", approved), "done")
    if skipped:
        flash(ngettext("%(num)d log was not approved: it changed or is no longer waiting for review.",
                       "%(num)d logs were not approved: they changed or are no longer waiting for review.",
                       skipped), "problem")
    return redirect(safe_next(request.form.get("back", "")))
