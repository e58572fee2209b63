"""Traffic squads (交警中队): creating one and choosing the police rooms it covers.

A room's new work orders go to the squad covering it (``server.syncing.dispatch``); orders
already routed stay with their squad.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.ledger import lock_ledger, record_audit
from server.models import Room, TrafficSquad
from server.refusals import Kind, Refused, invalid


def create_squad(session: Session, name: str, *, actor_id: uuid.UUID | None) -> TrafficSquad:
    name = name.strip()
    if not 1 <= len(name) <= 80:
        raise invalid({"name": ["1 to 80 characters."]})
    lock_ledger(session)
    if session.scalars(select(TrafficSquad.id).where(TrafficSquad.name == name)).first():
        raise Refused("name_taken", f"A traffic squad named {name!r} exists.", {"name": ["Taken."]},
                      kind=Kind.CONFLICT)
    squad = TrafficSquad(id=uuid.uuid4(), name=name)
    session.add(squad)
    record_audit(session, "squad.create", actor_id=actor_id, details={"squad_id": str(squad.id), "name": name})
    return squad


def cover_rooms(session: Session, squad_id: uuid.UUID, room_ids: Iterable[uuid.UUID], *,
                actor_id: uuid.UUID | None) -> list[Room]:
    """Route the rooms' new work orders to the squad (a room is covered by one squad at a time)."""
    squad = session.get(TrafficSquad, squad_id)
    if squad is None:
        raise invalid({"squad_id": ["No such traffic squad."]})
    lock_ledger(session)
    rooms = []
    for room_id in room_ids:
        room = session.get(Room, room_id)
        if room is None or room.deleted:
            raise invalid({"room_id": [f"No police room with id {room_id}."]})
        room.squad_id = squad.id
        rooms.append(room)
    record_audit(session, "squad.cover", actor_id=actor_id,
                 details={"squad_id": str(squad.id), "room_ids": [str(room.id) for room in rooms]})
    return rooms
