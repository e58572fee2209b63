"""Traffic squads (交警中队): creating one and choosing the police rooms it covers.

A room's new work orders go to the squad covering it (``server.syncing.dispatch``). Orders the
room reported while no squad covered it, still waiting as ``reported``, are routed when a squad
takes the room, due from then; orders already routed stay with their squad.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.ledger import lock_ledger, record_audit
from server.models import BlobRef, Room, TrafficSquad, WorkOrder, WorkOrderEvent
from server.models.base import utcnow
from server.operations.vehicles import file_plates
from server.refusals import Kind, Refused, invalid
from server.syncing.change import write_record
from sync.work_orders import due_times


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
    route_waiting(session, squad, [room.id for room in rooms], actor_id=actor_id)
    return rooms


def route_waiting(session: Session, squad: TrafficSquad, room_ids: list[uuid.UUID], *,
                  actor_id: uuid.UUID | None) -> list[WorkOrder]:
    """Dispatch the rooms' orders that waited for a squad; their steps and their plates' vehicle files (a new
    version each, so the squad's phones pull them) and photos go with them."""
    waiting = list(session.scalars(select(WorkOrder).where(
        WorkOrder.room_id.in_(room_ids), WorkOrder.status == "reported", WorkOrder.deleted.is_(False))))
    now = utcnow()
    for order in waiting:
        accept_due, resolve_due = due_times(order.kind, now, current_app.config["WORK_ORDER_DEADLINES"])
        write_record(session, order, "route", {"squad_id": squad.id, "dispatched_at": now, "accept_due": accept_due,
                                               "resolve_due": resolve_due, "status": "dispatched"},
                     actor_id=actor_id, details={"squad_id": str(squad.id)})
    ids = [order.id for order in waiting]
    if ids:
        events = list(session.scalars(select(WorkOrderEvent).where(WorkOrderEvent.work_order_id.in_(ids))))
        for event in events:
            event.squad_id = squad.id
            write_record(session, event, "route", {}, actor_id=actor_id, details={"squad_id": str(squad.id)})
        moved = ids + [event.id for event in events]
        session.execute(update(BlobRef).where(BlobRef.record_id.in_(moved)).values(squad_id=squad.id))
        session.flush()
        file_plates(session, [order.plate for order in waiting], actor_id=actor_id, again=True)
    return waiting
