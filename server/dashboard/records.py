"""What an audit entry is about, in words: 检查记录 · 凤桥商务酒店 · 2026-11-20, not a type and a UUID."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from server.dashboard.present import action_word, record_kind_word, station_time, whole_action_word, word
from server.extensions import db
from server.models import AuditEntry, ChecklistTemplate, Followup, Inspection, Person, Room, Station, Venue

RECORD_KINDS = ("inspection", "followup", "venue", "room", "station", "person", "checklist_template", "work_order",
                "work_order_event", "vehicle")
VERBS = ("create", "update", "delete", "review", "resolve", "move", "fold", "file", "route")
WHOLE_ACTIONS = ("conflict.open", "quarantine.apply", "quarantine.dismiss", "device.enrol", "device.enrolment_code",
                 "device.reassign", "device.revoke", "auth.login", "auth.login_failed", "auth.enrol",
                 "auth.enrol_failed", "auth.logout", "auth.account_under_attack", "person.password_set",
                 "sync.refused", "sync.quarantine_full", "sync.purge_tombstones", "sync.prune_push_answers",
                 "auth.expire_sign_ins")


def action_choices() -> list[tuple[str, str]]:
    """The audit filter's choices: what a record is, what was done to it, or a named event."""
    kinds = [(f"{kind}.", record_kind_word(kind)) for kind in RECORD_KINDS]
    verbs = [(f".{verb}", action_word(verb)) for verb in VERBS]
    return kinds + verbs + [(action, whole_action_word(action) or action) for action in WHOLE_ACTIONS]


def describe(model: type[Any], row: Any) -> str:
    if model is Inspection:
        return f"{row.venue.name} · {station_time(row.inspected_at)[:10]}"
    if model is Followup:
        return f"{row.venue.name} · {row.due_date}"
    if model is Person:
        return row.display_name
    if model is ChecklistTemplate:
        return word("venue_kind", row.venue_kind)
    return row.name


MODELS: dict[str, type[Any]] = {"inspection": Inspection, "followup": Followup, "venue": Venue, "room": Room,
                                "station": Station, "person": Person, "checklist_template": ChecklistTemplate}


def record_names(entries: Iterable[AuditEntry]) -> dict[uuid.UUID, str]:
    """Each entry's record as 检查记录 · venue · date, one query per kind of record on the page."""
    wanted: dict[str, set[uuid.UUID]] = {}
    for entry in entries:
        if entry.record_id is not None and entry.record_type in MODELS:
            wanted.setdefault(entry.record_type, set()).add(entry.record_id)
    names: dict[uuid.UUID, str] = {}
    for kind, ids in wanted.items():
        model = MODELS[kind]
        for row in db.session.scalars(select(model).where(model.id.in_(ids))):
            names[row.id] = f"{record_kind_word(kind)} · {describe(model, row)}"
    return names
