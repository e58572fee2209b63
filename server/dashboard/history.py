"""A log's history as the chief reads it: who did what, and what each new version changed.

What an earlier version held is read from the audit trail: a push that changes a record
writes ``changed: {field: [before, after]}`` (wire values) into its audit entry's details,
a conflict resolution the values the admin chose (``values``), a review its decision and
comment. Nothing else keeps earlier versions, and nothing more is needed to tell the chief
what an officer changed before resubmitting.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from server.dashboard.present import station_time, word
from server.extensions import db
from server.models import AuditEntry, Device, Person, SyncConflict, SyncMutation

VOCABULARY_OF_FIELD = {"hazard_level": "hazard", "status": "inspection_status", "risk_level": "risk",
                       "kind": "venue_kind", "subject_kind": "subject", "satisfaction": "satisfaction"}
PEOPLE_FIELDS = {"officer_id", "reviewer_id"}
TIME_FIELDS = {"inspected_at", "visited_at", "reviewed_at"}


def field_word(name: str) -> str:
    """A log's or venue's wire field as the form names it."""
    return {
        "name": _("Name"), "kind": _("Venue kind"), "address": _("Address"),
        "responsible_person": _("Responsible person"), "phone": _("Phone"), "location": _("Position"),
        "risk_level": _("Risk level"), "notes": _("Notes"), "inspected_at": _("Inspected at"),
        "checklist": _("Checklist"), "findings": _("Findings"), "hazard_level": _("Hazard level"),
        "rectification_required": _("Rectification required"), "rectification_deadline": _("Rectification deadline"),
        "photo_hashes": _("Photos"), "signature_hash": _("Signature"), "status": _("Status"),
        "review_comment": _("Review comment"), "reviewer_id": _("Reviewer"), "reviewed_at": _("Reviewed at"),
        "officer_id": _("Officer"), "due_date": _("Due"), "visited_at": _("Visited at"), "outcome": _("Outcome"),
        "rectified": _("Rectified"), "satisfaction": _("Satisfaction"), "case_number": _("Case number"),
        "deleted": _("Deleted"), "venue_id": _("Venue"),
    }.get(name, name)


@dataclass
class Entry:
    """One line of the history: the audit entry and what it changed, in words."""

    audit: AuditEntry
    changes: list[str] = field(default_factory=list)


class Reader:
    """Turns wire values into the words the log page uses (labels of checklist items, people's names)."""

    def __init__(self, item_labels: dict[str, str], people: dict[uuid.UUID, Person]) -> None:
        self.item_labels = item_labels
        self.names = {str(person_id): person.display_name for person_id, person in people.items()}

    def value(self, name: str, value: Any) -> str:
        if value is None or value == "":
            return _("(empty)")
        if name in VOCABULARY_OF_FIELD:
            return word(VOCABULARY_OF_FIELD[name], value)
        if name in PEOPLE_FIELDS:
            return self.names.get(str(value), _("someone"))
        if name in TIME_FIELDS:
            return station_time(datetime.fromisoformat(value))
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        if name == "location":
            return _("a new position fix")
        return str(value)

    def item(self, key: str) -> str:
        return self.item_labels.get(key, key)

    def checklist(self, before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
        """Item by item: 消防通道 结果：不合格 → 合格; 消防通道 备注：… → …"""
        before, after = before or {}, after or {}
        lines = []
        for key in [*after, *(key for key in before if key not in after)]:
            old, new = before.get(key) or {}, after.get(key) or {}
            if old.get("result") != new.get("result"):
                lines.append(_("%(item)s result: %(before)s → %(after)s", item=self.item(key),
                               before=self.value("", word("result", old.get("result"))),
                               after=self.value("", word("result", new.get("result")))))
            if (old.get("note") or "") != (new.get("note") or ""):
                lines.append(_("%(item)s note: %(before)s → %(after)s", item=self.item(key),
                               before=self.value("", old.get("note")), after=self.value("", new.get("note"))))
        return lines

    def change(self, name: str, before: Any, after: Any) -> list[str]:
        """What one field's change reads as; the template a checklist was filled from goes unsaid, its items tell."""
        if name == "checklist":
            return self.checklist(before, after)
        if name == "photo_hashes":
            added = len(set(after or []) - set(before or []))
            removed = len(set(before or []) - set(after or []))
            return [text for text, count in ((_("Photos +%(num)d", num=added), added),
                                             (_("Photos −%(num)d", num=removed), removed)) if count]
        if name == "signature_hash":
            return [_("Signature signed again")]
        if name in ("template_version", "template_id"):
            return []
        if name == "location":
            return [_("%(field)s updated", field=field_word(name))]
        return [_("%(field)s: %(before)s → %(after)s", field=field_word(name), before=self.value(name, before),
                  after=self.value(name, after))]

    def of(self, entry: AuditEntry) -> list[str]:
        details = entry.details or {}
        if "changed" in details:
            return [line for name, (before, after) in details["changed"].items()
                    for line in self.change(name, before, after)]
        if entry.action.endswith(".resolve"):
            return [_("%(field)s set to %(value)s", field=field_word(name), value=self.value(name, value))
                    for name, value in (details.get("values") or {}).items() if name != "checklist"]
        return []


def history(record_id: uuid.UUID, item_labels: dict[str, str]) -> dict[str, Any]:
    """The record's history, its sync provenance and open conflicts, for the log pages.

    A conflict resolution writes two audit entries (the record's new version and the
    conflict's closing); the history shows the record's.
    """
    audits = db.session.scalars(select(AuditEntry).where(
        AuditEntry.record_id == record_id, AuditEntry.action != "conflict.resolve").order_by(AuditEntry.id)).all()
    mutations = db.session.execute(
        select(SyncMutation, Device, Person).join(Device, Device.id == SyncMutation.device_id)
        .join(Person, Person.id == SyncMutation.person_id)
        .where(SyncMutation.record_id == record_id)
        .order_by(SyncMutation.received_at)).all()
    conflicts = db.session.scalars(select(SyncConflict).where(
        SyncConflict.record_id == record_id, SyncConflict.status == "open")).all()
    named = {entry.actor_id for entry in audits if entry.actor_id}
    named |= {uuid.UUID(str(value)) for entry in audits for name, pair in (entry.details or {}).get("changed", {})
              .items() if name in PEOPLE_FIELDS for value in pair if value}
    actors = {person.id: person for person in db.session.scalars(select(Person).where(Person.id.in_(named)))}
    reader = Reader(item_labels, actors)
    return {"history": [Entry(audit, reader.of(audit)) for audit in audits], "mutations": mutations,
            "conflicts": conflicts, "actors": actors, "submitted_by": last_submission(audits, actors)}


def last_submission(audits: Sequence[AuditEntry], actors: dict[uuid.UUID, Person]) -> tuple[Person, AuditEntry] | None:
    """Who sent the log in again after it was returned, and when (None if it never was)."""
    for entry in reversed(audits):
        changed = (entry.details or {}).get("changed", {})
        if changed.get("status") == ["returned", "submitted"] and entry.actor_id in actors:
            return actors[entry.actor_id], entry
    return None

