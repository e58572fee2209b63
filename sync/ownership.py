"""Who may create, change and delete each synced record: one matrix, decided in one function.

The matrix is keyed by record type × field group × action × status, and gives one cell per
role (officer, chief, admin). A cell is one of:

- ``any``: allowed (within the caller's scope, which is checked apart);
- ``own``: allowed on the caller's own work only (the record's ``officer_id``), else ``not_yours``;
- ``review``: only through the review rules (``POST /inspections/<id>/review``, the
  dashboard's review); a push gets ``review_endpoint``;
- ``console``: only through the admin's dashboard; a push gets ``read_only_type``;
- any other value is the machine code of the refusal.

The status is the record's status before the change (the new record's status on create).
An approved inspection is also *locked* (sync invariant 4): a change the matrix allows
becomes a conflict rather than a write; that rule lives with the push, not here.

The server enforces the matrix for every write path (push, review, conflict resolution,
admin edits); the handheld can read it to grey out fields it may not change. This module
imports neither Flask nor Kivy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from marshmallow import missing

from sync import vocab
from sync.records import RECORD_TYPES

ROLES = ("officer", "chief", "admin")
ACTIONS = ("create", "change", "delete")
VIAS = ("push", "review", "console")

ANY, OWN, REVIEW, CONSOLE = "any", "own", "review", "console"
NOT_YOURS, REVIEWER_ONLY, REVIEW_ENDPOINT = "not_yours", "reviewer_only", "review_endpoint"
NOT_REVIEWABLE, READ_ONLY_TYPE = "not_reviewable", "read_only_type"

RECORD = "record"
"""The field group of a delete: the record as a whole."""

NO_STATUS = "-"
REVIEW_STATUSES = frozenset({"approved", "returned"})
REVIEW_FIELDS = frozenset({"review_comment", "reviewer_id", "reviewed_at"})
FOLLOWUP_PLAN = frozenset({"venue_id", "officer_id", "subject_kind", "inspection_id", "case_number", "due_date"})

STATUSES: Mapping[str, tuple[str, ...]] = {
    "room": (NO_STATUS,),
    "person": (NO_STATUS,),
    "checklist_template": (NO_STATUS,),
    "venue": (NO_STATUS,),
    "inspection": tuple(vocab.INSPECTION_STATUSES),
    "followup": tuple(vocab.FOLLOWUP_STATUSES),
}

MESSAGES = {
    NOT_YOURS: "Only the officer whose work this is may do this.",
    REVIEWER_ONLY: "Only a station chief reviews an inspection.",
    REVIEW_ENDPOINT: "Review fields change only through the review: POST /api/v1/inspections/<id>/review.",
    NOT_REVIEWABLE: "Only a submitted log is reviewed.",
    READ_ONLY_TYPE: "Devices do not write this type of record.",
}


@dataclass(frozen=True)
class Rule:
    """One row of the matrix: a cell per role for these actions in these statuses."""

    record_type: str
    group: str
    actions: tuple[str, ...]
    statuses: tuple[str, ...]
    officer: str
    chief: str
    admin: str

    def cell(self, role: str) -> str:
        return {"officer": self.officer, "chief": self.chief, "admin": self.admin}[role]


def _all(record_type: str) -> tuple[str, ...]:
    return STATUSES[record_type]


WRITE = ("create", "change")
REVIEWABLE = ("submitted",)
NOT_SUBMITTED = tuple(s for s in vocab.INSPECTION_STATUSES if s not in REVIEWABLE)

RULES: tuple[Rule, ...] = (
    *(Rule(name, RECORD, ACTIONS, (NO_STATUS,), READ_ONLY_TYPE, READ_ONLY_TYPE, CONSOLE)
      for name in ("room", "person", "checklist_template")),
    Rule("venue", "details", WRITE, _all("venue"), ANY, ANY, ANY),
    Rule("venue", RECORD, ("delete",), _all("venue"), ANY, ANY, ANY),
    Rule("inspection", "work", WRITE, _all("inspection"), OWN, NOT_YOURS, ANY),
    Rule("inspection", "review", ("create",), _all("inspection"), REVIEWER_ONLY, REVIEW, REVIEW),
    Rule("inspection", "review", ("change",), REVIEWABLE, REVIEWER_ONLY, REVIEW, REVIEW),
    Rule("inspection", "review", ("change",), NOT_SUBMITTED, REVIEWER_ONLY, NOT_REVIEWABLE, NOT_REVIEWABLE),
    Rule("inspection", RECORD, ("delete",), _all("inspection"), OWN, NOT_YOURS, ANY),
    Rule("followup", "plan", WRITE, _all("followup"), OWN, ANY, ANY),
    Rule("followup", "visit", WRITE, _all("followup"), OWN, NOT_YOURS, ANY),
    Rule("followup", RECORD, ("delete",), _all("followup"), OWN, ANY, ANY),
)

MATRIX: Mapping[tuple[str, str, str, str], Rule] = {
    (rule.record_type, rule.group, action, status): rule
    for rule in RULES for action in rule.actions for status in rule.statuses
}
"""(record type, field group, action, status) → the row giving each role's cell."""


def group_of(record_type: str, name: str, value: Any) -> str:
    """The field group a written field belongs to (for a status, its new value decides)."""
    if record_type == "inspection":
        review = name in REVIEW_FIELDS or (name == "status" and value in REVIEW_STATUSES)
        return "review" if review else "work"
    if record_type == "followup":
        return "plan" if name in FOLLOWUP_PLAN else "visit"
    return "details" if record_type == "venue" else RECORD


def groups(record_type: str) -> tuple[str, ...]:
    """The field groups of a record type, deletes' ``record`` last."""
    return tuple(dict.fromkeys(rule.group for rule in RULES if rule.record_type == record_type))


def written_on_create(record_type: str, wire: Mapping[str, Any]) -> dict[str, Any]:
    """The fields a new record really sets: those not left at the schema's default."""
    schema_fields = RECORD_TYPES[record_type].data_schema().fields
    written = {}
    for name, value in wire.items():
        field = schema_fields.get(name)
        default = missing if field is None else field.load_default
        default = default() if callable(default) else default
        if default is missing or value != default:
            written[name] = value
    return written


@dataclass(frozen=True)
class Refused:
    code: str
    message: str
    errors: dict[str, list[str]]


def refusal(
    role: str,
    person_id: str,
    record_type: str,
    action: str,
    current: Mapping[str, Any] | None,
    written: Mapping[str, Any],
    *,
    via: str = "push",
) -> Refused | None:
    """Whether ``role`` may write ``written`` to the record (``current``, None on create); why not.

    ``written`` is what changes: on create the new record's wire data, on change the fields
    whose value differs from ``current``; ignored on delete. ``person_id`` is the caller's
    id in wire form (owns the record when it is the record's ``officer_id``).
    """
    record = current if current is not None else written
    status = record.get("status", NO_STATUS) if STATUSES[record_type] != (NO_STATUS,) else NO_STATUS
    own = record.get("officer_id") == person_id
    if action == "create":
        written = written_on_create(record_type, written)
    by_group: dict[str, list[str]] = {}
    if action == "delete":
        by_group[RECORD] = ["deleted"]
    else:
        for name, value in written.items():
            by_group.setdefault(group_of(record_type, name, value), []).append(name)
    for group, names in by_group.items():
        code = verdict(MATRIX[(record_type, group, action, status)].cell(role), own=own, via=via)
        if code is not None:
            return Refused(code, MESSAGES[code], {name: [MESSAGES[code]] for name in sorted(names)})
    return None


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


def cells(record_types: Iterable[str] = tuple(STATUSES)) -> list[tuple[str, str, str, str, str, str]]:
    """Every (record type, group, action, status, role, cell) of the matrix, for tests and docs."""
    return [(key[0], key[1], key[2], key[3], role, rule.cell(role))
            for key, rule in MATRIX.items() if key[0] in record_types for role in ROLES]
