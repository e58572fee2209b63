"""Changes the server refused for good: read why, correct and apply them, or dismiss them with a reason.

The decisions themselves are operations (``server.operations.quarantine``); a correction the
engine refuses again writes nothing and the admin sees the new reasons.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from server.access import current_device, current_person, current_scope
from server.dashboard import bp
from server.dashboard.auth import get_or_404, page
from server.dashboard.forms import CorrectionForm, DismissForm
from server.errors import ApiError
from server.extensions import db
from server.models import Device, Person, QuarantinedMutation
from server.operations.quarantine import apply_corrected, dismiss_refusal
from server.syncing.mutations import Caller

correction_form = CorrectionForm()
dismiss_form = DismissForm()


def found(quarantined_id: uuid.UUID) -> QuarantinedMutation:
    return get_or_404(QuarantinedMutation, quarantined_id)


def render(row: QuarantinedMutation, status: int = 200, **extra: Any) -> tuple[str, int]:
    data = extra.pop("data", None) or json.dumps(row.payload.get("data", {}), ensure_ascii=False, indent=2)
    return render_template("dashboard/quarantined.html", row=row, data=data,
                           person=db.session.get(Person, row.person_id),
                           device=db.session.get(Device, row.device_id), **extra), status


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


@bp.route("/quarantine/<id:quarantined_id>/apply", methods=["POST"])
@page("admin")
def apply_correction(quarantined_id: uuid.UUID) -> Any:
    typed = request.form.get("data", "")
    try:
        data = json.loads(correction_form.load(request.form)["data"])
    except (ValidationError, ValueError):
        data = None
    if not isinstance(data, dict):
        return render(found(quarantined_id), 422, data=typed, problem=_("The corrected data is not a JSON object."))
    caller = Caller(current_person().id, current_device().id, current_scope())
    try:
        row, result = apply_corrected(db.session(), quarantined_id, data, caller)
    except ApiError as refusal:
        return already_decided(quarantined_id, refusal)
    if result["status"] == "rejected":
        return render(row, 422, data=typed, problem=_("The server refused the correction too:"), refusal=result)
    flash(_("Applied. The phones get it at their next sync."), "done")
    return redirect(url_for("dashboard.quarantine"))


@bp.route("/quarantine/<id:quarantined_id>/dismiss", methods=["POST"])
@page("admin")
def dismiss(quarantined_id: uuid.UUID) -> Any:
    try:
        reason = dismiss_form.load(request.form)["reason"]
    except ValidationError:
        return render(found(quarantined_id), 422, problem=_("Say why the change is dismissed."))
    try:
        dismiss_refusal(db.session(), quarantined_id, reason, actor_id=current_person().id,
                        device_id=current_device().id)
    except ApiError as refusal:
        return already_decided(quarantined_id, refusal)
    flash(_("Dismissed."), "done")
    return redirect(url_for("dashboard.quarantine"))


def already_decided(quarantined_id: uuid.UUID, refusal: ApiError) -> tuple[str, int]:
    """Another admin decided first: nothing is written, and the page shows their decision."""
    db.session.rollback()
    if refusal.error_code != "already_decided":
        raise refusal
    return render(found(quarantined_id), 409, problem=_("Another admin decided this change first."))
