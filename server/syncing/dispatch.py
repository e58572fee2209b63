"""What a push adds to work orders: routing a new order, placing each event, folding the order again.

A new order is routed to the traffic squad covering its room, with its deadlines counted from
then and its plate flagged if reported often lately. An event first meets the wall (its author
acts as who they are, in a role that makes this kind of step, for an officer of the order's
squad), then gets the next place in its order's history; the order's server-written fields are
then set to the fold of all its events (``sync.work_orders.fold``), as a new version of the order.
An event the fold finds illegal is still written: the fold keeps it and says why. A reopened
order is due again from its reopening, with its kind's deadlines.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import Person, Room, WorkOrderEvent
from server.operations.vehicles import Left, reports_of
from server.refusals import Kind, Refused
from server.syncing.change import RecordState, Values
from server.syncing.wire import MAPPINGS
from sync import work_orders
from sync.records import WORK_ORDER_DISPATCH


class Dispatch:
    """One push batch's view of the work orders it touches (the caller holds the ledger lock)."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session = session
        self.now = now
        self.squads: dict[uuid.UUID, uuid.UUID | None] = {}
        self.histories: dict[uuid.UUID, list[dict[str, Any]]] = {}
        self.reports: dict[str, list[datetime]] = {}
        self.members: dict[uuid.UUID, tuple[str, uuid.UUID | None] | None] = {}
        self.names: dict[uuid.UUID, str] = {}
        self.plates: set[str] = set()
        """The plates whose vehicle files the batch's reports touch (``server.operations.vehicles``)."""
        self.left: list[Left] = []

    def routed(self, values: Values) -> Values:
        """A new order's values with its routing, deadlines, repeat flag and initial state."""
        loaded = values.loaded
        squad_id = self.squad_of(loaded["room_id"])
        derived: dict[str, Any] = {"squad_id": squad_id, "status": work_orders.initial_state({"squad_id": squad_id})}
        if squad_id is not None:
            deadlines = current_app.config["WORK_ORDER_DEADLINES"]
            derived["dispatched_at"] = self.now
            derived["accept_due"], derived["resolve_due"] = work_orders.due_times(loaded["kind"], self.now, deadlines)
        if loaded["plate"]:
            earlier = self.reported(loaded["plate"])
            reported_at = min(loaded["reported_at"], self.now)
            derived["repeat_plate"] = work_orders.is_repeat(earlier, reported_at)
            earlier.append(reported_at)
        return Values.of(MAPPINGS["work_order"], {**loaded, **derived})

    def noted(self, order: RecordState, report: Mapping[str, Any]) -> None:
        """A report is made or changes what it notes of its vehicle: its plates' files are filed again."""
        before, after = order.data.get("plate", ""), report.get("plate", order.data.get("plate", ""))
        self.plates.update({before, after})
        if before and before != after and order.room_id is not None:
            self.left.append(Left(before, order.room_id, order.squad_id))

    def replated(self, order: RecordState) -> Values | None:
        """A report whose plate changed: its repeat flag for the new plate, where that changes it."""
        plate = order.data.get("plate") or ""
        reported_at = min(datetime.fromisoformat(order.data["reported_at"]), self.now)
        repeat = bool(plate) and work_orders.is_repeat(self.reported(plate), reported_at)
        if repeat == order.data.get("repeat_plate", False):
            return None
        return Values.of(MAPPINGS["work_order"], {"repeat_plate": repeat})

    def check_step(self, role: str, order: RecordState, values: Values) -> None:
        """The wall: the author acts as themself, in a role that takes this step, on their squad's order."""
        kind = values.loaded["kind"]
        if values.loaded["actor_role"] != role:
            raise Refused("wrong_role", "An event names its author's own role.",
                          {"actor_role": [f"You act as {role}."]}, kind=Kind.FORBIDDEN)
        if role not in work_orders.EVENT_ROLES[kind]:
            raise Refused("not_your_step", f"A {role} does not make a {kind} step of a work order.",
                          {"kind": ["Not a step your role takes."]}, kind=Kind.FORBIDDEN)
        assignee = values.loaded.get("assignee_id")
        if assignee is not None and not self.serves(assignee, order.squad_id):
            raise Refused("invalid", "Orders are assigned to a traffic officer of their squad.",
                          {"assignee_id": ["Not a traffic officer of this order's squad."]})

    def placed(self, order: RecordState, values: Values) -> Values:
        """The event with its place in its order's history (the next one) and the server's time of receipt."""
        placing = {"position": len(self.history(order.id)) + 1, "received_at": self.now,
                   "actor_name": self.name_of(values.loaded["actor_id"])}
        return Values.of(MAPPINGS["work_order_event"], {**values.loaded, **placing})

    def refolded(self, order: RecordState, event_id: uuid.UUID, event: Mapping[str, Any]) -> Values | None:
        """The order's server-written fields after this event, where they change; None if none do."""
        history = self.history(order.id)
        history.append({**event, "id": str(event_id)})
        summary = work_orders.fold(order.data, history).summary()
        if summary["assignee_id"] != order.data.get("assignee_id"):
            summary["assignee_name"] = self.name_of(uuid.UUID(summary["assignee_id"])) if summary["assignee_id"] else ""
        if summary["reopen_count"] > order.data.get("reopen_count", 0):
            summary["accept_due"], summary["resolve_due"] = (due.isoformat() for due in work_orders.due_times(
                order.data["kind"], self.now, current_app.config["WORK_ORDER_DEADLINES"]))
        mapping = MAPPINGS["work_order"]
        folded = Values.of(mapping, mapping.data.load(summary, partial=True))
        changed = [name for name in WORK_ORDER_DISPATCH & folded.wire.keys()
                   if folded.wire[name] != order.data.get(name)]
        if not changed:
            return None
        return Values({name: folded.loaded[name] for name in changed}, {name: folded.wire[name] for name in changed})

    def history(self, order_id: uuid.UUID) -> list[dict[str, Any]]:
        """The order's events in server order, as this batch leaves them."""
        if order_id not in self.histories:
            rows = self.session.scalars(select(WorkOrderEvent.wire).where(WorkOrderEvent.work_order_id == order_id)
                                        .order_by(WorkOrderEvent.position))
            self.histories[order_id] = [{**entry["data"], "id": entry["id"]} for entry in map(json.loads, rows)]
        return self.histories[order_id]

    def squad_of(self, room_id: uuid.UUID) -> uuid.UUID | None:
        if room_id not in self.squads:
            self.squads[room_id] = self.session.scalar(select(Room.squad_id).where(Room.id == room_id))
        return self.squads[room_id]

    def reported(self, plate: str) -> list[datetime]:
        """When the plate was reported before, within the repeat window before now."""
        if plate not in self.reports:
            since = self.now - 2 * work_orders.REPEAT_WINDOW
            self.reports[plate] = [report.reported_at for report in reports_of(self.session, plate, since)]
        return self.reports[plate]

    def name_of(self, person_id: uuid.UUID) -> str:
        if person_id not in self.names:
            self.names[person_id] = self.session.scalar(select(Person.display_name).where(Person.id == person_id)) or ""
        return self.names[person_id]

    def serves(self, person_id: uuid.UUID, squad_id: uuid.UUID | None) -> bool:
        if person_id not in self.members:
            row = self.session.execute(select(Person.role, Person.squad_id).where(
                Person.id == person_id, Person.active.is_(True))).one_or_none()
            self.members[person_id] = None if row is None else (row.role, row.squad_id)
        member = self.members[person_id]
        return member is not None and member[0] == "traffic" and squad_id is not None and member[1] == squad_id
