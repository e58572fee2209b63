"""The admin's conflict queue: side-by-side values, a choice per field, stale protection, bulk rules."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from marshmallow import ValidationError
from sqlalchemy import Select, select

from server.access import current_device, current_person
from server.dashboard import bp, on_refusal
from server.dashboard.auth import get_or_404, page
from server.dashboard.forms import BulkResolveForm, ConflictFilters, ResolveForm
from server.dashboard.values import checklist_sides, item_labels, typed_value
from server.extensions import db
from server.models import AuditEntry, Device, Person, Room, SyncConflict
from server.models.base import utcnow
from server.operations.conflicts import deleted_since, resolve_conflict
from server.refusals import Refused
from server.syncing.wire import MAPPINGS

CHECKLIST = "checklist"

conflict_filters = ConflictFilters()
resolve_form = ResolveForm()
bulk_resolve_form = BulkResolveForm()


def open_conflicts(filters: dict[str, Any]) -> Select:
    query = select(SyncConflict).where(SyncConflict.status == "open")
    if filters["record_type"]:
        query = query.where(SyncConflict.record_type == filters["record_type"])
    if filters["room"]:
        query = query.where(SyncConflict.room_id == filters["room"])
    if filters["person"]:
        query = query.where(SyncConflict.person_id == filters["person"])
    if filters["older_than_days"]:
        query = query.where(SyncConflict.created_at <= utcnow() - timedelta(days=filters["older_than_days"]))
    return query.order_by(SyncConflict.created_at, SyncConflict.id)


def read_conflict_filters() -> dict[str, Any]:
    try:
        return conflict_filters.load(request.args)
    except ValidationError:
        return conflict_filters.load({})


def people_and_rooms(conflicts: Sequence[SyncConflict]) -> dict[str, Any]:
    return {
        "people": {person.id: person for person in db.session.scalars(select(Person))},
        "rooms": {room.id: room for room in db.session.scalars(select(Room).order_by(Room.name))},
        "devices": {device.id: device for device in db.session.scalars(
            select(Device).where(Device.id.in_({conflict.device_id for conflict in conflicts})))},
    }


@bp.route("/conflicts")
@page("admin")
def conflicts() -> str:
    filters = read_conflict_filters()
    found = db.session.scalars(open_conflicts(filters).limit(500)).all()
    return render_template("dashboard/conflicts.html", conflicts=found, filters=filters,
                           now=utcnow(), **people_and_rooms(found))


def the_record(conflict: SyncConflict) -> Any:
    return db.session.get(MAPPINGS[conflict.record_type].model, conflict.record_id)


def render_conflict(conflict: SyncConflict, status: int = 200, **extra: Any) -> tuple[str, int]:
    record = the_record(conflict)
    current = MAPPINGS[conflict.record_type].wire_of(record)
    history = db.session.scalars(select(AuditEntry).where(AuditEntry.record_id == conflict.record_id)
                                 .order_by(AuditEntry.id.desc()).limit(30)).all()
    items = item_labels(current.get("template_id"), current.get("template_version"))
    checklist = checklist_sides(conflict.sides[CHECKLIST], current.get(CHECKLIST), items) \
        if CHECKLIST in conflict.sides else []
    return render_template("dashboard/conflict.html", conflict=conflict, record=record, current=current,
                           history=history, items=items, checklist=checklist,
                           deleted_since=deleted_since(conflict, record), **people_and_rooms([conflict]),
                           **extra), status


@bp.route("/conflicts/<id:conflict_id>")
@page("admin")
def conflict(conflict_id: uuid.UUID) -> tuple[str, int]:
    found = get_or_404(SyncConflict, conflict_id)
    return render_conflict(found)


def chosen_values(conflict: SyncConflict, form: Mapping[str, Any]) -> dict[str, Any]:
    """The value picked for each field: the server's (left as it is), the device's, or one typed.

    A checklist is chosen item by item: the server's checklist as it is now, with the phone's
    answer for each item picked so.
    """
    values: dict[str, Any] = {}
    for name, sides in conflict.sides.items():
        if name == CHECKLIST:
            picked = chosen_checklist(conflict, sides, form)
            if picked is not None:
                values[name] = picked
            continue
        choice = form.get(f"choice-{name}", "server")
        if choice == "device":
            values[name] = sides["device"]
        elif choice == "typed":
            values[name] = typed_value(conflict.record_type, name, form.get(f"typed-{name}", ""))
    return values


def chosen_checklist(conflict: SyncConflict, sides: Mapping[str, Any], form: Mapping[str, Any]) -> Any:
    """The checklist with the phone's answer of each item picked so, or None when none is."""
    current = MAPPINGS[conflict.record_type].wire_of(the_record(conflict)).get(CHECKLIST) or {}
    device = sides.get("device") or {}
    picked = [key for key in set(current) | set(device) if form.get(f"choice-{CHECKLIST}.{key}") == "device"]
    if not picked:
        return None
    merged = dict(current)
    for key in picked:
        if key in device:
            merged[key] = device[key]
        else:
            merged.pop(key, None)
    return merged


def resolution_refused(refusal: Refused, conflict_id: uuid.UUID) -> tuple[str, int]:
    """The conflict as it is now, with why nothing was written."""
    found = get_or_404(SyncConflict, conflict_id)
    if refusal.code == "stale":
        return render_conflict(found, 409, problem=_(
            "Someone resolved this conflict or changed the record after you opened it. Nothing was written; "
            "here is the current state."))
    if refusal.code == "record_deleted":
        return render_conflict(found, 409, problem=_(
            "The record was deleted after this conflict was raised, so nothing was written: it stays deleted. "
            "Keep the server's values to close the conflict."))
    return render_conflict(found, 422, problem=_("A chosen value is not valid for this field."))


@bp.route("/conflicts/<id:conflict_id>/resolve", methods=["POST"])
@page("admin")
@on_refusal(resolution_refused)
def resolve(conflict_id: uuid.UUID) -> Any:
    found = get_or_404(SyncConflict, conflict_id)
    try:
        version = resolve_form.load(request.form)["expected_version"]
        values = chosen_values(found, request.form)
    except (ValidationError, ValueError):
        return render_conflict(found, 422, problem=_("A typed value is not valid for this field."))
    resolve_conflict(db.session(), conflict_id, values, version, admin_id=current_person().id,
                     device_id=current_device().id)
    flash(_("Conflict resolved. The phones get the result at their next sync."), "done")
    return redirect(url_for("dashboard.conflicts"))


@bp.route("/conflicts/bulk", methods=["GET", "POST"])
@page("admin")
def bulk_resolve() -> Any:
    """One rule for many conflicts (keep the device's or the server's value of a field), previewed first.

    A conflict that changed after the preview is refused and skipped, and the others are
    committed: ``resolve_conflict`` decides before it writes, so a refusal leaves nothing behind.
    """
    try:
        rule = bulk_resolve_form.load(request.values)
    except ValidationError as error:
        return render_template("dashboard/bulk_resolve.html", rule=None, matches=[], errors=error.messages,
                               **people_and_rooms([])), 422
    filters = {"record_type": rule["record_type"], "room": None, "person": None, "older_than_days": None}
    matches = [found for found in db.session.scalars(open_conflicts(filters))
               if set(found.sides) == {rule["field"]}]
    if request.method == "GET":
        versions = {found.id: the_record(found).version for found in matches}
        return render_template("dashboard/bulk_resolve.html", rule=rule, matches=matches, versions=versions,
                               errors={}, **people_and_rooms(matches))
    picked = dict(entry.split(":") for entry in request.form.getlist("picks"))
    resolved = skipped = 0
    for found in matches:
        if str(found.id) not in picked:
            continue
        values = {rule["field"]: found.sides[rule["field"]]["device"]} if rule["side"] == "device" else {}
        try:
            resolve_conflict(db.session(), found.id, values, int(picked[str(found.id)]),
                             admin_id=current_person().id, device_id=current_device().id)
            resolved += 1
        except Refused:
            skipped += 1
    flash(ngettext("%(num)d conflict resolved.", "%(num)d conflicts resolved.", resolved), "done")
    if skipped:
        flash(ngettext("%(num)d conflict was left: it changed after the preview.",
                       "%(num)d conflicts were left: they changed after the preview.", skipped), "problem")
    return redirect(url_for("dashboard.conflicts"))
