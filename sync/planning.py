"""Planning the beat: inspection schedules, assignments, and the notices that tell people of them.

A station's chief sets **schedule rules** (旅馆 monthly, 网吧 every two weeks, high-risk venues
weekly). A venue's next inspection falls due its rule's interval after its last submitted
inspection; when several rules match a venue, the strictest (shortest interval) applies.

An **assignment** is one piece of planned work: an inspection of a venue, or a case re-visit
(案件回访). The server's upkeep puts each venue's scheduled inspection on its room's list as an
assignment of origin ``schedule`` (no officer: any of the room's officers does it); a chief
assigns the rest to an officer. An officer completes an assignment by recording the inspection
or visit it asks for (linked by id), or comments on it. The upkeep marks an assignment whose
due date passed without that record ``missed``; one whose officer moved or was disabled is
``handed_back`` to the chief's queue.

A **notice** tells one person of something that concerns them (a log returned, a new
assignment, a conflict resolved); it is a record like any other, written by the server.

Both ends compute due dates with these functions: the server to plan and mark, the handheld
to show, offline, what falls due this week.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from sync import vocab
from sync.fields import StrictSchema, choice, moment, text

DONE_BY = {"inspection": "inspection_id", "case_revisit": "followup_id"}
"""The field linking an assignment of each kind to the record that does it."""
SUBMITTED = frozenset({"submitted", "approved"})
"""An inspection in one of these statuses counts as the venue's last inspection."""
STILL_TO_DO = frozenset({"open", "missed"})
"""An assignment in one of these statuses is still work someone should do."""
ASSIGNMENT_COMPLETION = frozenset({"inspection_id", "followup_id", "done_at"})
ASSIGNMENT_DERIVED = frozenset({"handed_back_reason", "handed_back_from", "missed_on"})
"""An assignment's fields only the server writes: why it went back to the chief, and when it was missed."""


class ScheduleRuleData(StrictSchema):
    """Every venue of a kind (or of any kind) at a risk level (or any) is inspected every ``interval_days``."""

    station_id = fields.UUID(required=True)
    venue_kind = choice(vocab.VENUE_KINDS, load_default=None, allow_none=True)
    risk_level = choice(vocab.RISK_LEVELS, load_default=None, allow_none=True)
    interval_days = fields.Int(required=True, validate=validate.Range(1, 366))
    starts_on = fields.Date(required=True)
    active = fields.Bool(load_default=True)


class AssignmentData(StrictSchema):
    room_id = fields.UUID(required=True)
    officer_id = fields.UUID(load_default=None, allow_none=True)
    origin = choice(vocab.ASSIGNMENT_ORIGINS, load_default="chief")
    kind = choice(vocab.ASSIGNMENT_KINDS, required=True)
    venue_id = fields.UUID(load_default=None, allow_none=True)
    case_number = text(40)
    visit_whom = text(120)
    due_date = fields.Date(required=True)
    note = text(1000)
    assigned_by = fields.UUID(load_default=None, allow_none=True)
    status = choice(vocab.ASSIGNMENT_STATUSES, load_default="open")
    inspection_id = fields.UUID(load_default=None, allow_none=True)
    followup_id = fields.UUID(load_default=None, allow_none=True)
    done_at = moment(load_default=None, allow_none=True)
    comment = text(1000)
    commented_at = moment(load_default=None, allow_none=True)
    missed_on = fields.Date(load_default=None, allow_none=True)
    handed_back_reason = choice(vocab.HAND_BACK_REASONS, load_default=None, allow_none=True)
    handed_back_from = fields.UUID(load_default=None, allow_none=True)

    @validates_schema
    def assignment_is_complete(self, data: dict, *, partial: Any = False, **kwargs: Any) -> None:
        if not partial:
            check_assignment(data)


class NoticeData(StrictSchema):
    person_id = fields.UUID(required=True)
    kind = choice(vocab.NOTICE_KINDS, required=True)
    subject_type = fields.Str(required=True, validate=validate.Length(1, 40))
    subject_id = fields.UUID(required=True)
    summary = text(500)
    raised_at = moment(required=True)
    read_at = moment(load_default=None, allow_none=True)


def check_assignment(record: Mapping[str, Any]) -> None:
    """Rules across an assignment's fields, applied to the whole record after every change."""
    errors: dict[str, list[str]] = {}
    kind, status = record.get("kind"), record.get("status")
    if not record.get("venue_id"):
        errors["venue_id"] = ["An assignment names its venue (a re-visit's, where its follow-up is recorded)."]
    if kind == "case_revisit":
        if not record.get("case_number"):
            errors["case_number"] = ["A case re-visit names its case number."]
        if not record.get("visit_whom"):
            errors["visit_whom"] = ["A case re-visit says whom to visit."]
    if record.get("origin") == "chief" and status in ("open", "missed", "done") and not record.get("officer_id"):
        errors["officer_id"] = ["A chief's assignment names the officer who does it."]
    if status == "done":
        link = DONE_BY.get(kind or "")
        if link and not record.get(link):
            errors[link] = ["A done assignment links the record that did it."]
        if not record.get("done_at"):
            errors["done_at"] = ["A done assignment records when it was done."]
    if status == "handed_back" and not record.get("handed_back_reason"):
        errors["handed_back_reason"] = ["A handed-back assignment says why."]
    if errors:
        raise ValidationError(errors)


def interval_for(rules: Iterable[Mapping[str, Any]], station_id: str, kind: str, risk_level: str,
                 on: date) -> tuple[int, date] | None:
    """The strictest rule of ``station_id`` in force ``on`` that covers a venue: (interval in days, start)."""
    matching = [
        (rule["interval_days"], as_date(rule["starts_on"]))
        for rule in rules
        if rule.get("active", True) and str(rule["station_id"]) == str(station_id)
        and rule.get("venue_kind") in (None, kind) and rule.get("risk_level") in (None, risk_level)
        and as_date(rule["starts_on"]) <= on
    ]
    return min(matching, default=None, key=lambda match: match[0])


def next_due(interval: tuple[int, date], last_inspected: date | None, last_missed: date | None = None,
             today: date | None = None) -> date:
    """When a venue's next scheduled inspection falls due.

    Its rule's interval after its last submitted inspection, and never before the rule starts.
    After a missed due date with no inspection since, the next falls one interval after the
    missed one, or ``today`` if that is already past: a neglected venue comes round again, once,
    instead of staying missed for ever or piling up a missed inspection for every interval.
    """
    days, starts_on = interval
    due = starts_on if last_inspected is None else max(starts_on, last_inspected + timedelta(days=days))
    if last_missed is not None and last_missed >= due and (last_inspected is None or last_inspected <= last_missed):
        due = last_missed + timedelta(days=days)
        if today is not None:
            due = max(due, today)
    return due


def cycle_start(due: date, interval_days: int) -> date:
    """The first day an inspection does a scheduled one due on ``due``: the day after the inspection it was
    planned from. An inspection recorded offline before the item was planned, and sent after, still does it."""
    return due - timedelta(days=interval_days - 1)


def as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)
