"""The words a record type's ownership rules are declared in: cells, field groups, matrix rows.

A record type declares, in ``sync/records.py``, which group each field it holds belongs to
and one row per (field group, actions, statuses) giving each role's cell. A cell is one of:

- ``any``: allowed (within the caller's scope, which is checked apart);
- ``own``: allowed on the caller's own work only (the record's ``officer_id``), else ``not_yours``;
- ``review``: only through the review rules (``POST /inspections/<id>/review``, the
  dashboard's review); a push gets ``review_endpoint``;
- ``console``: only through the dashboard (an admin's console, or a chief's planning pages); a
  push gets ``read_only_type``;
- any other value is the machine code of the refusal.

``sync/ownership.py`` builds the matrix from those declarations and decides a write.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ROLES = ("officer", "chief", "admin", "traffic", "squad_lead")
TRAFFIC_ROLES = ("traffic", "squad_lead")
"""Traffic police (交警) and their squad's leader: they see only the work orders routed to their squad."""
ACTIONS = ("create", "change", "delete")
WRITE = ("create", "change")
VIAS = ("push", "review", "console")

ANY, OWN, REVIEW, CONSOLE = "any", "own", "review", "console"
NOT_YOURS, REVIEWER_ONLY, REVIEW_ENDPOINT = "not_yours", "reviewer_only", "review_endpoint"
NOT_REVIEWABLE, READ_ONLY_TYPE = "not_reviewable", "read_only_type"
OUT_OF_SCOPE, SERVER_WRITTEN, FINAL = "out_of_scope", "server_written", "final"
REPORTER_ONLY, WITHDRAW_INSTEAD, REPORT_TAKEN = "reporter_only", "withdraw_instead", "report_taken"
CLOSE_INSTEAD, MOVE_OUT_INSTEAD, ROOM_OFFICERS_ONLY = "close_instead", "move_out_instead", "room_officers_only"
CHIEF_ASSIGNS, CANCEL_INSTEAD = "chief_assigns", "cancel_instead"

RECORD = "record"
"""The field group of a delete, and of every field of a type written only in the console."""

NO_STATUS = "-"

MESSAGES = {
    NOT_YOURS: "Only the officer whose work this is may do this.",
    REVIEWER_ONLY: "Only a station chief reviews an inspection.",
    REVIEW_ENDPOINT: "Review fields change only through the review: POST /api/v1/inspections/<id>/review.",
    NOT_REVIEWABLE: "Only a submitted log is reviewed.",
    READ_ONLY_TYPE: "Devices do not write this type of record.",
    OUT_OF_SCOPE: "This record is outside your room or station.",
    SERVER_WRITTEN: "The server writes these fields (an order's state is the fold of its events).",
    FINAL: "An event is final once made: append another event instead.",
    REPORTER_ONLY: "Only the officer who reported the order changes its report; act on it with an event.",
    WITHDRAW_INSTEAD: "A work order is not deleted: its reporter withdraws it before it is accepted.",
    REPORT_TAKEN: "Traffic police have taken the order: its report no longer changes; verify or reopen it instead.",
    CLOSE_INSTEAD: "A rental house is not deleted: set its status to closed (停租); its registrations stay on record.",
    MOVE_OUT_INSTEAD: "A registration is not deleted: record the resident's move-out (人走注销) instead.",
    ROOM_OFFICERS_ONLY: "Only the room's officers keep its rental registry; a chief reads it on the dashboard, masked.",
    CHIEF_ASSIGNS: "A station chief plans and assigns work; an officer completes an assignment or comments on it.",
    CANCEL_INSTEAD: "An assignment is not deleted: its chief cancels it, and it stays on record.",
}


@dataclass(frozen=True)
class Rule:
    """One row of the matrix: a cell per role for these actions in these statuses.

    ``statuses`` empty means every status of the record type. Traffic police see only work
    orders, so on every other type their cells are ``out_of_scope``.
    """

    group: str
    actions: tuple[str, ...]
    officer: str
    chief: str
    admin: str
    statuses: tuple[str, ...] = ()
    traffic: str = OUT_OF_SCOPE
    squad_lead: str = OUT_OF_SCOPE

    def cell(self, role: str) -> str:
        return {"officer": self.officer, "chief": self.chief, "admin": self.admin, "traffic": self.traffic,
                "squad_lead": self.squad_lead}[role]


    @classmethod
    def everyone(cls, group: str, actions: tuple[str, ...], cell: str) -> Rule:
        """A row with the same cell for every role."""
        return cls(group, actions, cell, cell, cell, traffic=cell, squad_lead=cell)


@dataclass(frozen=True)
class FieldGroups:
    """Which group a written field belongs to: named fields, a status value written, or the default."""

    default: str
    named: Mapping[str, frozenset[str]] = field(default_factory=dict)
    statuses: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Group → status values that, when a write sets ``status`` to one, belong to that group."""

    def of(self, name: str, value: Any) -> str:
        for group, names in self.named.items():
            if name in names:
                return group
        if name == "status":
            for group, values in self.statuses.items():
                if value in values:
                    return group
        return self.default


CONSOLE_ONLY = (Rule(RECORD, ACTIONS, READ_ONLY_TYPE, READ_ONLY_TYPE, CONSOLE, traffic=READ_ONLY_TYPE,
                     squad_lead=READ_ONLY_TYPE),)
"""The rules of a type only administrators write, in the console (rooms, people, templates)."""


def verdict(cell: str, *, own: bool, via: str) -> str | None:
    """A cell's answer: None when allowed, else the refusal's code."""
    if cell == ANY:
        return None
    if cell == OWN:
        return None if own else NOT_YOURS
    if cell == REVIEW:
        return None if via == "review" else REVIEW_ENDPOINT
    if cell == CONSOLE:
        return None if via == "console" else READ_ONLY_TYPE
    return cell
