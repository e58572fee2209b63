"""What a push may do to an assignment beyond the ownership matrix: who completes it, with what, and when.

The matrix lets an officer write the completion and comment of their own assignment or of the room's
unassigned one (``own``, with ``RecordType.unassigned_is_own``); these rules narrow it, since the
coverage figures a chief reads for the yearly stars count them:

- the officer it is assigned to, or, for the room's scheduled inspection (no officer), any of
  the room's officers; not work handed back to the chief or assigned to a colleague (``not_yours``);
- a completion only while the work is ``open`` or ``missed`` (``not_open``);
- the link must be the sender's own record of the assignment's venue, made since the work was
  planned: a submitted inspection for an ``inspection``, a done follow-up of the case number for
  a ``case_revisit`` (``invalid``, naming the link);
- ``done_at`` is the linked record's time (its ``inspected_at`` or ``visited_at``), whatever the
  phone sent, so a missed assignment cannot be dated back to count as on time.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import Assignment, Room, Venue
from server.operations.planning import done_since, rules_in_force
from server.refusals import Refused
from server.syncing.change import RecordState, Values
from server.syncing.mutations import Caller
from server.syncing.wire import MAPPINGS
from sync.planning import ASSIGNMENT_COMPLETION, DONE_BY, STILL_TO_DO, SUBMITTED, interval_for
from sync.rules import NOT_YOURS

OFFICERS_PART = ASSIGNMENT_COMPLETION | {"comment", "commented_at"}
NOT_OPEN = "not_open"


class AssignedWork:
    def __init__(self, session: Session, records: dict[tuple[str, uuid.UUID], RecordState], zone: ZoneInfo) -> None:
        self.session = session
        self.records = records
        self.zone = zone

    def checked(self, caller: Caller, state: RecordState, values: Values) -> Values:
        """The officer's change as it may be written (``done_at`` from the linked record), or refused."""
        written = {name for name, value in values.wire.items() if value != state.data.get(name)}
        completing = (values.wire.get("status") == "done" and state.data.get("status") != "done") or bool(
            written & ASSIGNMENT_COMPLETION)
        if caller.scope.role != "officer" or not (completing or written & OFFICERS_PART):
            return values
        assignee = state.data.get("officer_id")
        scheduled = assignee is None and state.data.get("origin") == "schedule"
        if assignee != str(caller.person_id) and not scheduled:
            raise Refused(NOT_YOURS, "Only the officer this work is assigned to completes it or comments on it "
                          "(work handed back waits for the chief).")
        if not completing:
            return values
        if state.data.get("status") not in STILL_TO_DO:
            raise Refused(NOT_OPEN, "This work is no longer open: it was done, handed back or cancelled.")
        merged = {**state.data, **values.wire}
        link = DONE_BY[merged["kind"]]
        linked = self.linked(merged, link)
        since = self.planned_since(state, merged)
        done_at = linked.data.get("inspected_at" if link == "inspection_id" else "visited_at")
        problem = self.problem(caller, merged, linked, done_at, since)
        if problem:
            raise Refused("invalid", "The record linked does not do this work.", {link: [problem]})
        return Values.of(MAPPINGS["assignment"], {
            **values.loaded, **MAPPINGS["assignment"].data.load({"done_at": done_at}, partial=True)})

    def linked(self, merged: Mapping[str, Any], link: str) -> RecordState:
        record_type = link.removesuffix("_id")
        record_id = uuid.UUID(str(merged.get(link)))
        state = self.records.get((record_type, record_id))
        if state is None:
            found = RecordState.load(self.session, MAPPINGS[record_type], [record_id])
            if not found:
                raise Refused("invalid", "The record linked does not exist.", {link: ["No such record."]})
            state = found[0]
        return state

    def problem(self, caller: Caller, merged: Mapping[str, Any], linked: RecordState, done_at: str | None,
                since: datetime) -> str:
        data = linked.data
        if linked.deleted or data.get("venue_id") != merged.get("venue_id"):
            return "Link a record of this assignment's venue."
        if data.get("officer_id") != str(caller.person_id):
            return "Link your own record."
        if merged["kind"] == "inspection" and data.get("status") not in SUBMITTED:
            return "Link a submitted inspection."
        if merged["kind"] == "case_revisit" and (data.get("status") != "done" or
                                                 data.get("case_number") != merged.get("case_number")):
            return "Link the done visit of this case."
        if done_at is None or datetime.fromisoformat(done_at) < since:
            return "Link a record made since this work was planned."
        return ""

    def planned_since(self, state: RecordState, merged: Mapping[str, Any]) -> datetime:
        """From when a record does this work: since it was assigned, or a scheduled one's cycle began."""
        created = self.session.scalar(select(Assignment.created_at).where(Assignment.id == state.id))
        assigned = created or datetime.min.replace(tzinfo=self.zone)
        if merged.get("origin") != "schedule":
            return assigned
        venue = self.session.get(Venue, uuid.UUID(str(merged["venue_id"])))
        station = self.session.scalar(select(Room.station_id).where(Room.id == state.room_id))
        rules = rules_in_force(self.session, station)
        due = date.fromisoformat(merged["due_date"])
        interval = interval_for(rules, str(station), venue.kind, venue.risk_level, due) if venue else None
        return done_since(due, assigned, interval, self.zone)
