"""The admin's stations and police rooms pages."""

from __future__ import annotations

import uuid
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from server.access import current_person
from server.dashboard import bp, on_refusal
from server.dashboard.auth import page
from server.extensions import db
from server.models import Station
from server.operations.places import create_room, edit_room, save_station

STATION_FIELDS = ("name", "district", "address")
ROOM_FIELDS = ("name", "brand", "community", "address")


def render_places(status: int = 200, **extra: Any) -> tuple[str, int]:
    stations = db.session.scalars(select(Station).order_by(Station.name)).all()
    return render_template("dashboard/places.html", stations=stations, errors=extra.pop("errors", {}),
                           **extra), status


def typed(names: tuple[str, ...]) -> dict[str, str]:
    return {name: request.form.get(name, "") for name in names}


@bp.route("/places")
@page("admin")
def places() -> tuple[str, int]:
    return render_places()


@bp.route("/places/stations", methods=["POST"])
@bp.route("/places/stations/<id:station_id>", methods=["POST"])
@page("admin")
@on_refusal(lambda refusal, **_ids: render_places(422, errors={"station": refusal.fields}))
def station(station_id: uuid.UUID | None = None) -> Any:
    save_station(db.session(), station_id, typed(STATION_FIELDS), actor_id=current_person().id)
    flash(_("Station saved."), "done")
    return redirect(url_for("dashboard.places"))


@bp.route("/places/rooms", methods=["POST"])
@bp.route("/places/rooms/<id:room_id>", methods=["POST"])
@page("admin")
@on_refusal(lambda refusal, **_ids: render_places(422, errors={"room": refusal.fields}))
def room(room_id: uuid.UUID | None = None) -> Any:
    if room_id:
        edit_room(db.session(), room_id, typed(ROOM_FIELDS), actor_id=current_person().id)
    else:
        create_room(db.session(), {**typed(ROOM_FIELDS), "station_id": request.form.get("station_id", "")},
                    actor_id=current_person().id)
    flash(_("Police room saved. Phones in it get the change at their next sync."), "done")
    return redirect(url_for("dashboard.places"))
