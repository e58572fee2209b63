"""Changes the server refused for good: read why, correct and apply them, or dismiss them with a reason.

A correction goes through the same push engine as any phone's change, sent by the admin
under a new mutation id; if the engine refuses it again, nothing is written and the admin
sees the new reasons.
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
from server.extensions import db
from server.ledger import record_audit
from server.models import Device, Person, QuarantinedMutation
from server.models.base import utcnow
from server.syncing.mutations import Caller
from server.syncing.push import push
from sync.messages import MutationSchema

correction_form = CorrectionForm()
mutation_schema = MutationSchema()
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
    row = found(quarantined_id)
    typed = request.form.get("data", "")
    try:
        data = json.loads(correction_form.load(request.form)["data"])
        if not isinstance(data, dict):
            raise ValueError("not an object")
    except (ValidationError, ValueError):
        return render(row, 422, data=typed, problem=_("The corrected data is not a JSON object."))
    mutation_id = uuid.uuid4()
    envelope = mutation_schema.load({**row.payload, "mutation_id": str(mutation_id), "data": data})
    caller = Caller(current_person().id, current_device().id, current_scope())
    result = push(db.session, caller, [envelope])[0]
    if result["status"] == "rejected":
        return render(row, 422, data=typed, problem=_("The server refused the correction too:"), refusal=result)
    row.status, row.decided_at, row.decided_by = "applied", utcnow(), current_person().id
    row.note = f"applied as mutation {mutation_id} ({result['status']})"
    record_audit(db.session, "quarantine.apply", actor_id=current_person().id, device_id=current_device().id,
                 record_type=row.record_type, record_id=row.record_id,
                 details={"quarantined": str(row.id), "mutation_id": str(mutation_id), "status": result["status"]})
    flash(_("Applied. The phones get it at their next sync."), "done")
    return redirect(url_for("dashboard.quarantine"))


@bp.route("/quarantine/<id:quarantined_id>/dismiss", methods=["POST"])
@page("admin")
def dismiss(quarantined_id: uuid.UUID) -> Any:
    row = found(quarantined_id)
    try:
        reason = dismiss_form.load(request.form)["reason"]
    except ValidationError:
        return render(row, 422, problem=_("Say why the change is dismissed."))
    row.status, row.decided_at, row.decided_by, row.note = "dismissed", utcnow(), current_person().id, reason
    record_audit(db.session, "quarantine.dismiss", actor_id=current_person().id, device_id=current_device().id,
                 record_type=row.record_type, record_id=row.record_id,
                 details={"quarantined": str(row.id), "reason": reason})
    flash(_("Dismissed."), "done")
    return redirect(url_for("dashboard.quarantine"))
