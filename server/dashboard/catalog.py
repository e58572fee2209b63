"""The admin's venue and checklist template pages."""

from __future__ import annotations

import uuid
from typing import Any

import segno
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from server.access import current_person
from server.dashboard import bp, on_refusal
from server.dashboard.auth import get_or_404, page
from server.extensions import db
from server.models import ChecklistTemplate, ChecklistTemplateVersion, Room, Venue
from server.operations.catalog import edit_template, edit_venue
from server.refusals import Refused
from sync.links import venue_link
from sync.search import LIKE_ESCAPE, like_containing

VENUE_FIELDS = ("room_id", "name", "kind", "address", "responsible_person", "phone", "risk_level", "notes")
NEW_ITEM_ROWS = 3


@bp.route("/venues")
@page("admin")
def venues() -> str:
    text = request.args.get("q", "").strip()
    query = select(Venue).where(Venue.deleted.is_(False)).order_by(Venue.name).limit(200)
    if text:
        pattern = like_containing(text)
        query = query.where(Venue.name.like(pattern, escape=LIKE_ESCAPE)
                            | Venue.address.like(pattern, escape=LIKE_ESCAPE))
    rooms = {room.id: room for room in db.session.scalars(select(Room))}
    return render_template("dashboard/venues.html", venues=db.session.scalars(query).all(), rooms=rooms, text=text)


def render_venue(venue: Venue, errors: dict[str, Any] | None = None) -> str:
    """The venue form; its room can change (the venue's logs move with it, and every phone follows)."""
    rooms = db.session.scalars(select(Room).where(Room.deleted.is_(False)).order_by(Room.name)).all()
    return render_template("dashboard/venue.html", venue=venue, rooms=rooms, errors=errors or {})


def venue_refused(refusal: Refused, venue_id: uuid.UUID) -> tuple[str, int]:
    return render_venue(get_or_404(Venue, venue_id), refusal.fields), 422


@bp.route("/venues/<id:venue_id>", methods=["GET", "POST"])
@page("admin")
@on_refusal(venue_refused)
def venue(venue_id: uuid.UUID) -> Any:
    if request.method == "GET":
        return render_venue(get_or_404(Venue, venue_id))
    edit_venue(db.session(), venue_id, {name: request.form[name] for name in VENUE_FIELDS if name in request.form},
               actor_id=current_person().id)
    flash(_("Saved. Phones in the venue's room get it at their next sync."), "done")
    return redirect(url_for("dashboard.venue", venue_id=venue_id))


@bp.route("/venues/<id:venue_id>/qr")
@page("admin")
def venue_qr(venue_id: uuid.UUID) -> str:
    """A sheet to print and post at the venue: its QR code opens the venue on an officer's phone."""
    found = get_or_404(Venue, venue_id)
    qr = segno.make(venue_link(found.id), error="m").svg_inline(scale=8, omitsize=True, dark="#000000", light="#ffffff")
    return render_template("dashboard/venue_qr.html", venue=found, qr=Markup(qr))


@bp.route("/templates")
@page("admin")
def templates() -> str:
    return render_template("dashboard/templates.html", templates=db.session.scalars(
        select(ChecklistTemplate).order_by(ChecklistTemplate.venue_kind)).all())


def items_from_form() -> list[dict[str, Any]]:
    """The rows of the item table, in the order typed, without the emptied or removed ones."""
    rows = zip(request.form.getlist("key"), request.form.getlist("label_zh"), request.form.getlist("label_en"),
               request.form.getlist("order"), strict=False)
    removed = set(request.form.getlist("remove"))
    kept = [(order, index, {"key": key.strip(), "label_zh": zh.strip(), "label_en": en.strip()})
            for index, (key, zh, en, order) in enumerate(rows) if key.strip() and key.strip() not in removed]
    return [item for _order, _index, item in sorted(kept, key=lambda row: (_number(row[0]), row[1]))]


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return float("inf")


def render_template_page(template: ChecklistTemplate, status: int = 200, **extra: Any) -> tuple[str, int]:
    history = db.session.scalars(select(ChecklistTemplateVersion).where(
        ChecklistTemplateVersion.template_id == template.id).order_by(ChecklistTemplateVersion.version.desc())).all()
    return render_template("dashboard/template.html", template=template, history=history,
                           blank_rows=NEW_ITEM_ROWS, errors=extra.pop("errors", {}), **extra), status


def template_refused(refusal: Refused, template_id: uuid.UUID) -> tuple[str, int]:
    return render_template_page(get_or_404(ChecklistTemplate, template_id), 422, errors=refusal.fields)


@bp.route("/templates/<id:template_id>", methods=["GET", "POST"])
@page("admin")
@on_refusal(template_refused)
def checklist_template(template_id: uuid.UUID) -> Any:
    if request.method == "GET":
        return render_template_page(get_or_404(ChecklistTemplate, template_id))
    changes = {"title_zh": request.form.get("title_zh", ""), "title_en": request.form.get("title_en", ""),
               "items": items_from_form()}
    edit_template(db.session(), template_id, changes, actor_id=current_person().id)
    flash(_("Saved as a new version. Phones get it at their next sync; logs keep the version they used."), "done")
    return redirect(url_for("dashboard.checklist_template", template_id=template_id))
