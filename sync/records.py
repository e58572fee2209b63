"""Beatlog's syncable record types: their wire schemas and, for each, its one declaration.

A record travels as an envelope (``id``, ``version``, ``updated_at``, ``updated_by``,
``deleted``) around its data fields. ``*Data`` schemas validate what a device may send;
``*Record`` schemas describe what the server sends back. Both sides load and dump with the
same classes, so a value the handheld accepts is one the server accepts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from sync import vocab
from sync.fields import (
    CHECKLIST_KEY,
    PHONE,
    USERNAME,
    Document,
    GeoFixSchema,
    StrictSchema,
    blob_hash,
    choice,
    moment,
    photo_list,
    text,
    whole_number,
)
from sync.planning import (
    ASSIGNMENT_COMPLETION,
    ASSIGNMENT_DERIVED,
    AssignmentData,
    NoticeData,
    ScheduleRuleData,
    check_assignment,
)
from sync.plates import CANONICAL as CANONICAL_PLATE
from sync.registry import (
    LANDLORD_PERSONAL,
    OCCUPANT_DERIVED,
    OCCUPANT_PERSONAL,
    OccupantData,
    RentalHouseData,
    ResidencePermitData,
    check_occupant,
    check_rental_house,
    check_residence_permit,
)
from sync.rules import (
    ACTIONS,
    ANY,
    CANCEL_INSTEAD,
    CHIEF_ASSIGNS,
    CLOSE_INSTEAD,
    CONSOLE,
    CONSOLE_ONLY,
    FINAL,
    MOVE_OUT_INSTEAD,
    NO_STATUS,
    NOT_REVIEWABLE,
    NOT_YOURS,
    OWN,
    READ_ONLY_TYPE,
    RECORD,
    REPORT_TAKEN,
    REPORTER_ONLY,
    REVIEW,
    REVIEWER_ONLY,
    ROOM_OFFICERS_ONLY,
    SERVER_WRITTEN,
    WITHDRAW_INSTEAD,
    WRITE,
    FieldGroups,
    Rule,
)


class ChecklistItemSchema(StrictSchema):
    key = fields.Str(required=True, validate=validate.Regexp(CHECKLIST_KEY))
    label_zh = text(120, required=True)
    label_en = text(160, required=True)


class ChecklistResultSchema(StrictSchema):
    result = choice(vocab.CHECK_RESULTS, required=True)
    note = text(500)


class PhotoNoteSchema(StrictSchema):
    """What the officer added to one photo: when it was taken, a caption, and a mark drawn on it.

    The mark is vector data beside the photo (strokes of points, each coordinate a fraction of
    the photo's width or height from its top left), so the photo's blob, the evidence, is never
    re-encoded.
    """

    taken_at = moment(load_default=None, allow_none=True)
    caption = text(200)
    mark = fields.List(
        fields.List(fields.List(fields.Float(validate=validate.Range(0, 1)), validate=validate.Length(2, 2)),
                    validate=validate.Length(1, 500)),
        load_default=list, validate=validate.Length(max=20))


def photo_notes() -> fields.Dict:
    """Per photo (by its hash), its note; a photo without one has no entry."""
    return fields.Dict(keys=blob_hash(), values=Document(PhotoNoteSchema), load_default=dict,
                       validate=validate.Length(max=12))


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
    role = choice(vocab.ROLES, required=True)
    room_id = fields.UUID(load_default=None, allow_none=True)
    station_id = fields.UUID(load_default=None, allow_none=True)
    star_level = fields.Int(load_default=0, validate=validate.Range(0, 5))
    active = fields.Bool(load_default=True)


class ChecklistTemplateData(StrictSchema):
    venue_kind = choice(vocab.VENUE_KINDS, required=True)
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
    kind = choice(vocab.VENUE_KINDS, required=True)
    address = text(200, required=True)
    responsible_person = text(60)
    phone = fields.Str(load_default="", validate=validate.Regexp(PHONE))
    location = Document(GeoFixSchema, load_default=None, allow_none=True)
    risk_level = choice(vocab.RISK_LEVELS, load_default="low")
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
    hazard_level = choice(vocab.HAZARD_LEVELS, load_default="none")
    rectification_required = fields.Bool(load_default=False)
    rectification_deadline = fields.Date(load_default=None, allow_none=True)
    photo_hashes = photo_list()
    photo_notes = photo_notes()
    signature_hash = blob_hash(load_default=None, allow_none=True)
    signer_name = text(60)
    location = Document(GeoFixSchema, load_default=None, allow_none=True)
    status = choice(vocab.INSPECTION_STATUSES, load_default="draft")
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
    subject_kind = choice(vocab.FOLLOWUP_SUBJECTS, required=True)
    inspection_id = fields.UUID(load_default=None, allow_none=True)
    case_number = fields.Str(load_default="", validate=validate.Length(max=40))
    due_date = fields.Date(required=True)
    visited_at = moment(load_default=None, allow_none=True)
    outcome = text(2000)
    rectified = fields.Bool(load_default=None, allow_none=True)
    satisfaction = choice(vocab.SATISFACTION, load_default=None, allow_none=True)
    notes = text(2000)
    photo_hashes = photo_list()
    photo_notes = photo_notes()
    status = choice(vocab.FOLLOWUP_STATUSES, load_default="planned")

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


class WorkOrderData(StrictSchema):
    """A community officer's report for traffic police (派单), and what the server derives of it.

    The report's fields are the reporter's. The rest (``WORK_ORDER_DISPATCH``) the server
    writes: where it routed the order and when each step is due, and the fold of the order's
    events (``sync.work_orders``). A device sends them at their defaults or not at all.
    """

    room_id = fields.UUID(required=True)
    officer_id = fields.UUID(required=True)
    kind = choice(vocab.WORK_ORDER_KINDS, required=True)
    plate = fields.Str(load_default="", validate=validate.Regexp(f"^\\Z|{CANONICAL_PLATE}",
                                                                 error="Not a plate number in canonical form."))
    vehicle_colour = text(20)
    vehicle_make = text(40)
    address = text(200, required=True)
    location = Document(GeoFixSchema, load_default=None, allow_none=True)
    venue_id = fields.UUID(load_default=None, allow_none=True)
    photo_hashes = photo_list()
    note = text(1000)
    urgency = choice(vocab.URGENCIES, load_default="normal")
    reported_at = moment(required=True)
    squad_id = fields.UUID(load_default=None, allow_none=True)
    dispatched_at = moment(load_default=None, allow_none=True)
    accept_due = moment(load_default=None, allow_none=True)
    resolve_due = moment(load_default=None, allow_none=True)
    repeat_plate = fields.Bool(load_default=False)
    status = choice(vocab.WORK_ORDER_STATES, load_default="reported")
    assignee_id = fields.UUID(load_default=None, allow_none=True)
    assignee_name = text(60)
    accepted_at = moment(load_default=None, allow_none=True)
    resolved_at = moment(load_default=None, allow_none=True)
    outcome = choice(vocab.WORK_ORDER_OUTCOMES, load_default=None, allow_none=True)
    ticket_number = text(40)
    closed_at = moment(load_default=None, allow_none=True)
    reopen_count = whole_number(0, load_default=0)

    @validates_schema
    def vehicle_has_plate(self, data: dict, *, partial: Any = False, **kwargs: Any) -> None:
        if not partial:
            check_work_order(data)


class WorkOrderEventData(StrictSchema):
    """One step of a work order's life, by whoever acts; final once made (``sync.work_orders``).

    ``position``, ``received_at`` and ``actor_name`` are the server's: the event's place in its
    order's history, when the server took it (what the order's times and the figures count, rather
    than the device's ``at``, which a wrong or tampered clock could move), and its author's name,
    which a phone that never receives the author's person record shows ("已由 王建军 接单").
    """

    work_order_id = fields.UUID(required=True)
    kind = choice(vocab.WORK_ORDER_EVENTS, required=True)
    actor_id = fields.UUID(required=True)
    actor_role = choice(vocab.ROLES, required=True)
    at = moment(required=True)
    assignee_id = fields.UUID(load_default=None, allow_none=True)
    contact_result = choice(vocab.CONTACT_RESULTS, load_default=None, allow_none=True)
    outcome = choice(vocab.WORK_ORDER_OUTCOMES, load_default=None, allow_none=True)
    ticket_number = text(40)
    reason = text(500)
    note = text(1000)
    photo_hashes = photo_list()
    position = whole_number(1, load_default=None, allow_none=True)
    received_at = moment(load_default=None, allow_none=True)
    actor_name = text(60)

    @validates_schema
    def step_is_complete(self, data: dict, *, partial: Any = False, **kwargs: Any) -> None:
        if not partial:
            check_work_order_event(data)


VEHICLE_KINDS = frozenset({"illegal_parking", "abandoned_vehicle"})
"""Kinds of work order about a vehicle, which name its plate."""

EVENT_FIELDS: Mapping[str, tuple[str, ...]] = {
    "assignee_id": ("assigned",), "contact_result": ("contacting",), "outcome": ("resolved",),
    "ticket_number": ("resolved",),
}
"""Fields only some kinds of event carry."""


def check_work_order(record: Mapping[str, Any]) -> None:
    if record.get("kind") in VEHICLE_KINDS and not record.get("plate"):
        raise ValidationError("An order about a vehicle names its plate.", "plate")


def check_work_order_event(record: Mapping[str, Any]) -> None:
    kind = record.get("kind")
    errors: dict[str, list[str]] = {}
    for name, kinds in EVENT_FIELDS.items():
        if record.get(name) and kind not in kinds:
            errors[name] = [f"Only {' or '.join(kinds)} events carry this."]
    required = {"assigned": "assignee_id", "contacting": "contact_result", "resolved": "outcome",
                "reopened": "reason"}.get(kind or "")
    if required and not record.get(required):
        errors[required] = [f"A {kind} event needs this."]
    if kind == "resolved" and record.get("outcome") == "ticketed" and not record.get("ticket_number"):
        errors["ticket_number"] = ["A ticketed resolution gives the ticket number."]
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


class VehicleData(StrictSchema):
    """一车一档: a plate's file, which the server folds from the work orders naming it (``sync.vehicles``).

    ``recent_reports`` are the report times (UTC, ISO 8601) within the repeat window before the
    latest: a phone counts them to say, while a plate is typed, that a report now is a repeat.
    """

    plate = fields.Str(required=True, validate=validate.Regexp(CANONICAL_PLATE, error="Not a plate number in "
                                                                                        "canonical form."))
    colour = text(20)
    make = text(40)
    report_count = whole_number(1, required=True)
    first_reported_at = moment(required=True)
    last_reported_at = moment(required=True)
    recent_reports = fields.List(fields.Str(validate=validate.Length(max=40)), load_default=list)
    flagged = fields.Bool(load_default=False)


class VehicleRecord(EnvelopeSchema, VehicleData):
    pass


class WorkOrderRecord(EnvelopeSchema, WorkOrderData):
    pass


class WorkOrderEventRecord(EnvelopeSchema, WorkOrderEventData):
    pass


class RentalHouseRecord(EnvelopeSchema, RentalHouseData):
    pass


class OccupantRecord(EnvelopeSchema, OccupantData):
    pass


class ResidencePermitRecord(EnvelopeSchema, ResidencePermitData):
    pass


class ScheduleRuleRecord(EnvelopeSchema, ScheduleRuleData):
    pass


class AssignmentRecord(EnvelopeSchema, AssignmentData):
    pass


class NoticeRecord(EnvelopeSchema, NoticeData):
    pass


REVIEW_FIELDS = frozenset({"review_comment", "reviewer_id", "reviewed_at"})
"""An inspection's fields that only its review writes (with ``status`` set to a review status)."""
REVIEW_STATUSES = frozenset({"approved", "returned"})
FOLLOWUP_PLAN = frozenset({"venue_id", "officer_id", "subject_kind", "inspection_id", "case_number", "due_date"})
"""A follow-up's plan: a chief may plan a re-visit for an officer; the visit is the officer's."""
WORK_ORDER_DISPATCH = frozenset({
    "squad_id", "dispatched_at", "accept_due", "resolve_due", "repeat_plate", "status", "assignee_id", "assignee_name",
    "accepted_at", "resolved_at", "outcome", "ticket_number", "closed_at", "reopen_count"})
"""A work order's fields the server writes: its routing, deadlines and the fold of its events."""
OFFICERS = frozenset({"officer"})
"""The rental registry's devices: the room's officers keep it; chiefs read it on the dashboard, masked."""
REPORT_OPEN = ("reported", "dispatched")
"""The states in which the reporter may still change the report: until traffic police accept it."""


@dataclass(frozen=True)
class Parent:
    """A record this one belongs to: it shares that record's room (an inspection its venue's)."""

    field: str
    type: str


@dataclass(frozen=True)
class RecordType:
    """Everything Beatlog knows of one syncable record type, declared once.

    Push, pull, the REST API, the dashboard, the handheld's store and the demo loader read
    this declaration; adding a record type is declaring it here (see ``docs/architecture.md``).

    - ``table``: the server's table for it (its model is found by this name);
    - ``room_field`` / ``parent``: how its room is found, which decides who sees it: a field
      naming the room, or the record it belongs to; neither, and everyone signed in sees it;
    - ``references``: fields naming another record that must exist (field → record type);
    - ``same_parent``: of those, fields naming a record that must belong to the same parent
      (a rectification re-check follows an inspection of its own venue);
    - ``immutable_fields``: fixed at creation (an inspection never moves to another venue);
    - ``groups`` and ``rules``: who may write which fields (the ownership matrix's rows);
    - ``blob_fields``: fields holding blob hashes (a list of them, or one);
    - ``check``: rules across fields, applied to the whole record after every change;
    - ``locked_when``: (field, value) in which the record changes only through a conflict an
      admin resolves (sync invariant 4: an approved log);
    - ``work_time``: the field dating the work, for work done before its officer moved;
    - ``owner_field``: the field naming whose work the record is (the matrix's ``own``);
    - ``squad_field``: the traffic squad the record is routed to, which its traffic police see;
    - ``seen_with``: (record type, field) for a type seen by whoever sees a record of that type
      holding the same value in that field (a vehicle file by those who see an order on its plate);
    - ``sealed``: fields of residents' personal data, encrypted at rest on the server
      (``server.privacy``), masked wherever shown, removed after the retention period;
    - ``indexed``: the sealed field an exact search finds records by, through a blind index;
    - ``devices_of``: the roles whose devices receive the type (None: all whose scope covers it); a
      chief reads the rental registry on the dashboard, masked, never on a device;
    - ``addressee_field``: the field naming the one person who sees a record of this type (a
      notice), whatever their role; it is never placed, so it never leaves anyone's scope;
    - ``station_field``: the field naming the station whose rooms' people see it (a schedule rule), for a
      type placed by station rather than by room; its station never changes;
    - ``unassigned_is_own``: a record naming no owner is every (in-scope) caller's own: the room's
      scheduled inspection, which any of its officers does.
    """

    name: str
    data_schema: type[StrictSchema]
    record_schema: type[EnvelopeSchema]
    table: str
    device_writable: bool
    groups: FieldGroups
    rules: tuple[Rule, ...]
    room_field: str | None = None
    parent: Parent | None = None
    references: Mapping[str, str] = field(default_factory=dict)
    same_parent: frozenset[str] = frozenset()
    immutable_fields: frozenset[str] = frozenset()
    blob_fields: tuple[str, ...] = ()
    check: Callable[[Mapping[str, Any]], None] | None = None
    locked_when: tuple[str, str] | None = None
    work_time: str | None = None
    owner_field: str = "officer_id"
    squad_field: str | None = None
    seen_with: tuple[str, str] | None = None
    sealed: frozenset[str] = frozenset()
    indexed: str | None = None
    devices_of: frozenset[str] | None = None
    addressee_field: str | None = None
    station_field: str | None = None
    unassigned_is_own: bool = False

    def reaches(self, role: str) -> bool:
        """Whether devices of ``role`` receive records of this type (within their scope) when they pull."""
        return self.devices_of is None or role in self.devices_of

    def blob_hashes(self, data: Mapping[str, Any]) -> list[str]:
        """The blobs (photos, signature) that a record's wire data, or part of it, references."""
        hashes: list[str] = []
        for name in self.blob_fields:
            value = data.get(name)
            if isinstance(value, list):
                hashes.extend(value)
            elif value:
                hashes.append(value)
        return hashes

    def locked(self, data: Mapping[str, Any]) -> bool:
        return self.locked_when is not None and data.get(self.locked_when[0]) == self.locked_when[1]

    @cached_property
    def labels(self) -> Mapping[str, vocab.Labels]:
        """Each field of a closed vocabulary → its labels."""
        return {name: declared.metadata["labels"] for name, declared in self.data_schema().fields.items()
                if "labels" in declared.metadata}

    @property
    def statuses(self) -> tuple[str, ...]:
        return tuple(self.labels.get("status", ())) or (NO_STATUS,)


RECORD_TYPES: Mapping[str, RecordType] = {
    record_type.name: record_type
    for record_type in (
        RecordType("room", RoomData, RoomRecord, table="room", device_writable=False, room_field="id",
                   references={"station_id": "station"}, groups=FieldGroups(RECORD), rules=CONSOLE_ONLY),
        RecordType("person", PersonData, PersonRecord, table="person", device_writable=False,
                   room_field="room_id", references={"room_id": "room", "station_id": "station"},
                   groups=FieldGroups(RECORD), rules=CONSOLE_ONLY),
        RecordType("checklist_template", ChecklistTemplateData, ChecklistTemplateRecord, table="checklist_template",
                   device_writable=False, groups=FieldGroups(RECORD), rules=CONSOLE_ONLY),
        RecordType(
            "venue", VenueData, VenueRecord, table="venue", device_writable=True, room_field="room_id",
            references={"room_id": "room"}, immutable_fields=frozenset({"room_id"}),
            groups=FieldGroups("details"),
            rules=(Rule("details", WRITE, ANY, ANY, ANY), Rule(RECORD, ("delete",), ANY, ANY, ANY)),
        ),
        RecordType(
            "inspection", InspectionData, InspectionRecord, table="inspection", device_writable=True,
            parent=Parent("venue_id", "venue"),
            references={"venue_id": "venue", "officer_id": "person", "template_id": "checklist_template"},
            immutable_fields=frozenset({"venue_id", "officer_id"}),
            groups=FieldGroups("work", {"review": REVIEW_FIELDS}, {"review": REVIEW_STATUSES}),
            rules=(
                Rule("work", WRITE, OWN, NOT_YOURS, ANY),
                Rule("review", ("create",), REVIEWER_ONLY, REVIEW, REVIEW),
                Rule("review", ("change",), REVIEWER_ONLY, REVIEW, REVIEW, statuses=("submitted",)),
                Rule("review", ("change",), REVIEWER_ONLY, NOT_REVIEWABLE, NOT_REVIEWABLE,
                     statuses=tuple(s for s in vocab.INSPECTION_STATUSES if s != "submitted")),
                Rule(RECORD, ("delete",), OWN, NOT_YOURS, ANY),
            ),
            blob_fields=("photo_hashes", "signature_hash"), check=check_inspection,
            locked_when=("status", "approved"), work_time="inspected_at",
        ),
        RecordType(
            "followup", FollowupData, FollowupRecord, table="followup", device_writable=True,
            parent=Parent("venue_id", "venue"),
            references={"venue_id": "venue", "officer_id": "person", "inspection_id": "inspection"},
            same_parent=frozenset({"inspection_id"}),
            immutable_fields=frozenset({"venue_id", "officer_id", "subject_kind", "inspection_id"}),
            groups=FieldGroups("visit", {"plan": FOLLOWUP_PLAN}),
            rules=(
                Rule("plan", WRITE, OWN, ANY, ANY),
                Rule("visit", WRITE, OWN, NOT_YOURS, ANY),
                Rule(RECORD, ("delete",), OWN, ANY, ANY),
            ),
            blob_fields=("photo_hashes",), check=check_followup, work_time="visited_at",
        ),
        RecordType(
            "work_order", WorkOrderData, WorkOrderRecord, table="work_order", device_writable=True,
            room_field="room_id", references={"room_id": "room", "officer_id": "person", "venue_id": "venue"},
            immutable_fields=frozenset({"room_id", "officer_id", "kind", "reported_at", "venue_id"}),
            groups=FieldGroups("report", {"dispatch": WORK_ORDER_DISPATCH}),
            rules=(
                Rule("report", ("create",), OWN, NOT_YOURS, ANY),
                Rule("report", ("change",), OWN, NOT_YOURS, ANY, statuses=REPORT_OPEN, traffic=REPORTER_ONLY,
                     squad_lead=REPORTER_ONLY),
                Rule("report", ("change",), REPORT_TAKEN, NOT_YOURS, ANY,
                     statuses=tuple(s for s in vocab.WORK_ORDER_STATES if s not in REPORT_OPEN),
                     traffic=REPORTER_ONLY, squad_lead=REPORTER_ONLY),
                Rule.everyone("dispatch", WRITE, SERVER_WRITTEN),
                Rule.everyone(RECORD, ("delete",), WITHDRAW_INSTEAD),
            ),
            blob_fields=("photo_hashes",), check=check_work_order, work_time="reported_at", squad_field="squad_id",
        ),
        RecordType(
            "work_order_event", WorkOrderEventData, WorkOrderEventRecord, table="work_order_event",
            device_writable=True, parent=Parent("work_order_id", "work_order"),
            references={"work_order_id": "work_order", "actor_id": "person", "assignee_id": "person"},
            groups=FieldGroups("event", {"placed": frozenset({"position", "received_at", "actor_name"})}),
            rules=(
                Rule.everyone("event", ("create",), OWN),
                Rule.everyone("event", ("change",), FINAL),
                Rule.everyone("placed", WRITE, SERVER_WRITTEN),
                Rule.everyone(RECORD, ("delete",), FINAL),
            ),
            blob_fields=("photo_hashes",), check=check_work_order_event, owner_field="actor_id",
            squad_field="squad_id",
        ),
        RecordType("vehicle", VehicleData, VehicleRecord, table="vehicle", device_writable=False,
                   groups=FieldGroups(RECORD), rules=(Rule.everyone(RECORD, ACTIONS, READ_ONLY_TYPE),),
                   seen_with=("work_order", "plate")),
        RecordType(
            "rental_house", RentalHouseData, RentalHouseRecord, table="rental_house", device_writable=True,
            room_field="room_id", references={"room_id": "room", "officer_id": "person", "venue_id": "venue"},
            immutable_fields=frozenset({"room_id", "officer_id"}), groups=FieldGroups("house"),
            rules=(Rule("house", WRITE, ANY, ROOM_OFFICERS_ONLY, CONSOLE),
                   Rule(RECORD, ("delete",), CLOSE_INSTEAD, ROOM_OFFICERS_ONLY, CLOSE_INSTEAD)),
            check=check_rental_house, sealed=LANDLORD_PERSONAL, indexed="landlord_id_number", devices_of=OFFICERS,
        ),
        RecordType(
            "occupant", OccupantData, OccupantRecord, table="occupant", device_writable=True,
            parent=Parent("house_id", "rental_house"),
            references={"house_id": "rental_house", "officer_id": "person"},
            immutable_fields=frozenset({"house_id", "officer_id"}),
            groups=FieldGroups("registration", {"derived": OCCUPANT_DERIVED}),
            rules=(Rule("registration", WRITE, ANY, ROOM_OFFICERS_ONLY, CONSOLE),
                   Rule("derived", WRITE, SERVER_WRITTEN, SERVER_WRITTEN, SERVER_WRITTEN),
                   Rule(RECORD, ("delete",), MOVE_OUT_INSTEAD, ROOM_OFFICERS_ONLY, MOVE_OUT_INSTEAD)),
            check=check_occupant, work_time="registered_at", sealed=OCCUPANT_PERSONAL, indexed="document_number",
            devices_of=OFFICERS,
        ),
        RecordType(
            "residence_permit", ResidencePermitData, ResidencePermitRecord, table="residence_permit",
            device_writable=True, parent=Parent("occupant_id", "occupant"),
            references={"occupant_id": "occupant", "officer_id": "person"},
            immutable_fields=frozenset({"occupant_id", "officer_id"}), groups=FieldGroups("application"),
            rules=(Rule("application", WRITE, ANY, ROOM_OFFICERS_ONLY, CONSOLE),
                   Rule(RECORD, ("delete",), OWN, ROOM_OFFICERS_ONLY, CONSOLE)),
            check=check_residence_permit, work_time="applied_at", devices_of=OFFICERS,
        ),
        RecordType("schedule_rule", ScheduleRuleData, ScheduleRuleRecord, table="schedule_rule",
                   device_writable=False, references={"station_id": "station"}, groups=FieldGroups(RECORD),
                   rules=(Rule(RECORD, ACTIONS, READ_ONLY_TYPE, CONSOLE, CONSOLE, traffic=READ_ONLY_TYPE,
                               squad_lead=READ_ONLY_TYPE),),
                   immutable_fields=frozenset({"station_id"}), devices_of=OFFICERS, station_field="station_id"),
        RecordType(
            "assignment", AssignmentData, AssignmentRecord, table="assignment", device_writable=True,
            room_field="room_id",
            references={"room_id": "room", "officer_id": "person", "venue_id": "venue", "assigned_by": "person",
                        "inspection_id": "inspection", "followup_id": "followup", "handed_back_from": "person"},
            immutable_fields=frozenset({"room_id", "origin", "kind"}),
            groups=FieldGroups("plan", {"completion": ASSIGNMENT_COMPLETION, "comment": frozenset({
                "comment", "commented_at"}), "derived": ASSIGNMENT_DERIVED},
                {"completion": frozenset({"done"}), "derived": frozenset({"missed", "handed_back"})}),
            rules=(Rule("plan", WRITE, CHIEF_ASSIGNS, CONSOLE, CONSOLE),
                   Rule("completion", ("create",), CHIEF_ASSIGNS, CONSOLE, CONSOLE),
                   Rule("completion", ("change",), OWN, CONSOLE, CONSOLE),
                   Rule("comment", ("create",), CHIEF_ASSIGNS, CONSOLE, CONSOLE),
                   Rule("comment", ("change",), OWN, CONSOLE, CONSOLE),
                   Rule("derived", WRITE, SERVER_WRITTEN, SERVER_WRITTEN, SERVER_WRITTEN),
                   Rule(RECORD, ("delete",), CANCEL_INSTEAD, CANCEL_INSTEAD, CANCEL_INSTEAD)),
            check=check_assignment, devices_of=OFFICERS, unassigned_is_own=True,
        ),
        RecordType("notice", NoticeData, NoticeRecord, table="notice", device_writable=False,
                   references={"person_id": "person"}, groups=FieldGroups(RECORD),
                   rules=(Rule.everyone(RECORD, ACTIONS, READ_ONLY_TYPE),), addressee_field="person_id"),
    )
}
"""Every syncable record type, parents before the records that belong to them (the order of
writes and of a pull's phases)."""

DEVICE_WRITTEN: tuple[str, ...] = tuple(name for name, declared in RECORD_TYPES.items() if declared.device_writable)
"""The types devices write, and so the types a sync conflict or a quarantined change can be about."""
