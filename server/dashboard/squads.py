"""The admin's traffic squads page: each squad, the police rooms it covers and its people; a new
squad; rooms given to a squad (the command line's ``flask squad``, on the dashboard).

Giving a room to a squad sends the room's new work orders there, and those that waited for a squad
(``server.operations.squads``); a room is covered by one squad at a time.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from server.access import current_person
from server.dashboard import bp, on_refusal
from server.dashboard.auth import page
from server.dashboard.forms import CoverForm, SquadForm, submitted
from server.extensions import db
from server.models import Person, Room, Station, TrafficSquad
from server.operations.squads import cover_rooms, create_squad
from server.refusals import Refused

squad_form = SquadForm()
cover_form = CoverForm()


def squads_page(status: int = 200, **errors: Any) -> tuple[str, int]:
    squads = db.session.scalars(select(TrafficSquad).order_by(TrafficSquad.name)).all()
    rooms = db.session.execute(select(Room, Station.name).join(Station, Station.id == Room.station_id)
                               .where(Room.deleted.is_(False)).order_by(Station.name, Room.name)).all()
    members = db.session.scalars(select(Person).where(Person.squad_id.is_not(None))
                                 .order_by(Person.role.desc(), Person.display_name)).all()
    return render_template("dashboard/squads.html", squads=squads, rooms=rooms, members=members,
                           errors=errors, typed=request.form), status


def squad_refused(refusal: Refused, **_view_args: Any) -> tuple[str, int]:
    return squads_page(422, **refusal.fields)


@bp.route("/squads")
@page("admin")
def squads() -> tuple[str, int]:
    return squads_page()


@bp.route("/squads", methods=["POST"])
@page("admin")
@on_refusal(squad_refused)
def new_squad() -> Any:
    created = create_squad(db.session(), submitted(squad_form, request.form)["name"], actor_id=current_person().id)
    flash(_("%(name)s is set up: give it the police rooms it covers.", name=created.name), "done")
    return redirect(url_for("dashboard.squads"))


@bp.route("/squads/<id:squad_id>/rooms", methods=["POST"])
@page("admin")
@on_refusal(squad_refused)
def squad_rooms(squad_id: uuid.UUID) -> Any:
    chosen = submitted(cover_form, {"room_ids": request.form.getlist("room_id")})["room_ids"]
    covered = cover_rooms(db.session(), squad_id, chosen, actor_id=current_person().id)
    flash(_("New work orders of %(rooms)s now go to this squad.", rooms="、".join(room.name for room in covered)),
          "done")
    return redirect(url_for("dashboard.squads"))
