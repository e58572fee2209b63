"""A work order's life (警社联动): the state machine its events are folded through.

A work order's state is never edited. Whoever acts appends a ``work_order_event``, offline
or not, and the order's state is the fold of its events in server order through
``fold()``: the same pure function on the server (which stores the result on the order, for
the dashboard) and on the handheld (which folds its own unsent events after the server's).

An event that is not legal in the state reached (two traffic officers accepted the same
order offline; a resolution arrived after the reporter withdrew) is kept, never dropped. Its
verdict names the state it met and the event that brought the order there, so its author
reads "已由 王警官 于 10:32 接单" rather than a conflict for an administrator.

Who may append which kind of event at all (a community officer never accepts) is a wall the
server enforces on push (``EVENT_ROLES``); ``fold`` decides only what the order's history
allows, and so reaches the same answer on every device.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

EVENT_ROLES: Mapping[str, frozenset[str]] = {
    "assigned": frozenset({"squad_lead"}),
    "accepted": frozenset({"traffic", "squad_lead"}),
    "contacting": frozenset({"traffic", "squad_lead"}),
    "resolved": frozenset({"traffic", "squad_lead"}),
    "verified": frozenset({"officer"}),
    "reopened": frozenset({"officer"}),
    "withdrawn": frozenset({"officer"}),
}
"""The roles that may append each kind of event (the server refuses any other on push).

A resolution is verified or reopened by a community officer of the order's room (its reporter,
or whoever serves the room when the reporter has moved on); only the reporter withdraws."""

LEGAL_IN: Mapping[str, frozenset[str]] = {
    "assigned": frozenset({"dispatched", "accepted", "contacting"}),
    "accepted": frozenset({"dispatched"}),
    "contacting": frozenset({"accepted", "contacting"}),
    "resolved": frozenset({"accepted", "contacting"}),
    "verified": frozenset({"resolved"}),
    "reopened": frozenset({"resolved"}),
    "withdrawn": frozenset({"reported", "dispatched"}),
}
"""The states in which each kind of event takes effect."""

OPEN_STATES = frozenset({"reported", "dispatched", "accepted", "contacting"})
"""States in which the order still waits for traffic police."""

REPEAT_REPORTS = 3
REPEAT_WINDOW = timedelta(days=30)
"""A plate reported this many times within this window is flagged when it is reported again."""


@dataclass(frozen=True)
class Deadline:
    """How long traffic police have, from dispatch, to accept an order and to resolve it."""

    accept: timedelta
    resolve: timedelta


DEFAULT_DEADLINES: Mapping[str, Deadline] = {
    "illegal_parking": Deadline(timedelta(minutes=30), timedelta(hours=2)),
    "abandoned_vehicle": Deadline(timedelta(days=1), timedelta(days=7)),
    "traffic_facility": Deadline(timedelta(hours=4), timedelta(days=3)),
    "other": Deadline(timedelta(days=1), timedelta(days=7)),
}
"""The deadlines per kind of order; the server's ``WORK_ORDER_DEADLINES`` setting overrides them."""


def deadlines_from(setting: Mapping[str, Mapping[str, int]] | None) -> dict[str, Deadline]:
    """Deadlines from a setting of minutes per kind (``{"illegal_parking": {"accept": 30, "resolve": 120}}``).

    Kinds the setting leaves out keep their default. Raises ``ValueError`` for an unknown kind or
    a deadline that is not a positive whole number of minutes, or a resolution due before acceptance.
    """
    deadlines = dict(DEFAULT_DEADLINES)
    for kind, minutes in (setting or {}).items():
        if kind not in DEFAULT_DEADLINES:
            raise ValueError(f"unknown kind of work order {kind!r}")
        if set(minutes) != {"accept", "resolve"} or not all(
                type(value) is int and value > 0 for value in minutes.values()):
            raise ValueError(f"{kind}: give 'accept' and 'resolve' as positive whole minutes")
        if minutes["resolve"] < minutes["accept"]:
            raise ValueError(f"{kind}: the resolution cannot be due before the acceptance")
        deadlines[kind] = Deadline(timedelta(minutes=minutes["accept"]), timedelta(minutes=minutes["resolve"]))
    return deadlines


def due_times(kind: str, dispatched_at: datetime, deadlines: Mapping[str, Deadline]) -> tuple[datetime, datetime]:
    """When an order dispatched at ``dispatched_at`` must be accepted, and resolved."""
    deadline = deadlines[kind]
    return dispatched_at + deadline.accept, dispatched_at + deadline.resolve


def reported_within(reports: Iterable[datetime], at: datetime) -> int:
    """How many of these reports fall in the repeat window up to ``at``."""
    since = at - REPEAT_WINDOW
    return sum(1 for moment in reports if since <= moment <= at)


def is_repeat(earlier_reports: Iterable[datetime], reported_at: datetime) -> bool:
    """Whether a plate with these earlier reports is flagged when reported again at ``reported_at``."""
    return reported_within(earlier_reports, reported_at) >= REPEAT_REPORTS


@dataclass(frozen=True)
class Verdict:
    """Why an event took no effect: the state it met, and the event (who, when) that made that state.

    ``code`` is ``not_in_state`` (the order had moved on), ``assigned_to_other``, ``not_acceptor``
    (the order is someone else's to act on now) or ``not_reporter`` (only its reporter withdraws
    it). ``by``/``at``/``event_id`` are the blocking event's; they are None when the order's report
    itself is the cause.
    """

    code: str
    state: str
    by: str | None
    at: str | None
    event_id: str | None


@dataclass
class Folded:
    """An order's state after its events, and each event's verdict (None: it took effect)."""

    state: str
    assignee_id: str | None = None
    accepted_by: str | None = None
    accepted_at: str | None = None
    contact_result: str | None = None
    resolved_at: str | None = None
    outcome: str | None = None
    ticket_number: str = ""
    closed_at: str | None = None
    reopen_count: int = 0
    verdicts: dict[str, Verdict | None] = field(default_factory=dict)
    last: Mapping[str, Any] | None = None
    """The last event that took effect."""

    def summary(self) -> dict[str, Any]:
        """The fold's result as an order's server-written fields."""
        return {"status": self.state, "assignee_id": self.assignee_id, "accepted_at": self.accepted_at,
                "resolved_at": self.resolved_at, "outcome": self.outcome, "ticket_number": self.ticket_number,
                "closed_at": self.closed_at, "reopen_count": self.reopen_count}


def initial_state(order: Mapping[str, Any]) -> str:
    """An order routed to a squad is dispatched; one no squad covers waits as reported."""
    return "dispatched" if order.get("squad_id") else "reported"


def fold(order: Mapping[str, Any], events: Sequence[Mapping[str, Any]]) -> Folded:
    """The order's state after ``events`` (wire data with ``id``), taken in the order given.

    The server passes its events by ``position``; a device passes the server's, then its own
    not yet sent, in the order they were made (``ordered``). The order's times are the server's
    ``received_at`` of the steps, or the device's ``at`` for a step the server has not placed yet.
    """
    folded = Folded(initial_state(order))
    for event in events:
        verdict = _verdict(order, folded, event)
        folded.verdicts[str(event["id"])] = verdict
        if verdict is None:
            _apply(folded, event)
            folded.last = event
    return folded


def ordered(events: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Events in server order, then those the server has not placed yet (no ``position``) as given."""
    placed: list[Mapping[str, Any]] = []
    unplaced: list[Mapping[str, Any]] = []
    for event in events:
        (placed if event.get("position") else unplaced).append(event)
    return sorted(placed, key=lambda event: event["position"]) + unplaced


def _verdict(order: Mapping[str, Any], folded: Folded, event: Mapping[str, Any]) -> Verdict | None:
    kind, actor = event["kind"], event.get("actor_id")
    if folded.state not in LEGAL_IN[kind]:
        return _blocked("not_in_state", folded)
    if kind == "withdrawn" and actor != order.get("officer_id"):
        return _blocked("not_reporter", folded)
    lead = event.get("actor_role") == "squad_lead"
    if kind == "accepted" and not lead and folded.assignee_id not in (None, actor):
        return _blocked("assigned_to_other", folded)
    if kind in ("contacting", "resolved") and not lead and folded.accepted_by != actor:
        return _blocked("not_acceptor", folded)
    return None


def _blocked(code: str, folded: Folded) -> Verdict:
    last = folded.last
    if last is None:
        return Verdict(code, folded.state, None, None, None)
    return Verdict(code, folded.state, last.get("actor_id"), last.get("at"), str(last["id"]))


def _apply(folded: Folded, event: Mapping[str, Any]) -> None:
    kind, actor, at = event["kind"], event.get("actor_id"), event.get("received_at") or event.get("at")
    if kind == "assigned":
        folded.state, folded.assignee_id, folded.accepted_by, folded.accepted_at = (
            "dispatched", event.get("assignee_id"), None, None)
    elif kind == "accepted":
        folded.state, folded.assignee_id, folded.accepted_by, folded.accepted_at = "accepted", actor, actor, at
    elif kind == "contacting":
        folded.state, folded.contact_result = "contacting", event.get("contact_result")
    elif kind == "resolved":
        folded.state, folded.resolved_at = "resolved", at
        folded.outcome, folded.ticket_number = event.get("outcome"), event.get("ticket_number") or ""
    elif kind == "verified":
        folded.state, folded.closed_at = "closed", at
    elif kind == "reopened":
        folded.state, folded.accepted_by, folded.accepted_at = "dispatched", None, None
        folded.resolved_at, folded.outcome, folded.ticket_number = None, None, ""
        folded.reopen_count += 1
    elif kind == "withdrawn":
        folded.state, folded.closed_at = "withdrawn", at


def overdue(state: str, accept_due: datetime | None, resolve_due: datetime | None, now: datetime) -> frozenset[str]:
    """Which of an order's deadlines (``accept``, ``resolve``) have passed in the state it is in."""
    late = set()
    if state in ("reported", "dispatched") and accept_due is not None and now > accept_due:
        late.add("accept")
    if state in OPEN_STATES and resolve_due is not None and now > resolve_due:
        late.add("resolve")
    return frozenset(late)
