"""Work orders to traffic police (警社联动): the dispatch board, an order's timeline, a plate's file.

The squad leader's board lists the squad's open orders: those waiting for an officer, then each
officer's, the overdue marked; the leader assigns or reassigns from it. Chiefs see their
station's orders on the same board. An order's page is its timeline: who did what, when, from
which device, with photos, and the steps that took no effect with the reason the fold gives
(``sync.work_orders``). A plate's page is the vehicle's file: every order on it in scope.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields
from sqlalchemy import select

from server.access import current_device, current_person, current_scope
from server.dashboard import bp, on_refusal
from server.dashboard.auth import page
from server.dashboard.present import station_time, word
from server.extensions import db
from server.models import AuditEntry, Device, Person, Room, Vehicle, WorkOrder, WorkOrderEvent
from server.operations.work_orders import history, take_step
from server.refusals import Kind, Refused, not_found
from sync import clock, work_orders
from sync.plates import is_canonical

ORDER_PAGES = ("chief", "admin", "squad_lead")
BOARD_LIMIT = 300
RECENT = 30


class AssignForm(Schema):
    assignee_id = fields.UUID(required=True)


assign_form = AssignForm()


@dataclass
class OrderRow:
    order: WorkOrder
    reporter: str
    room: str
    assignee: str
    late: frozenset[str]


@dataclass
class Board:
    waiting: list[OrderRow] = field(default_factory=list)
    by_officer: dict[str, list[OrderRow]] = field(default_factory=dict)
    overdue: int = 0


def rows(orders: Sequence[WorkOrder]) -> list[OrderRow]:
    """The orders with their people's and rooms' names (two queries) and what is overdue now."""
    people = {person.id: person.display_name for person in db.session.scalars(select(Person).where(
        Person.id.in_({o.officer_id for o in orders} | {o.assignee_id for o in orders if o.assignee_id})))}
    rooms = dict(db.session.execute(select(Room.id, Room.name).where(Room.id.in_({o.room_id for o in orders}))).all())
    now = clock.now()
    return [OrderRow(order, people.get(order.officer_id, ""), rooms.get(order.room_id, ""),
                     people.get(order.assignee_id, "") if order.assignee_id else "",
                     work_orders.overdue(order.status, order.accept_due, order.resolve_due, now))
            for order in orders]


def board(open_orders: Iterable[OrderRow]) -> Board:
    found = Board()
    for row in open_orders:
        if row.order.status in ("reported", "dispatched") and row.order.assignee_id is None:
            found.waiting.append(row)
        else:
            found.by_officer.setdefault(row.assignee, []).append(row)
        found.overdue += bool(row.late)
    return found


def squad_members() -> list[Person]:
    """The traffic officers the caller may assign to: the squad leader's squad."""
    if current_person().role != "squad_lead":
        return []
    return list(db.session.scalars(current_scope().select(Person).where(
        Person.role == "traffic", Person.active.is_(True)).order_by(Person.display_name)))


@bp.route("/orders")
@page(*ORDER_PAGES)
def orders() -> str:
    scope = current_scope()
    live = scope.select(WorkOrder).where(WorkOrder.deleted.is_(False))
    open_orders = db.session.scalars(live.where(WorkOrder.status.in_(work_orders.OPEN_STATES))
                                     .order_by(WorkOrder.accept_due, WorkOrder.id).limit(BOARD_LIMIT)).all()
    done = db.session.scalars(live.where(WorkOrder.status.not_in(work_orders.OPEN_STATES))
                              .order_by(WorkOrder.updated_at.desc(), WorkOrder.id).limit(RECENT)).all()
    return render_template("dashboard/orders.html", board=board(rows(open_orders)), done=rows(done),
                           members=squad_members(), limit=BOARD_LIMIT, full=len(open_orders) == BOARD_LIMIT)


@dataclass
class TimelineStep:
    event: WorkOrderEvent
    actor: str
    device: str
    verdict: work_orders.Verdict | None
    blocked_by: str
    assignee: str


def timeline(order: WorkOrder) -> list[TimelineStep]:
    """The order's events in server order, each with its author, device and the fold's verdict."""
    events, folded = history(db.session(), order)
    named = {event.actor_id for event in events} | {event.assignee_id for event in events if event.assignee_id}
    people = {person.id: person.display_name for person in db.session.scalars(select(Person).where(
        Person.id.in_(named)))}
    devices = dict(db.session.execute(
        select(AuditEntry.record_id, Device.name).join(Device, Device.id == AuditEntry.device_id)
        .where(AuditEntry.record_id.in_([event.id for event in events]),
               AuditEntry.action == "work_order_event.create")).all())
    names = {str(key): name for key, name in people.items()}
    steps = []
    for event in events:
        verdict = folded.verdicts.get(str(event.id))
        steps.append(TimelineStep(event, people.get(event.actor_id, ""), devices.get(event.id, ""), verdict,
                                  names.get(verdict.by or "", "") if verdict else "",
                                  people.get(event.assignee_id, "") if event.assignee_id else ""))
    return steps


@bp.app_template_global()
def verdict_words(verdict: work_orders.Verdict, who: str) -> str:
    """Why a step took no effect, in plain words: 已由 王建军 于 06-15 10:32 接单."""
    when = station_time(datetime.fromisoformat(verdict.at)) if verdict.at else ""
    if verdict.code == "assigned_to_other":
        return _("Assigned to another officer by %(who)s at %(time)s.", who=who, time=when)
    if verdict.code == "not_acceptor":
        return _("Accepted by %(who)s at %(time)s: only they or the squad leader work it on.", who=who, time=when)
    if verdict.code == "not_reporter":
        return _("Only the officer who reported the order takes this step.")
    return {
        "reported": _("No traffic squad had the order yet."),
        "dispatched": _("The order was not accepted yet."),
        "accepted": _("Already accepted by %(who)s at %(time)s.", who=who, time=when),
        "contacting": _("%(who)s was already contacting the owner (%(time)s).", who=who, time=when),
        "resolved": _("Already resolved by %(who)s at %(time)s.", who=who, time=when),
        "closed": _("Already verified and closed by %(who)s at %(time)s.", who=who, time=when),
        "withdrawn": _("Withdrawn by %(who)s at %(time)s.", who=who, time=when),
    }[verdict.state]


def order_in_scope(order_id: uuid.UUID) -> WorkOrder:
    found: WorkOrder = current_scope().get(db.session(), WorkOrder, order_id)
    return found


@bp.route("/orders/<id:order_id>")
@page(*ORDER_PAGES)
def order(order_id: uuid.UUID, errors: dict[str, Any] | None = None) -> str:
    found = order_in_scope(order_id)
    row = rows([found])[0]
    return render_template("dashboard/order.html", row=row, order=found, steps=timeline(found),
                           members=squad_members(), errors=errors or {},
                           assignable=found.status in work_orders.LEGAL_IN["assigned"])


def assign_refused(refusal: Refused, order_id: uuid.UUID) -> ResponseReturnValue:
    """Back to the order, saying why the assignment was not taken; an order out of scope is not found."""
    if refusal.kind is Kind.NOT_FOUND:
        raise refusal
    flash(_("Not assigned: the officer is not a traffic officer of this order's squad.")
          if refusal.code == "invalid" else _("Not assigned: %(reason)s", reason=refusal.message), "problem")
    return redirect(url_for("dashboard.order", order_id=order_id))


@bp.route("/orders/<id:order_id>/assign", methods=["POST"])
@page("squad_lead")
@on_refusal(assign_refused)
def assign(order_id: uuid.UUID) -> Any:
    order_in_scope(order_id)
    try:
        form = assign_form.load({"assignee_id": request.form.get("assignee_id", "")})
    except ValidationError as error:
        return order(order_id, errors=error.normalized_messages()), 422
    step = take_step(db.session(), current_person(), current_device().id, current_scope(), order_id, "assigned",
                     assignee_id=str(form["assignee_id"]))
    if step.verdict is None:
        flash(_("Assigned. The officer's phone gets the order at its next sync."), "done")
    else:
        flash(_("Recorded, but it took no effect: the order has moved on (%(state)s).",
                state=word("work_order_status", step.verdict.state)), "problem")
    if request.form.get("back") == "board":
        return redirect(url_for("dashboard.orders"))
    return redirect(url_for("dashboard.order", order_id=order_id))


@bp.route("/plates/<plate>")
@page(*ORDER_PAGES)
def plate(plate: str) -> str:
    """A vehicle's file (一车一档): what the server filed of the plate, and every order on it in the caller's scope.

    The file counts the plate's reports everywhere; only those the caller may see are listed.
    """
    vehicle = is_canonical(plate) and db.session.scalars(current_scope().select(Vehicle).where(
        Vehicle.plate == plate, Vehicle.deleted.is_(False))).one_or_none()
    if not vehicle:
        raise not_found("No such plate.")
    found = db.session.scalars(current_scope().select(WorkOrder).where(WorkOrder.plate == plate)
                               .order_by(WorkOrder.reported_at_utc.desc(), WorkOrder.id).limit(BOARD_LIMIT)).all()
    recent = [datetime.fromisoformat(moment) for moment in vehicle.recent_reports]
    return render_template("dashboard/plate.html", plate=plate, vehicle=vehicle, rows=rows(found),
                           repeat=work_orders.is_repeat(recent, clock.now()))
