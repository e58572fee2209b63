"""Work orders on the handheld: each order as this phone folds it, and the lists its Today shows.

An order's state is the fold (``sync.work_orders.fold``) of the events this phone holds: the
server's in their server order, then its own not yet placed, in the order they were made. A
step taken offline shows at once; after the next sync, a step that came too late shows who was
first, by the name the server put on that step. Everything is read from the local store, so it
works with no network; nothing here imports Kivy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mobile.store import LocalRecord, Records, SyncState
from sync import clock, work_orders
from sync.work_orders import Folded, Verdict


@dataclass(frozen=True)
class OrderView:
    """An order with its events in the order they are folded, and what the fold and the clock say of it."""

    order: LocalRecord
    events: list[LocalRecord]
    folded: Folded
    late: frozenset[str]
    refused: list[LocalRecord] = field(default_factory=list)
    """This phone's steps the server refused for good: kept for the officer to see, not folded."""

    @property
    def state(self) -> str:
        return self.folded.state

    def refused_steps(self, person_id: str) -> list[tuple[LocalRecord, Verdict]]:
        """This person's steps that took no effect, each with the fold's reason."""
        return [(event, verdict) for event in self.events
                if event.data.get("actor_id") == person_id
                and (verdict := self.folded.verdicts.get(event.id)) is not None]

    def name_of(self, verdict: Verdict) -> str:
        """Who made the step that blocked another: the name the server put on it."""
        for event in self.events:
            if event.id == verdict.event_id:
                return str(event.data.get("actor_name") or "")
        return ""


def _ordered(events: list[LocalRecord]) -> list[LocalRecord]:
    """The server's events by position, then this phone's unplaced ones in the order they were made."""
    by_id = {event.id: event for event in events}
    return [by_id[entry["id"]] for entry in work_orders.ordered(
        {"id": event.id, "position": event.data.get("position")} for event in events)]


def _parse(moment: str | None) -> datetime | None:
    return datetime.fromisoformat(moment) if moment else None


def views(records: Records, orders: Iterable[LocalRecord], now: datetime | None = None) -> list[OrderView]:
    """The orders folded from the events this phone holds (all events read once, in the order stored)."""
    orders = list(orders)
    wanted = {order.id for order in orders}
    events: dict[str, list[LocalRecord]] = {order_id: [] for order_id in wanted}
    refused: dict[str, list[LocalRecord]] = {order_id: [] for order_id in wanted}
    for event in records.all("work_order_event"):
        if event.data.get("work_order_id") in wanted:
            (refused if event.state is SyncState.REJECTED else events)[event.data["work_order_id"]].append(event)
    now = now or clock.now()
    found = []
    for order in orders:
        ordered = _ordered(events[order.id])
        folded = work_orders.fold(order.data, [{**event.data, "id": event.id} for event in ordered])
        late = work_orders.overdue(folded.state, _parse(order.data.get("accept_due")),
                                   _parse(order.data.get("resolve_due")), now)
        found.append(OrderView(order, ordered, folded, late, refused[order.id]))
    return found


@dataclass
class ReporterWork:
    """A community officer's orders: those to verify first, then those still with traffic police, then the rest."""

    to_verify: list[OrderView] = field(default_factory=list)
    open: list[OrderView] = field(default_factory=list)
    done: list[OrderView] = field(default_factory=list)


def reporter_work(records: Records, officer_id: str, now: datetime | None = None) -> ReporterWork:
    """The orders of the officer's room as they stand: resolved ones await the room's verification."""
    work = ReporterWork()
    for view in sorted(views(records, records.all("work_order"), now),
                       key=lambda v: v.order.data.get("reported_at", ""), reverse=True):
        if view.state == "resolved":
            work.to_verify.append(view)
        elif view.state in work_orders.OPEN_STATES and view.order.data.get("officer_id") == officer_id:
            work.open.append(view)
        elif view.order.data.get("officer_id") == officer_id:
            work.done.append(view)
    return work


@dataclass
class SquadWork:
    """A traffic officer's Today: new orders they may take, and those they have in hand."""

    new: list[OrderView] = field(default_factory=list)
    mine: list[OrderView] = field(default_factory=list)

    @property
    def overdue(self) -> int:
        return sum(bool(view.late) for view in (*self.new, *self.mine))


def squad_work(records: Records, person_id: str, role: str, now: datetime | None = None) -> SquadWork:
    """New orders (unassigned, or assigned to this officer; every waiting one for the leader), most urgent
    first, then the officer's accepted ones."""
    work = SquadWork()
    for view in views(records, records.all("work_order"), now):
        if view.state == "dispatched" and (role == "squad_lead" or view.folded.assignee_id in (None, person_id)):
            work.new.append(view)
        elif view.state in ("accepted", "contacting") and view.folded.accepted_by == person_id:
            work.mine.append(view)
    work.new.sort(key=lambda v: (not v.late, v.order.data.get("urgency") != "urgent", v.order.data.get("accept_due")
                                 or ""))
    work.mine.sort(key=lambda v: (not v.late, v.order.data.get("resolve_due") or ""))
    return work


def take_step(records: Records, order_id: str, person: dict[str, Any], kind: str, **details: Any) -> LocalRecord:
    """Append a step to the order as this person, now, by this phone's clock; sent at the next sync.

    Raises marshmallow's ``ValidationError`` when the step lacks what its kind needs (an
    outcome for a resolution, say).
    """
    return records.save("work_order_event", {
        "work_order_id": order_id, "kind": kind, "actor_id": person["id"], "actor_role": person["role"],
        "at": clock.local_now_text(), **details})


def report(records: Records, person: dict[str, Any], kind: str, address: str, **details: Any) -> LocalRecord:
    """A new order from this community officer, for their room, reported now."""
    return records.save("work_order", {
        "room_id": person["room_id"], "officer_id": person["id"], "kind": kind, "address": address,
        "reported_at": clock.local_now_text(), **details})


@dataclass(frozen=True)
class PlateHistory:
    """What the phone knows of a plate before it is reported again (一车一档).

    The plate's vehicle file as last pulled, with this phone's own reports of it that the
    server has not taken yet; ``repeat`` is the flag the server will set on a report made now.
    """

    total: int
    lately: int
    last: datetime | None
    repeat: bool


def plate_history(records: Records, plate: str, now: datetime | None = None) -> PlateHistory:
    now = now or clock.now()
    filed = next((record.data for record in records.all("vehicle") if record.data["plate"] == plate), None)
    unsent = [moment for record in records.all("work_order")
              if record.version == 0 and record.data.get("plate") == plate
              and (moment := _parse(record.data.get("reported_at"))) is not None]
    times = [datetime.fromisoformat(moment) for moment in (filed or {}).get("recent_reports", [])] + unsent
    last = max([*times, *([datetime.fromisoformat(filed["last_reported_at"])] if filed else [])], default=None)
    return PlateHistory(total=(filed or {}).get("report_count", 0) + len(unsent),
                        lately=work_orders.reported_within(times, now), last=last,
                        repeat=work_orders.is_repeat(times, now))
