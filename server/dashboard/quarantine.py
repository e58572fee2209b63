"""Changes the server refused for good: read why, correct and apply them, or dismiss them with a reason.

The decisions themselves are operations (``server.operations.quarantine``); a correction the
engine refuses again is refused, so it writes nothing, and the admin sees the new reasons.
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
from server.dashboard import bp, on_refusal
from server.dashboard.auth import get_or_404, page
from server.dashboard.forms import CorrectionForm, DismissForm
from server.extensions import db
from server.models import Device, Person, QuarantinedMutation
from server.operations.quarantine import apply_corrected, dismiss_refusal
from server.refusals import Refused
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


def decision_refused(refusal: Refused, quarantined_id: uuid.UUID) -> tuple[str, int]:
    """The change's page with why nothing was written: another admin decided first, or the engine said no."""
    if refusal.code == "already_decided":
        return render(found(quarantined_id), 409, problem=_("Another admin decided this change first."))
    if refusal.code == "correction_refused":
        return render(found(quarantined_id), 422, data=request.form.get("data", ""),
                      problem=_("The server refused the correction too:"), refusal=refusal.extra["result"])
    raise refusal


@bp.route("/quarantine/<id:quarantined_id>/apply", methods=["POST"])
@page("admin")
@on_refusal(decision_refused)
def apply_correction(quarantined_id: uuid.UUID) -> Any:
    typed = request.form.get("data", "")
    try:
        data = json.loads(correction_form.load(request.form)["data"])
    except (ValidationError, ValueError):
        data = None
    if not isinstance(data, dict):
        return render(found(quarantined_id), 422, data=typed, problem=_("The corrected data is not a JSON object."))
    apply_corrected(db.session(), quarantined_id, data, Caller(current_person().id, current_device().id,
                                                             current_scope()))
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
