"""Whether a log may be saved or submitted, in one path: the wire schema first, then completeness.

The wire schema (``sync.records``, loaded through ``sync.compiled`` as the store loads it)
decides what the server accepts, its cross-field rules (the record type's declared
``check``) included; nothing here restates them. A submitted log must also be
complete, which only the handheld asks: every checklist item answered, a note for each
failure, findings and a photo when something is wrong, a deadline after today, the venue
representative's signature, and for a done visit its outcome and the venue's satisfaction.
Drafts are held to the wire schema alone.

Problems carry a code, not text, so each screen words them in the officer's language. A
field the schema refuses while the officer left it empty is one to fill in; anything else
it refuses is a value that is not valid (a typed date that is not a date among them, never
an exception).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date
from typing import Any

from marshmallow import ValidationError

from sync.compiled import compile_schema
from sync.records import RECORD_TYPES

FILL_IN_CODES: Mapping[str, str] = {"rectification_deadline": "deadline_required"}
"""Fields whose "fill this in" has words of its own."""
RESULT_MARKS: Mapping[str, str] = {"pass": "✓", "fail": "×", "not_applicable": "–"}
"""The mark a chosen checklist result carries besides its colour (× rather than ✗: every Chinese font has it)."""

@dataclass(frozen=True)
class Problem:
    field: str
    code: str
    params: Mapping[str, Any] = dataclass_field(default_factory=dict)


def draft_problems(record_type: str, record: Mapping[str, Any]) -> list[Problem]:
    """What keeps a whole record from being saved at all: the wire schema's verdict."""
    return wire_check(record_type, record)[1]


def inspection_problems(inspection: Mapping[str, Any], item_keys: Iterable[str], today: date) -> list[Problem]:
    """What keeps a whole inspection from being submitted."""
    loaded, problems = wire_check("inspection", inspection)
    checklist = loaded.get("checklist") or {}
    own = []
    for key in item_keys:
        answer = checklist.get(key)
        if answer is None:
            own.append(Problem(f"checklist.{key}", "answer_required"))
        elif answer.get("result") == "fail" and not answer.get("note", "").strip():
            own.append(Problem(f"checklist.{key}", "note_for_failure"))
    something_wrong = loaded.get("hazard_level", "none") != "none" or any(
        answer.get("result") == "fail" for answer in checklist.values())
    if something_wrong and not loaded.get("findings", "").strip():
        own.append(Problem("findings", "findings_required"))
    if something_wrong and not loaded.get("photo_hashes"):
        own.append(Problem("photo_hashes", "photo_required"))
    deadline = loaded.get("rectification_deadline")
    if loaded.get("rectification_required") and deadline is not None and deadline <= today:
        own.append(Problem("rectification_deadline", "deadline_in_past"))
    if not loaded.get("signature_hash"):
        own.append(Problem("signature_hash", "signature_required"))
    return problems + unflagged(own, problems)


def followup_problems(followup: Mapping[str, Any]) -> list[Problem]:
    """What keeps a whole follow-up from being saved: a done visit needs its outcome and satisfaction."""
    loaded, problems = wire_check("followup", followup)
    own = []
    if loaded.get("status") == "done":
        if not loaded.get("outcome", "").strip():
            own.append(Problem("outcome", "required"))
        if not loaded.get("satisfaction"):
            own.append(Problem("satisfaction", "required"))
        if loaded.get("subject_kind") == "rectification" and loaded.get("rectified") is None:
            own.append(Problem("rectified", "required"))
    return problems + unflagged(own, problems)


def venue_problems(venue: Mapping[str, Any]) -> list[Problem]:
    """A venue asks nothing beyond the wire schema (its name, kind and address are required there)."""
    return draft_problems("venue", venue)


def wire_check(record_type: str, record: Mapping[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """The record loaded by the wire schema, and what it refused.

    When some fields are refused, the shared cross-field rules still run on the fields that
    loaded (marshmallow skips them then), so the officer sees every problem at once.
    """
    try:
        return compile_schema(RECORD_TYPES[record_type].data_schema).load(dict(record)), []
    except ValidationError as error:
        loaded = error.valid_data if isinstance(error.valid_data, dict) else {}
        problems = schema_problems(error, record)
    rule = RECORD_TYPES[record_type].check
    if rule is not None:
        try:
            rule(loaded)
        except ValidationError as error:
            problems += unflagged(schema_problems(error, record), problems)
    return loaded, problems


def schema_problems(error: ValidationError, record: Mapping[str, Any]) -> list[Problem]:
    """The wire schema's messages as problems per field (nested fields joined with dots)."""
    problems: list[Problem] = []

    def walk(messages: Any, path: tuple[str, ...]) -> None:
        if isinstance(messages, dict):
            for name, inner in messages.items():
                walk(inner, (*path, str(name)))
            return
        name = ".".join(path) or "_schema"
        code = FILL_IN_CODES.get(name, "required") if path and left_empty(record, path) else "invalid"
        problems.append(Problem(name, code))

    walk(error.normalized_messages(), ())
    return problems


def left_empty(record: Any, path: tuple[str, ...]) -> bool:
    """Whether the value at ``path`` is missing or blank.

    A ``Dict`` field's errors name an entry's ``value`` (or ``key``) under the entry's key;
    the entry itself is that value.
    """
    value = record
    for name in path:
        if isinstance(value, Mapping) and name in value:
            value = value[name]
        elif name == "value" and isinstance(value, Mapping):
            continue
        elif isinstance(value, list) and name.isdigit() and int(name) < len(value):
            value = value[int(name)]
        else:
            return name != "key"
    if isinstance(value, str):
        return not value.strip()
    return value is None or value == [] or value == {}


def unflagged(problems: list[Problem], flagged: list[Problem]) -> list[Problem]:
    """``problems`` about fields nothing in ``flagged`` already names (itself or inside it)."""
    names = {problem.field for problem in flagged}
    return [problem for problem in problems
            if not any(name == problem.field or name.startswith(f"{problem.field}.") for name in names)]
