"""Who may create, change and delete each synced record: one matrix, decided in one function.

The matrix is keyed by record type × field group × action × status, and gives one cell per
role (officer, chief, admin); its rows are declared with each record type in
``sync/records.py``, in the words of ``sync/rules.py``.

The status is the record's status before the change (the new record's status on create).
An approved inspection is also *locked* (sync invariant 4, ``RecordType.locked_when``): a
change the matrix allows becomes a conflict rather than a write.

The server enforces the matrix for every write path (push, review, conflict resolution,
admin edits); the handheld can read it to grey out fields it may not change. This module
imports neither Flask nor Kivy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from marshmallow import missing

from sync.records import RECORD_TYPES, REVIEW_FIELDS, REVIEW_STATUSES
from sync.rules import (
    ACTIONS,
    ANY,
    CONSOLE,
    MESSAGES,
    NO_STATUS,
    NOT_REVIEWABLE,
    NOT_YOURS,
    OWN,
    READ_ONLY_TYPE,
    RECORD,
    REVIEW,
    REVIEW_ENDPOINT,
    REVIEWER_ONLY,
    ROLES,
    VIAS,
    Rule,
    verdict,
)

__all__ = [
    "ACTIONS",
    "ANY",
    "CONSOLE",
    "MATRIX",
    "NOT_REVIEWABLE",
    "NOT_YOURS",
    "OWN",
    "READ_ONLY_TYPE",
    "RECORD",
    "REVIEW",
    "REVIEWER_ONLY",
    "REVIEW_ENDPOINT",
    "REVIEW_FIELDS",
    "REVIEW_STATUSES",
    "ROLES",
    "STATUSES",
    "VIAS",
    "Denial",
    "cells",
    "group_of",
    "groups",
    "refusal",
    "verdict",
    "written_on_create",
]

STATUSES: Mapping[str, tuple[str, ...]] = {name: record_type.statuses for name, record_type in RECORD_TYPES.items()}

MATRIX: Mapping[tuple[str, str, str, str], Rule] = {
    (name, rule.group, action, status): rule
    for name, record_type in RECORD_TYPES.items() for rule in record_type.rules
    for action in rule.actions for status in (rule.statuses or record_type.statuses)
}
"""(record type, field group, action, status) → the row giving each role's cell."""


def group_of(record_type: str, name: str, value: Any) -> str:
    """The field group a written field belongs to (for a status, its new value decides)."""
    return RECORD_TYPES[record_type].groups.of(name, value)


def groups(record_type: str) -> tuple[str, ...]:
    """The field groups of a record type, deletes' ``record`` last."""
    return tuple(dict.fromkeys(rule.group for rule in RECORD_TYPES[record_type].rules))


@cache
def _load_defaults(record_type: str) -> Mapping[str, Any]:
    return {name: field.load_default for name, field in RECORD_TYPES[record_type].data_schema().fields.items()}


def written_on_create(record_type: str, wire: Mapping[str, Any]) -> dict[str, Any]:
    """The fields a new record really sets: those not left at the schema's default."""
    defaults = _load_defaults(record_type)
    written = {}
    for name, value in wire.items():
        default = defaults.get(name, missing)
        default = default() if callable(default) else default
        if default is missing or value != default:
            written[name] = value
    return written


@dataclass(frozen=True)
class Denial:
    """Why the matrix says no: the refusal's code, message and the fields to blame."""

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
) -> Denial | None:
    """Whether ``role`` may write ``written`` to the record (``current``, None on create); why not.

    ``written`` is what changes: on create the new record's wire data, on change the fields
    whose value differs from ``current``; ignored on delete. ``person_id`` is the caller's
    id in wire form (owns the record when it is the record's ``officer_id``).
    """
    record = current if current is not None else written
    status = record.get("status", NO_STATUS) if STATUSES[record_type] != (NO_STATUS,) else NO_STATUS
    declared = RECORD_TYPES[record_type]
    owner = record.get(declared.owner_field)
    own = owner == person_id or (owner is None and declared.unassigned_is_own)
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
            return Denial(code, MESSAGES[code], {name: [MESSAGES[code]] for name in sorted(names)})
    return None


def cells(record_types: Iterable[str] = tuple(STATUSES)) -> list[tuple[str, str, str, str, str, str]]:
    """Every (record type, group, action, status, role, cell) of the matrix, for tests and docs."""
    return [(key[0], key[1], key[2], key[3], role, rule.cell(role))
            for key, rule in MATRIX.items() if key[0] in record_types for role in ROLES]
