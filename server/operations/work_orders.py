"""Steps of a work order taken on the dashboard: the squad leader assigns, from their browser.

A dashboard step is an event like a handheld's, pushed through the same engine
(``server.syncing.push``) from the browser's sign-in device, so it meets the same wall, gets
its place in the order's history, folds the order again and is audited the same way.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.access import Scope
from server.models import Person, WorkOrder, WorkOrderEvent
from server.refusals import Kind, Refused
from server.syncing.push import Caller, push
from server.syncing.wire import MAPPINGS
from sync import clock, protocol, work_orders

REFUSAL_KINDS = {"out_of_scope": Kind.NOT_FOUND, "not_found": Kind.NOT_FOUND, "invalid": Kind.INVALID}


@dataclass(frozen=True)
class Step:
    """What became of a step: its event, and the fold's verdict on it (None: it took effect)."""

    event_id: uuid.UUID
    verdict: work_orders.Verdict | None


def take_step(session: Session, person: Person, device_id: uuid.UUID, scope: Scope, order_id: uuid.UUID,
              kind: str, **details: Any) -> Step:
    """Append a ``kind`` event to the order as ``person``; refused as a push would refuse it."""
    event_id = uuid.uuid4()
    data = {"work_order_id": str(order_id), "kind": kind, "actor_id": str(person.id), "actor_role": person.role,
            "at": clock.now().isoformat(), **details}
    mutation = {"mutation_id": uuid.uuid4(), "type": "work_order_event", "id": event_id, "op": "create",
                "base_version": None, "data": data, "base": None}
    result = push(session, Caller(person.id, device_id, scope), [mutation])[0]
    if result["status"] != protocol.APPLIED:
        raise Refused(result["code"], result["message"], result.get("errors") or {},
                      kind=REFUSAL_KINDS.get(result["code"], Kind.FORBIDDEN))
    session.flush()
    return Step(event_id, history(session, session.get_one(WorkOrder, order_id))[1].verdicts.get(str(event_id)))


def history(session: Session, order: WorkOrder) -> tuple[list[WorkOrderEvent], work_orders.Folded]:
    """The order's events in server order, and their fold."""
    events = list(session.scalars(select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == order.id)
                                  .order_by(WorkOrderEvent.position)))
    wire = MAPPINGS["work_order_event"].wire_of
    return events, work_orders.fold(MAPPINGS["work_order"].wire_of(order),
                                    [{**wire(event), "id": str(event.id)} for event in events])
