"""The admin's people pages: create, edit, move an officer to another room, disable, reset a password."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

import segno
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.wrappers import Response

from server.access import current_person
from server.dashboard import bp, on_refusal
from server.dashboard.auth import get_or_404, page
from server.dashboard.forms import ActiveForm, NewPersonForm, PasswordForm, PersonForm, submitted
from server.errors import ApiError
from server.extensions import db
from server.models import Device, Person, Room, Station, TrafficSquad
from server.operations.devices import issue_enrolment_code
from server.operations.people import create_person, set_password, update_person
from server.refusals import Refused
from sync.protocol import PASSWORD_MIN_LENGTH
from sync.rules import TRAFFIC_ROLES

person_form = PersonForm()
new_person_form = NewPersonForm()
password_form = PasswordForm()
active_form = ActiveForm()


def places() -> dict[str, Any]:
    """What the person form offers: stations, rooms, traffic squads, and the password policy's length."""
    return {"password_min_length": PASSWORD_MIN_LENGTH,
            "stations": db.session.scalars(select(Station).order_by(Station.name)).all(),
            "rooms": db.session.scalars(select(Room).where(Room.deleted.is_(False)).order_by(Room.name)).all(),
            "squads": db.session.scalars(select(TrafficSquad).order_by(TrafficSquad.name)).all(),
            "traffic_roles": TRAFFIC_ROLES}


def placed(form: dict[str, Any]) -> dict[str, Any]:
    """Only the place the role has: an officer's room, a chief's station, traffic police's squad, nothing for an
    admin. A squad is chosen when the account is made: traffic police do not move between squads here."""
    return {**form, "room_id": form["room_id"] if form["role"] == "officer" else None,
            "station_id": form["station_id"] if form["role"] == "chief" else None,
            "squad_id": form["squad_id"] if form["role"] in TRAFFIC_ROLES else None}


def refused(refusal: Refused) -> dict[str, Any]:
    """The refusal's messages by the form's field names (``room``, not ``room_id``)."""
    return {name.removesuffix("_id"): value for name, value in refusal.fields.items()}


def new_person_refused(refusal: Refused) -> tuple[str, int]:
    return render_template("dashboard/person.html", person=None, errors=refused(refusal), devices=[],
                           typed=request.form, **places()), 422


def person_refused(refusal: Refused, person_id: uuid.UUID) -> tuple[str, int]:
    return render_person(get_or_404(Person, person_id), 422, errors=refused(refusal))


def activation_refused(_refusal: Refused, person_id: uuid.UUID) -> Response:
    flash(_("You cannot disable yourself."), "problem")
    return redirect(url_for("dashboard.person", person_id=person_id))


@bp.route("/people")
@page("admin")
def people() -> str:
    everyone = db.session.scalars(select(Person).order_by(Person.role, Person.display_name)).all()
    return render_template("dashboard/people.html", people=everyone, **places())


@bp.route("/people/new", methods=["GET", "POST"])
@page("admin")
@on_refusal(new_person_refused)
def new_person() -> Any:
    if request.method == "GET":
        return render_template("dashboard/person.html", person=None, errors={}, devices=[], **places())
    form = placed(submitted(new_person_form, request.form))
    created = create_person(db.session(), actor_id=current_person().id, **form)
    flash(_("%(name)s can sign in now.", name=created.display_name), "done")
    return redirect(url_for("dashboard.person", person_id=created.id))


def render_person(person: Person, status: int = 200, **extra: Any) -> tuple[str, int]:
    devices = db.session.scalars(select(Device).where(Device.person_id == person.id)
                                 .order_by(Device.last_seen_at.desc())).all()
    return render_template("dashboard/person.html", person=person, devices=devices,
                           errors=extra.pop("errors", {}), **places(), **extra), status


@bp.route("/people/<id:person_id>", methods=["GET", "POST"])
@page("admin")
@on_refusal(person_refused)
def person(person_id: uuid.UUID) -> Any:
    if request.method == "GET":
        return render_person(get_or_404(Person, person_id))
    changes = placed(submitted(person_form, request.form))
    changes.pop("squad_id")
    update_person(db.session(), person_id, changes, actor_id=current_person().id)
    flash(_("Saved. Their phones follow the change at their next sync."), "done")
    return redirect(url_for("dashboard.person", person_id=person_id))


@bp.route("/people/<id:person_id>/active", methods=["POST"])
@page("admin")
@on_refusal(activation_refused)
def person_active(person_id: uuid.UUID) -> Any:
    found = update_person(db.session(), person_id, submitted(active_form, request.form), actor_id=current_person().id)
    flash(_("Enabled.") if found.active else _("Disabled. Their phones are wiped at their next contact."), "done")
    return redirect(url_for("dashboard.person", person_id=person_id))


@bp.route("/people/<id:person_id>/password", methods=["POST"])
@page("admin")
@on_refusal(person_refused)
def person_password(person_id: uuid.UUID) -> Any:
    set_password(db.session(), person_id, submitted(password_form, request.form)["password"],
                 actor_id=current_person().id)
    flash(_("Password set. Their phones ask for it at the next sync."), "done")
    return redirect(url_for("dashboard.person", person_id=person_id))


def enrolment_link(server_url: str, code: str) -> str:
    """What the QR code holds: the server and the code, so a phone can enrol from one scan."""
    return f"beatlog:enrol?{urlencode({'server': server_url, 'code': code})}"


@bp.route("/people/<id:person_id>/enrolment", methods=["POST"])
@page("admin")
def enrolment(person_id: uuid.UUID) -> str:
    """A one-time code for the person's next phone, as text and as a QR code (drawn here, as SVG)."""
    found = get_or_404(Person, person_id)
    if not found.active:
        raise ApiError(404, "not_found", "No such active person.")
    code, expires_at = issue_enrolment_code(db.session(), found, actor_id=current_person().id)
    server_url = request.url_root.rstrip("/")
    link = enrolment_link(server_url, code)
    qr = segno.make(link, error="m").svg_inline(scale=6, dark="#1a1a1f", light="#ffffff")
    return render_template("dashboard/enrolment.html", person=found, code=code, expires_at=expires_at,
                           server_url=server_url, qr=Markup(qr), link=link)
