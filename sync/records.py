"""Wire schemas of Beatlog's syncable records.

A record travels as an envelope (``id``, ``version``, ``updated_at``, ``updated_by``,
``deleted``) around its data fields. ``*Data`` schemas validate what a device may send;
``*Record`` schemas describe what the server sends back. Both sides load and dump with the
same classes, so a value the handheld accepts is one the server accepts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from sync import vocab

SHA256_HEX = r"^[0-9a-f]{64}$"
CHECKLIST_KEY = r"^[a-z][a-z0-9_]{0,39}$"
PHONE = r"^[0-9+\- ()]{0,32}$"
USERNAME = r"^[a-z][a-z0-9_.-]{2,31}$"
MAX_INTEGER = 2**31 - 1
"""The largest whole number a record holds: it fits every database's INTEGER column."""


class StrictSchema(Schema):
    """Unknown fields are an error everywhere: a typo must not be silently dropped."""

    class Meta:
        unknown = RAISE


def one_of(labels: Mapping[str, Any]) -> validate.OneOf:
    return validate.OneOf(tuple(labels))


def text(max_length: int, *, required: bool = False, min_length: int = 0) -> fields.Str:
    if required:
        return fields.Str(required=True, validate=validate.Length(max(min_length, 1), max_length))
    return fields.Str(load_default="", validate=validate.Length(min_length, max_length))


def whole_number(minimum: int, **kwargs: Any) -> fields.Int:
    return fields.Int(validate=validate.Range(minimum, MAX_INTEGER), **kwargs)


def _representable(value: datetime) -> None:
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValidationError("Out of range: this time has no UTC equivalent.") from None


def moment(**kwargs: Any) -> fields.AwareDateTime:
    """A time with its offset, one that exists in UTC (``0001-01-01T00:00:00+14:00`` does not)."""
    return fields.AwareDateTime(validate=_representable, **kwargs)


def blob_hash(**kwargs: Any) -> fields.Str:
    return fields.Str(
        validate=validate.Regexp(SHA256_HEX, error="Not a lowercase SHA-256 hex digest."),
        **kwargs,
    )


def photo_list() -> fields.List:
    return fields.List(blob_hash(), load_default=list, validate=validate.Length(max=12))


class GeoFixSchema(StrictSchema):
    """A position fix as the handheld took it; ``mocked`` flags a fix the OS marks as fake."""

    lat = fields.Float(required=True, validate=validate.Range(-90, 90))
    lon = fields.Float(required=True, validate=validate.Range(-180, 180))
    accuracy_m = fields.Float(load_default=None, allow_none=True, validate=validate.Range(0, 100_000))
    mocked = fields.Bool(load_default=False)
    fixed_at = moment(load_default=None, allow_none=True)


class Document(fields.Nested):
    """A nested JSON document, validated on load and kept in its wire form.

    Such documents are stored as JSON, so loading yields the normalised wire form (an ISO
    string for a time, say) and dumping hands the stored form back unchanged.
    """

    keeps_wire_form = True

    def _deserialize(self, value: Any, attr: str | None, data: Any, partial: Any = None, **kwargs: Any) -> Any:
        loaded = super()._deserialize(value, attr, data, partial=partial, **kwargs)
        return None if loaded is None else self.schema.dump(loaded)

    # marshmallow's Nested renames Field's ``value`` to ``nested_obj``: no signature matches both.
    def _serialize(self, nested_obj: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return nested_obj


class ChecklistItemSchema(StrictSchema):
    key = fields.Str(required=True, validate=validate.Regexp(CHECKLIST_KEY))
    label_zh = text(120, required=True)
    label_en = text(160, required=True)


class ChecklistResultSchema(StrictSchema):
    result = fields.Str(required=True, validate=one_of(vocab.CHECK_RESULTS))
    note = text(500)


class EnvelopeSchema(StrictSchema):
    id = fields.UUID(required=True)
    version = whole_number(1, required=True)
    updated_at = moment(required=True)
    updated_by = fields.UUID(allow_none=True, load_default=None)
    deleted = fields.Bool(load_default=False)


class RoomData(StrictSchema):
    station_id = fields.UUID(required=True)
    name = text(80, required=True)
    brand = text(80)
    community = text(80)
    address = text(200)


class PersonData(StrictSchema):
    username = fields.Str(required=True, validate=validate.Regexp(USERNAME))
    display_name = text(60, required=True)
    role = fields.Str(required=True, validate=one_of(vocab.ROLES))
    room_id = fields.UUID(load_default=None, allow_none=True)
    station_id = fields.UUID(load_default=None, allow_none=True)
    star_level = fields.Int(load_default=0, validate=validate.Range(0, 5))
    active = fields.Bool(load_default=True)


class ChecklistTemplateData(StrictSchema):
    venue_kind = fields.Str(required=True, validate=one_of(vocab.VENUE_KINDS))
    title_zh = text(80, required=True)
    title_en = text(120, required=True)
    items = fields.List(
        fields.Nested(ChecklistItemSchema), required=True, validate=validate.Length(1, 60)
    )

    @validates_schema
    def item_keys_are_unique(self, data: dict, **kwargs: Any) -> None:
        keys = [item["key"] for item in data.get("items", ())]
        if len(keys) != len(set(keys)):
            raise ValidationError("Item keys must be unique.", "items")


class VenueData(StrictSchema):
    room_id = fields.UUID(required=True)
    name = text(120, required=True)
    kind = fields.Str(required=True, validate=one_of(vocab.VENUE_KINDS))
    address = text(200, required=True)
    responsible_person = text(60)
    phone = fields.Str(load_default="", validate=validate.Regexp(PHONE))
    location = Document(GeoFixSchema, load_default=None, allow_none=True)
    risk_level = fields.Str(load_default="low", validate=one_of(vocab.RISK_LEVELS))
    notes = text(2000)


class InspectionData(StrictSchema):
    venue_id = fields.UUID(required=True)
    officer_id = fields.UUID(required=True)
    inspected_at = moment(required=True)
    template_id = fields.UUID(load_default=None, allow_none=True)
    template_version = whole_number(1, load_default=None, allow_none=True)
    checklist = fields.Dict(
        keys=fields.Str(validate=validate.Regexp(CHECKLIST_KEY)),
        values=fields.Nested(ChecklistResultSchema),
        load_default=dict,
        validate=validate.Length(max=60),
    )
    findings = text(4000)
    hazard_level = fields.Str(load_default="none", validate=one_of(vocab.HAZARD_LEVELS))
    rectification_required = fields.Bool(load_default=False)
    rectification_deadline = fields.Date(load_default=None, allow_none=True)
    photo_hashes = photo_list()
    signature_hash = blob_hash(load_default=None, allow_none=True)
    location = Document(GeoFixSchema, load_default=None, allow_none=True)
    status = fields.Str(load_default="draft", validate=one_of(vocab.INSPECTION_STATUSES))
    review_comment = text(1000)
    reviewer_id = fields.UUID(load_default=None, allow_none=True)
    reviewed_at = moment(load_default=None, allow_none=True)

    @validates_schema
    def rectification_has_deadline(self, data: dict, *, partial: Any = False, **kwargs: Any) -> None:
        if not partial:
            check_inspection(data)


class FollowupData(StrictSchema):
    venue_id = fields.UUID(required=True)
    officer_id = fields.UUID(required=True)
    subject_kind = fields.Str(required=True, validate=one_of(vocab.FOLLOWUP_SUBJECTS))
    inspection_id = fields.UUID(load_default=None, allow_none=True)
    case_number = fields.Str(load_default="", validate=validate.Length(max=40))
    due_date = fields.Date(required=True)
    visited_at = moment(load_default=None, allow_none=True)
    outcome = text(2000)
    rectified = fields.Bool(load_default=None, allow_none=True)
    satisfaction = fields.Str(load_default=None, allow_none=True, validate=one_of(vocab.SATISFACTION))
    notes = text(2000)
    photo_hashes = photo_list()
    status = fields.Str(load_default="planned", validate=one_of(vocab.FOLLOWUP_STATUSES))

    @validates_schema
    def subject_is_complete(self, data: dict, *, partial: Any = False, **kwargs: Any) -> None:
        if not partial:
            check_followup(data)


def check_inspection(record: Mapping[str, Any]) -> None:
    """Rules across fields, applied to a whole inspection (after a merge, too)."""
    if record.get("rectification_required") and not record.get("rectification_deadline"):
        raise ValidationError(
            "A rectification deadline is required when rectification is required.",
            "rectification_deadline",
        )


def check_followup(record: Mapping[str, Any]) -> None:
    """Rules across fields, applied to a whole follow-up (after a merge, too)."""
    errors: dict[str, list[str]] = {}
    if record.get("subject_kind") == "rectification" and not record.get("inspection_id"):
        errors["inspection_id"] = ["A rectification re-check names the inspection it follows."]
    if record.get("subject_kind") == "case" and not record.get("case_number"):
        errors["case_number"] = ["A case re-visit names its case number."]
    if record.get("status") == "done" and not record.get("visited_at"):
        errors["visited_at"] = ["A done follow-up records when the visit happened."]
    if errors:
        raise ValidationError(errors)


class RoomRecord(EnvelopeSchema, RoomData):
    pass


class PersonRecord(EnvelopeSchema, PersonData):
    pass


class ChecklistTemplateRecord(EnvelopeSchema, ChecklistTemplateData):
    pass


class VenueRecord(EnvelopeSchema, VenueData):
    pass


class InspectionRecord(EnvelopeSchema, InspectionData):
    pass


class FollowupRecord(EnvelopeSchema, FollowupData):
    pass


@dataclass(frozen=True)
class RecordType:
    """One syncable record type: its wire name, its schemas and the rules of writing it.

    ``immutable_fields`` are fixed at creation (an inspection never moves to another venue).
    Who may write which fields is the ownership matrix's (``sync/ownership.py``).
    """

    name: str
    data_schema: type[StrictSchema]
    record_schema: type[EnvelopeSchema]
    device_writable: bool
    immutable_fields: frozenset[str] = frozenset()


RECORD_TYPES: Mapping[str, RecordType] = {
    record_type.name: record_type
    for record_type in (
        RecordType("room", RoomData, RoomRecord, device_writable=False),
        RecordType("person", PersonData, PersonRecord, device_writable=False),
        RecordType(
            "checklist_template",
            ChecklistTemplateData,
            ChecklistTemplateRecord,
            device_writable=False,
        ),
        RecordType("venue", VenueData, VenueRecord, device_writable=True, immutable_fields=frozenset({"room_id"})),
        RecordType(
            "inspection",
            InspectionData,
            InspectionRecord,
            device_writable=True,
            immutable_fields=frozenset({"venue_id", "officer_id"}),
        ),
        RecordType(
            "followup",
            FollowupData,
            FollowupRecord,
            device_writable=True,
            immutable_fields=frozenset({"venue_id", "officer_id", "subject_kind", "inspection_id"}),
        ),
    )
}
