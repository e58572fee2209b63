"""Stations and police rooms, as an admin creates and renames them."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.ledger import lock_ledger, record_audit
from server.models import Room, Station
from server.operations.records import edit_record, locked
from server.refusals import invalid
from server.syncing.change import write_record
from sync.records import RoomData


class StationData(Schema):
    name = fields.Str(required=True, validate=validate.Length(1, 80))
    district = fields.Str(load_default="", validate=validate.Length(max=80))
    address = fields.Str(load_default="", validate=validate.Length(max=200))


STATION_DATA = StationData()
ROOM_DATA = RoomData()
ROOM_EDITS = RoomData(partial=True, exclude=("station_id",))


def _loaded(schema: Schema, values: Mapping[str, Any]) -> dict[str, Any]:
    try:
        return schema.load(dict(values))
    except ValidationError as error:
        raise invalid(error.normalized_messages()) from None


def save_station(session: Session, station_id: uuid.UUID | None, values: Mapping[str, Any], *,
                 actor_id: uuid.UUID) -> Station:
    """Create a station (``station_id`` is None) or change its name, district or address."""
    loaded = _loaded(STATION_DATA, values)
    lock_ledger(session)
    station = locked(session, Station, station_id) if station_id else None
    same_name = session.scalars(select(Station).where(Station.name == loaded["name"])).first()
    if same_name is not None and same_name is not station:
        raise invalid({"name": ["A station has this name."]})
    created = station is None
    station = station or Station(id=uuid.uuid4())
    for name, value in loaded.items():
        setattr(station, name, value)
    session.add(station)
    record_audit(session, "station.create" if created else "station.update", actor_id=actor_id,
                 record_type="station", record_id=station.id, details=loaded)
    return station


def create_room(session: Session, values: Mapping[str, Any], *, actor_id: uuid.UUID) -> Room:
    loaded = _loaded(ROOM_DATA, values)
    lock_ledger(session)
    if session.get(Station, loaded["station_id"]) is None:
        raise invalid({"station_id": ["No such station."]})
    return write_record(session, Room(**loaded), "create", actor_id=actor_id)


def edit_room(session: Session, room_id: uuid.UUID, values: Mapping[str, Any], *, actor_id: uuid.UUID) -> Room:
    """Rename a room or change its brand, community or address (it stays in its station)."""
    loaded = _loaded(ROOM_EDITS, values)
    return edit_record(session, locked(session, Room, room_id), loaded, actor_id=actor_id)
