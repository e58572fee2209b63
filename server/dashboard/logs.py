"""One log: everything about it, its history and provenance, photos, and the chief's review."""

from __future__ import annotations

import math
import uuid
from datetime import datetime
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from marshmallow import ValidationError

from server.access import current_device, current_person, current_scope
from server.dashboard import bp, on_refusal
from server.dashboard.auth import page
from server.dashboard.forms import ReviewForm
from server.dashboard.history import history
from server.dashboard.values import item_labels
from server.extensions import db
from server.models import Followup, Inspection
from server.operations.blobs import blob_bytes, readable_blob
from server.operations.catalog import template_as_of
from server.operations.review import review_inspection
from server.refusals import Kind, Refused, not_found

review_form = ReviewForm()
METRES_PER_DEGREE = 111_320


def checklist_rows(inspection: Inspection) -> list[dict[str, Any]]:
    """The answers in the order and with the labels of the template version the officer used."""
    template = template_as_of(db.session(), inspection.template_id, inspection.template_version) \
        if inspection.template_id else None
    items = template.items if template else []
    labelled = {item["key"]: item for item in items}
    keys = [item["key"] for item in items if item["key"] in inspection.checklist]
    keys += [key for key in inspection.checklist if key not in labelled]
    return [{"key": key, "label_zh": labelled.get(key, {}).get("label_zh", key),
             "label_en": labelled.get(key, {}).get("label_en", key), **inspection.checklist[key]} for key in keys]


def position_view(fix: dict[str, Any] | None, venue_fix: dict[str, Any] | None) -> dict[str, Any] | None:
    """Where the fix lies against the venue's recorded position, for a small locally drawn map."""
    if not fix:
        return None
    view: dict[str, Any] = {"fix": fix, "accuracy": fix.get("accuracy_m"), "distance": None, "dx": 0, "dy": 0}
    if venue_fix:
        north = (fix["lat"] - venue_fix["lat"]) * METRES_PER_DEGREE
        east = (fix["lon"] - venue_fix["lon"]) * METRES_PER_DEGREE * math.cos(math.radians(venue_fix["lat"]))
        distance = math.hypot(north, east)
        scale = 80 / max(distance, fix.get("accuracy_m") or 0, 50)
        view.update(distance=round(distance), dx=round(east * scale, 1), dy=round(-north * scale, 1),
                    radius=round((fix.get("accuracy_m") or 0) * scale, 1))
    else:
        view["radius"] = 0
    return view


@bp.route("/inspections/<id:inspection_id>")
@page()
def inspection(inspection_id: uuid.UUID) -> str:
    return render_inspection(inspection_id, "dashboard/inspection.html")


@bp.route("/inspections/<id:inspection_id>/print")
@page()
def print_inspection(inspection_id: uuid.UUID) -> str:
    return render_inspection(inspection_id, "dashboard/inspection_print.html")


def render_inspection(inspection_id: uuid.UUID, template: str, **extra: Any) -> str:
    log = current_scope().get(db.session(), Inspection, inspection_id)
    return render_template(template, log=log, checklist=checklist_rows(log),
                           position=position_view(log.location, log.venue.location),
                           **history(log.id, item_labels(log.template_id, log.template_version)), **extra)


@bp.route("/followups/<id:followup_id>")
@page()
def followup(followup_id: uuid.UUID) -> str:
    log = current_scope().get(db.session(), Followup, followup_id)
    return render_template("dashboard/followup.html", log=log, **history(log.id, {}))


def review_refused(refusal: Refused, inspection_id: uuid.UUID) -> ResponseReturnValue:
    """Back to the log as it is now, saying why the review was not taken; a log out of scope is not found."""
    if refusal.kind is Kind.NOT_FOUND:
        raise refusal
    flash(_("This log changed while you were reading it; here it is as it is now.")
          if refusal.code == "stale" else _("Only a submitted log can be reviewed."), "problem")
    return redirect(url_for("dashboard.inspection", inspection_id=inspection_id))


@bp.route("/inspections/<id:inspection_id>/review", methods=["POST"])
@page()
@on_refusal(review_refused)
def review(inspection_id: uuid.UUID) -> Any:
    try:
        form = review_form.load(request.form)
    except ValidationError as error:
        return render_inspection(inspection_id, "dashboard/inspection.html", review_errors=error.messages,
                                 typed=request.form.get("comment", "")), 422
    review_inspection(db.session(), inspection_id, form["decision"], form["comment"], scope=current_scope(),
                      reviewer_id=current_person().id, device_id=current_device().id,
                      expected_version=form["expected_version"])
    flash(_("Approved. The log is locked.") if form["decision"] == "approve" else
          _("Returned to the officer. Their phone gets it at its next sync."), "done")
    return redirect(url_for("dashboard.inspection", inspection_id=inspection_id))


@bp.route("/blobs/<sha256:sha256>")
@page("chief", "admin", "squad_lead")
def blob(sha256: str) -> Response:
    """A photo or signature of a log or a work order in the caller's scope."""
    found = readable_blob(db.session(), sha256, current_scope())
    response = Response(blob_bytes(found), mimetype=found.content_type)
    response.headers["Cache-Control"] = "private, max-age=86400, immutable"
    return response


@bp.route("/<any(inspections, followups):kind>/<id:log_id>/photos/<int:number>")
@page()
def photo(kind: str, log_id: uuid.UUID, number: int) -> str:
    """One photo of a log at full size, with what the officer added to it, and the log's other photos a step away.

    The officer's note on the photo (``photo_notes``: capture time, caption, drawn mark) is
    shown with it, the mark drawn over the untouched photo. A photo without a capture time
    (sent by an app before schema 3) gives the time of the visit the log records instead.
    """
    model = Inspection if kind == "inspections" else Followup
    log = current_scope().get(db.session(), model, log_id)
    hashes = log.photo_hashes or []
    if not 1 <= number <= len(hashes):
        raise not_found(f"The log has no photo {number}.")
    found = readable_blob(db.session(), hashes[number - 1], current_scope())
    note = (log.photo_notes or {}).get(found.sha256, {})
    taken = datetime.fromisoformat(note["taken_at"]) if note.get("taken_at") else None
    visit = log.inspected_at if model is Inspection else log.visited_at
    return render_template("dashboard/photo.html", log=log, kind=kind, number=number, count=len(hashes),
                           sha256=found.sha256, taken=taken, visit=visit, received=found.uploaded_at,
                           caption=note.get("caption") or "", mark=note.get("mark") or [],
                           back=url_for("dashboard.inspection" if model is Inspection else "dashboard.followup",
                                        **{"inspection_id" if model is Inspection else "followup_id": log.id}))
