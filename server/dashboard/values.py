"""A record's fields as an admin reads and types them: labels, values as the officer saw them, inputs.

The conflict and refused-change pages show wire data. Field names come from
``sync.vocab.FIELD_NAMES`` (the handheld's source too), vocabulary values from the labels
the record type declares, times in the station's zone, references by the name of what they
name; a checklist reads item by item with the template's labels. What an admin may type is
offered as a form field of the field's kind, and read back into a wire value here.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from marshmallow import ValidationError
from marshmallow import fields as ma_fields
from sqlalchemy import select

from server.dashboard import bp, locale
from server.dashboard.present import record_kind_word, station_time, station_zone
from server.extensions import db
from server.models import ChecklistTemplate, Inspection, Person, Room, Venue
from server.operations.catalog import template_as_of
from sync import vocab
from sync.records import DEVICE_WRITTEN, RECORD_TYPES
from sync.registry import masked

NAMED_BY = {"room": (Room, "name"), "venue": (Venue, "name"), "person": (Person, "display_name")}
PEOPLE_FIELDS = frozenset({"officer_id", "reviewer_id"})
"""Fields naming a person that the record type does not declare as references (they are not checked)."""


def _said(labels: tuple[str, str]) -> str:
    chinese, english = labels
    return chinese if locale() == "zh" else english


@bp.app_template_global()
def field_label(name: str) -> str:
    """A wire field's name in the reader's language (电话, not ``phone``)."""
    base = name.split(".")[0]
    return _said(vocab.FIELD_NAMES[base]) if base in vocab.FIELD_NAMES else _("Other details")


def _declared(record_type: str, name: str) -> ma_fields.Field | None:
    if record_type not in RECORD_TYPES:
        return None
    return RECORD_TYPES[record_type].data_schema().fields.get(name)


def _personal(record_type: str, name: str) -> bool:
    return record_type in RECORD_TYPES and name in RECORD_TYPES[record_type].sealed


def _loads(declared: ma_fields.Field, value: Any) -> bool:
    """Whether the field declared for a value would load it, as the server's validation does."""
    try:
        declared.deserialize(value)
    except ValidationError:
        return False
    return True


def as_sent(value: Any) -> str:
    """A value as the phone sent it: text as it is, anything else as its JSON (an id or a time as its text)."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def _reference_name(record_type: str, name: str, value: Any) -> str:
    target = RECORD_TYPES[record_type].references.get(name) if record_type in RECORD_TYPES else None
    target = target or ("person" if name in PEOPLE_FIELDS else None)
    try:
        key = uuid.UUID(str(value))
    except ValueError:
        return _("unknown")
    if target == "checklist_template":
        template = db.session.get(ChecklistTemplate, key)
        return (template.title_zh if locale() == "zh" else template.title_en) if template else _("unknown")
    if target == "inspection":
        inspection = db.session.get(Inspection, key)
        return _("%(venue)s, inspected %(day)s", venue=inspection.venue.name,
                 day=station_time(inspection.inspected_at)) if inspection else _("unknown")
    if target in NAMED_BY:
        model, attribute = NAMED_BY[target]
        found = db.session.get(model, key)
        return str(getattr(found, attribute)) if found is not None else _("unknown")
    return _("unknown")


@bp.app_template_global()
def field_value(record_type: str, name: str, value: Any) -> str:
    """A wire value as the officer saw it: 一般隐患 not ``minor``, station time not UTC ISO, names not ids.

    A value its field would not load (a refused change's, say) is shown as the text it was sent as.
    """
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if _personal(record_type, name):
        return masked(RECORD_TYPES[record_type].sealed, {name: value})[name]
    declared = _declared(record_type, name)
    if declared is not None and not _loads(declared, value):
        return as_sent(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if declared is None:
        return as_sent(value)
    labels = declared.metadata.get("labels")
    if labels and value in labels:
        return _said(labels[value])
    if isinstance(declared, ma_fields.AwareDateTime):
        return station_time(declared.deserialize(value))
    if isinstance(declared, ma_fields.UUID):
        return _reference_name(record_type, name, value)
    if name == "photo_hashes":
        return ngettext("%(num)d photo", "%(num)d photos", len(value))
    if name == "signature_hash":
        return _("signed")
    if name == "location":
        return _("%(latitude)s, %(longitude)s (within %(accuracy)s m)", latitude=format(value['lat'], ".5f"),
                 longitude=format(value['lon'], ".5f"), accuracy=round(value.get("accuracy_m") or 0))
    if name == "photo_notes":
        captions = [note["caption"] for note in value.values() if note.get("caption")]
        return "；".join(captions) if captions else ngettext(
            "a note on %(num)d photo", "notes on %(num)d photos", len(value))
    if name == "checklist":
        return ngettext("%(num)d item answered", "%(num)d items answered", len(value))
    return str(value)


@bp.app_template_global()
def item_value(item: Mapping[str, Any] | None) -> str:
    """One checklist answer: its result's word and the officer's note."""
    if not item:
        return "—"
    result = _said(vocab.CHECK_RESULTS[item["result"]]) if item.get("result") in vocab.CHECK_RESULTS else "—"
    return f"{result} · {item['note']}" if item.get("note") else result


def item_labels(template_id: Any, template_version: int | None) -> dict[str, str]:
    """Checklist item key → its label in the reader's language, from the template version the log was filled from."""
    template = template_as_of(db.session(), uuid.UUID(str(template_id)), template_version) if template_id else None
    if template is None:
        return {}
    return {item["key"]: item["label_zh"] if locale() == "zh" else item["label_en"] for item in template.items}


@bp.app_template_global()
def refusal_reason(code: str) -> str:
    """Why the server refused a phone's change, in the reader's language (its code, translated)."""
    return {
        "invalid": _("Some details are not valid."),
        "immutable_field": _("A detail that cannot change after the first save was changed."),
        "not_found": _("The record does not exist on the server."),
        "out_of_scope": _("The record is outside the officer's beat."),
        "not_yours": _("Only the officer who recorded it may change it."),
        "reviewer_only": _("Only a station chief may approve or return a log."),
        "review_endpoint": _("Reviews are made on the dashboard, not from a phone."),
        "not_reviewable": _("The log cannot be reviewed in its present state."),
        "read_only_type": _("Phones may not change this kind of record."),
        "forbidden": _("The officer may not make this change."),
        "missing_blob": _("A photo or signature had not reached the server."),
        "purged": _("The record was deleted long ago and cannot be created again."),
    }.get(code, _("The server did not accept this change."))


@bp.app_template_global()
def refused_status(status: str) -> str:
    return {"open": _("Waiting for a decision"), "applied": _("Corrected and applied"),
            "dismissed": _("Dismissed")}.get(status, _("Decided"))


@dataclass(frozen=True)
class Input:
    """The form field an admin types a value of this field in."""

    kind: str
    """``select``, ``text``, ``textarea``, ``date``, ``datetime-local`` or ``number``."""
    options: tuple[tuple[str, str], ...] = ()


TEXTAREAS = frozenset({"notes", "findings", "outcome", "review_comment"})


@bp.app_template_global()
def field_input(record_type: str, name: str) -> Input | None:
    """The input for typing this field's value, or None when it is chosen, not typed (ids, photos, lists).

    Residents' personal data is never typed or shown in a form: an admin keeps one side or the other.
    """
    declared = _declared(record_type, name)
    if _personal(record_type, name):
        return None
    if declared is not None and name == "room_id":
        rooms = db.session.scalars(select(Room).where(Room.deleted.is_(False)).order_by(Room.name))
        return Input("select", tuple((str(room.id), room.name) for room in rooms))
    if declared is None or name.endswith(("_id", "_hash", "_hashes")):
        return None
    labels = declared.metadata.get("labels")
    if labels:
        return Input("select", tuple((value, _said(pair)) for value, pair in labels.items()))
    if isinstance(declared, ma_fields.Boolean):
        return Input("select", (("true", _("yes")), ("false", _("no"))))
    if isinstance(declared, ma_fields.AwareDateTime):
        return Input("datetime-local")
    if isinstance(declared, ma_fields.Date):
        return Input("date")
    if isinstance(declared, ma_fields.Integer):
        return Input("number")
    if isinstance(declared, ma_fields.String):
        return Input("textarea" if name in TEXTAREAS else "text")
    return None


@bp.app_template_global()
def input_value(record_type: str, name: str, value: Any) -> str:
    """A wire value as its input holds it (a device time in station time, for ``datetime-local``).

    A value its field would not load is offered as sent in a text input, to be corrected, and
    leaves any other input empty.
    """
    entry = field_input(record_type, name)
    declared = _declared(record_type, name)
    if value is None or entry is None or declared is None:
        return ""
    if not _loads(declared, value):
        return as_sent(value) if entry.kind in ("text", "textarea") else ""
    if isinstance(declared, ma_fields.Boolean):
        return "true" if declared.deserialize(value) else "false"
    if entry.kind == "datetime-local":
        return declared.deserialize(value).astimezone(station_zone()).strftime("%Y-%m-%dT%H:%M:%S")
    return str(value)


def retyped(record_type: str, name: str, typed: str, value: Any) -> bool:
    """Whether the admin typed another value than the input showed for ``value``.

    Values are compared, not text: a browser sends back a whole-minute ``datetime-local`` shown as
    ``…T09:30:00`` as ``…T09:30``, and that is the same time.
    """
    shown = input_value(record_type, name, value)
    if typed == shown:
        return False
    try:
        return typed_value(record_type, name, typed) != typed_value(record_type, name, shown)
    except ValueError:
        return True


def typed_value(record_type: str, name: str, typed: str) -> Any:
    """What an admin typed in the field's input, as a wire value; ``ValueError`` when it cannot be one."""
    entry = field_input(record_type, name)
    if entry is None:
        raise ValueError(f"{name} is not typed")
    typed = typed.strip()
    if entry.kind in ("text", "textarea"):
        return typed
    if typed == "":
        return None
    if entry.options and typed not in dict(entry.options):
        raise ValueError(f"{typed!r} is not offered")
    if entry.options and entry.options[0][0] == "true":
        return typed == "true"
    if entry.kind == "datetime-local":
        return datetime.fromisoformat(typed).replace(tzinfo=station_zone()).isoformat()
    if entry.kind == "date":
        return date.fromisoformat(typed).isoformat()
    if entry.kind == "number":
        return int(typed)
    return typed


@bp.app_template_global()
def bulk_fields() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """For the bulk rule's list: each record type officers write, with the labels of its changeable fields."""
    return [(name, record_kind_word(name), [(field, field_label(field))
                                             for field in RECORD_TYPES[name].data_schema().fields
                                             if field not in RECORD_TYPES[name].immutable_fields])
            for name in DEVICE_WRITTEN]


@dataclass(frozen=True)
class ItemSides:
    """One checklist item of a conflict: its three answers, and whether server and phone differ."""

    key: str
    label: str
    base: Any
    server: Any
    device: Any

    @property
    def differs(self) -> bool:
        return self.server != self.device


def checklist_sides(sides: Mapping[str, Any], server: Mapping[str, Any] | None,
                    labels: Mapping[str, str]) -> list[ItemSides]:
    """A checklist conflict item by item, in the template's order, items it does not know after."""
    base, device, server = sides.get("base") or {}, sides.get("device") or {}, server or {}
    keys = [key for key in labels if key in base or key in server or key in device]
    keys += sorted((set(base) | set(server) | set(device)) - set(keys))
    return [ItemSides(key, labels.get(key, _("Item %(number)d", number=number)), base.get(key), server.get(key),
                      device.get(key)) for number, key in enumerate(keys, 1)]

