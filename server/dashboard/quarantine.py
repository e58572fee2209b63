"""Changes the server refused for good: read why, correct and apply them, or dismiss them with a reason.

The decisions themselves are operations (``server.operations.quarantine``); a correction the
engine refuses again is refused, so it writes nothing, and the admin sees the new reasons.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from server.access import current_device, current_person, current_scope
from server.dashboard import bp, on_refusal
from server.dashboard.auth import get_or_404, page
from server.dashboard.forms import DismissForm
from server.dashboard.values import field_input, field_value, retyped, typed_value
from server.extensions import db
from server.models import Device, Person, QuarantinedMutation
from server.operations.quarantine import apply_corrected, dismiss_refusal
from server.refusals import Refused
from server.syncing.mutations import Caller
from server.syncing.wire import MAPPINGS

dismiss_form = DismissForm()


def found(quarantined_id: uuid.UUID) -> QuarantinedMutation:
    return get_or_404(QuarantinedMutation, quarantined_id)


def correctable(row: QuarantinedMutation) -> list[str]:
    """The fields the correction form offers: those the phone sent, and those the refusal names."""
    sent = list(row.sent.get("data") or {})
    named = [name.split(".")[0] for name in row.errors]
    return [name for name in dict.fromkeys(sent + named) if field_input(row.record_type, name) is not None]


def subject(row: QuarantinedMutation) -> str:
    """What the change is about, as the admin knows it: the venue's name, or the log's venue."""
    data = row.sent.get("data") or {}
    record = db.session.get(MAPPINGS[row.record_type].model, row.record_id) if row.record_type in MAPPINGS else None
    name = data.get("name") or getattr(record, "name", None)
    if name:
        return str(name)
    venue_id = data.get("venue_id") or getattr(record, "venue_id", None)
    return field_value(row.record_type, "venue_id", venue_id) if venue_id else ""


def render(row: QuarantinedMutation, status: int = 200, **extra: Any) -> tuple[str, int]:
    data = extra.pop("data", None) or row.sent.get("data") or {}
    return render_template("dashboard/quarantined.html", row=row, data=data, correctable=correctable(row),
                           subject=subject(row), person=db.session.get(Person, row.person_id),
                           device=db.session.get(Device, row.device_id), **extra), status


def corrected(row: QuarantinedMutation, form: Mapping[str, str]) -> dict[str, Any]:
    """The phone's data with each field the admin retyped; ``ValueError`` when one cannot be its field's value.

    A field left as the form showed it keeps the phone's value exactly (a device time its own offset).
    """
    data = dict(row.sent.get("data") or {})
    for name in correctable(row):
        typed = form.get(f"field-{name}", "")
        if retyped(row.record_type, name, typed, data.get(name)):
            data[name] = typed_value(row.record_type, name, typed)
    return data


@bp.route("/quarantine")
@page("admin")
def quarantine() -> str:
    rows = db.session.scalars(select(QuarantinedMutation).where(QuarantinedMutation.status == "open")
                              .order_by(QuarantinedMutation.created_at).limit(500)).all()
    people = {person.id: person for person in db.session.scalars(select(Person))}
    return render_template("dashboard/quarantine.html", rows=rows, people=people)


@bp.route("/quarantine/<id:quarantined_id>")
@page("admin")
def quarantined(quarantined_id: uuid.UUID) -> tuple[str, int]:
    return render(found(quarantined_id))


def decision_refused(refusal: Refused, quarantined_id: uuid.UUID) -> tuple[str, int]:
    """The change's page with why nothing was written: another admin decided first, or the engine said no."""
    if refusal.code == "already_decided":
        return render(found(quarantined_id), 409, problem=_("Another admin decided this change first."))
    if refusal.code == "correction_refused":
        return render(found(quarantined_id), 422, data=refusal.extra.get("typed"),
                      problem=_("The server refused the correction too:"), refusal=refusal.extra["result"])
    raise refusal


@bp.route("/quarantine/<id:quarantined_id>/apply", methods=["POST"])
@page("admin")
@on_refusal(decision_refused)
def apply_correction(quarantined_id: uuid.UUID) -> Any:
    row = found(quarantined_id)
    try:
        data = corrected(row, request.form)
    except ValueError:
        return render(row, 422, problem=_("A corrected value is not valid for its field."))
    try:
        apply_corrected(db.session(), quarantined_id, data, Caller(current_person().id, current_device().id,
                                                                 current_scope()))
    except Refused as refusal:
        refusal.extra["typed"] = data
        raise
    flash(_("Applied. The phones get it at their next sync."), "done")
    return redirect(url_for("dashboard.quarantine"))


@bp.route("/quarantine/<id:quarantined_id>/dismiss", methods=["POST"])
@page("admin")
@on_refusal(decision_refused)
def dismiss(quarantined_id: uuid.UUID) -> Any:
    try:
        reason = dismiss_form.load(request.form)["reason"]
    except ValidationError:
        return render(found(quarantined_id), 422, problem=_("Say why the change is dismissed."))
    dismiss_refusal(db.session(), quarantined_id, reason, actor_id=current_person().id, device_id=current_device().id)
    flash(_("Dismissed."), "done")
    return redirect(url_for("dashboard.quarantine"))
