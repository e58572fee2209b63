"""What a log needs before it can be submitted, beyond what the wire schemas enforce.

The shared schemas decide what the server accepts; an officer's submitted inspection must
also be complete: every checklist item answered, a note for each failure, the venue
representative's signature, a photo when something is wrong, and a deadline in the future
when rectification is ordered. A typed date that is not a date is a problem of its field,
never an exception. Drafts skip these checks. Problems carry a code, not text,
so each screen words them in the officer's language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date
from typing import Any

from marshmallow import ValidationError, fields

WIRE_DATE = fields.Date()


def wire_date(value: Any) -> date | None:
    """A typed date read the way the wire schemas read it, or None when it is not a date."""
    try:
        return WIRE_DATE.deserialize(str(value))
    except ValidationError:
        return None


@dataclass(frozen=True)
class Problem:
    field: str
    code: str
    params: Mapping[str, Any] = dataclass_field(default_factory=dict)


def inspection_problems(inspection: Mapping[str, Any], item_keys: Iterable[str], today: date) -> list[Problem]:
    problems = []
    checklist = inspection.get("checklist") or {}
    for key in item_keys:
        answer = checklist.get(key)
        if answer is None:
            problems.append(Problem(f"checklist.{key}", "answer_required"))
        elif answer["result"] == "fail" and not answer.get("note", "").strip():
            problems.append(Problem(f"checklist.{key}", "note_for_failure"))
    something_wrong = inspection.get("hazard_level", "none") != "none" or any(
        answer["result"] == "fail" for answer in checklist.values())
    if something_wrong and not inspection.get("findings", "").strip():
        problems.append(Problem("findings", "findings_required"))
    if something_wrong and not inspection.get("photo_hashes"):
        problems.append(Problem("photo_hashes", "photo_required"))
    deadline = inspection.get("rectification_deadline")
    if inspection.get("rectification_required"):
        if not deadline:
            problems.append(Problem("rectification_deadline", "deadline_required"))
        elif (day := wire_date(deadline)) is None:
            problems.append(Problem("rectification_deadline", "invalid"))
        elif day <= today:
            problems.append(Problem("rectification_deadline", "deadline_in_past"))
    if not inspection.get("signature_hash"):
        problems.append(Problem("signature_hash", "signature_required"))
    return problems


def followup_problems(followup: Mapping[str, Any], today: date) -> list[Problem]:
    problems = []
    if followup.get("subject_kind") == "case" and not followup.get("case_number", "").strip():
        problems.append(Problem("case_number", "required"))
    if followup.get("subject_kind") == "rectification" and not followup.get("inspection_id"):
        problems.append(Problem("inspection_id", "required"))
    if not followup.get("due_date"):
        problems.append(Problem("due_date", "required"))
    elif wire_date(followup["due_date"]) is None:
        problems.append(Problem("due_date", "invalid"))
    if followup.get("status") == "done":
        if not followup.get("outcome", "").strip():
            problems.append(Problem("outcome", "required"))
        if not followup.get("satisfaction"):
            problems.append(Problem("satisfaction", "required"))
        if followup.get("subject_kind") == "rectification" and followup.get("rectified") is None:
            problems.append(Problem("rectified", "required"))
    return problems


def venue_problems(venue: Mapping[str, Any]) -> list[Problem]:
    return [Problem(name, "required") for name in ("name", "kind", "address") if not str(venue.get(name) or "").strip()]


def schema_problems(error: ValidationError) -> list[Problem]:
    """The wire schema's verdict as problems per field (nested fields joined with dots)."""
    problems: list[Problem] = []

    def walk(messages: Any, path: str) -> None:
        if isinstance(messages, dict):
            for name, inner in messages.items():
                walk(inner, f"{path}.{name}" if path else str(name))
        else:
            texts = messages if isinstance(messages, list) else [messages]
            missing = any("Missing data" in str(text) for text in texts)
            problems.append(Problem(path or "_schema", "required" if missing else "invalid"))

    walk(error.messages, "")
    return problems
