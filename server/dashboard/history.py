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
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from server.dashboard.present import word
from server.dashboard.values import PEOPLE_FIELDS, field_label, field_value
from server.extensions import db
from server.models import AuditEntry, Device, Person, SyncConflict, SyncMutation


@dataclass
class Entry:
    """One line of the history: the audit entry and what it changed, in words."""

    audit: AuditEntry
    changes: list[str] = field(default_factory=list)


class Reader:
    """Turns one record's wire values into the words the log page uses (``values.field_value``,
    with the labels of the log's checklist items)."""

    def __init__(self, record_type: str, item_labels: dict[str, str]) -> None:
        self.record_type = record_type
        self.item_labels = item_labels

    def value(self, name: str, value: Any) -> str:
        if value is None or value == "":
            return _("(empty)")
        return field_value(self.record_type, name, value)

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
                               before=word("result", old.get("result")) or _("(empty)"),
                               after=word("result", new.get("result")) or _("(empty)")))
            if (old.get("note") or "") != (new.get("note") or ""):
                lines.append(_("%(item)s note: %(before)s → %(after)s", item=self.item(key),
                               before=self.value("note", old.get("note")),
                               after=self.value("note", new.get("note"))))
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
            return [_("%(field)s updated", field=field_label(name))]
        return [_("%(field)s: %(before)s → %(after)s", field=field_label(name), before=self.value(name, before),
                  after=self.value(name, after))]

    def of(self, entry: AuditEntry) -> list[str]:
        details = entry.details or {}
        if "changed" in details:
            return [line for name, (before, after) in details["changed"].items()
                    for line in self.change(name, before, after)]
        if entry.action.endswith(".resolve"):
            return [_("%(field)s set to %(value)s", field=field_label(name), value=self.value(name, value))
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
    reader = Reader(audits[0].record_type if audits else "", item_labels)
    return {"history": [Entry(audit, reader.of(audit)) for audit in audits], "mutations": mutations,
            "conflicts": conflicts, "actors": actors, "submitted_by": last_submission(audits, actors)}


def last_submission(audits: Sequence[AuditEntry], actors: dict[uuid.UUID, Person]) -> tuple[Person, AuditEntry] | None:
    """Who sent the log in again after it was returned, and when (None if it never was)."""
    for entry in reversed(audits):
        changed = (entry.details or {}).get("changed", {})
        if changed.get("status") == ["returned", "submitted"] and entry.actor_id in actors:
            return actors[entry.actor_id], entry
    return None

