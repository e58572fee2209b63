"""Request and response schemas of the API that are not sync records.

Instances are built once here and shared by the views.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from server.models import SyncConflict
from sync import vocab
from sync.fields import USERNAME, StrictSchema, moment, one_of
from sync.messages import repeated_schema_version
from sync.plates import CANONICAL as CANONICAL_PLATE
from sync.protocol import PASSWORD_MIN_LENGTH
from sync.records import DEVICE_WRITTEN, RECORD_TYPES, PersonData
from sync.registry import masked

PASSWORD_POLICY = (
    f"The account's password, the same on every device. The server refuses it with 422 `weak_password` "
    f"(on the field `password`) when it is shorter than {PASSWORD_MIN_LENGTH} characters, one of the common "
    "passwords the server ships (12345678, password, 88888888 …) or contains the user name."
)

WEAK_PASSWORD_RESPONSE = (
    "Invalid input; `weak_password` when the password policy refuses the password, with the reason in "
    "`message` and in `fields.password`."
)


def new_password() -> fields.Str:
    """A password being set: only the policy (``server/passwords.py``) judges it."""
    return fields.Str(required=True, load_only=True, metadata={"description": PASSWORD_POLICY})


class LoginRequest(StrictSchema):
    username = fields.Str(required=True, validate=validate.Length(1, 64))
    password = fields.Str(required=True, validate=validate.Length(1, 256))
    device_id = fields.UUID(required=True)
    device_name = fields.Str(required=True, validate=validate.Length(1, 80))
    platform = fields.Str(load_default="", validate=validate.Length(max=40))
    app_version = fields.Str(load_default="", validate=validate.Length(max=40))
    schema_version = repeated_schema_version(validate=validate.Range(min=0))


class EnrolRequest(StrictSchema):
    code = fields.Str(required=True, validate=validate.Length(8, 20),
                      metadata={"description": "The one-time code an admin issued, e.g. K7F3-9QXD"})
    password = new_password()
    device_id = fields.UUID(required=True)
    device_name = fields.Str(required=True, validate=validate.Length(1, 80))
    platform = fields.Str(load_default="", validate=validate.Length(max=40))
    app_version = fields.Str(load_default="", validate=validate.Length(max=40))
    schema_version = repeated_schema_version(validate=validate.Range(min=0))


class UserSchema(Schema):
    id = fields.UUID()
    username = fields.Str()
    display_name = fields.Str()
    role = fields.Str()
    room_id = fields.UUID(allow_none=True)
    station_id = fields.UUID(allow_none=True)
    star_level = fields.Int()


class LoginResponse(Schema):
    token = fields.Str()
    expires_at = fields.AwareDateTime()
    user = fields.Nested(UserSchema)
    device_id = fields.UUID()


class DeviceSchema(Schema):
    id = fields.UUID()
    person_id = fields.UUID()
    name = fields.Str()
    platform = fields.Str()
    app_version = fields.Str()
    schema_version = fields.Int(allow_none=True)
    enrolled_at = fields.AwareDateTime()
    last_seen_at = fields.AwareDateTime()
    revoked_at = fields.AwareDateTime(allow_none=True)
    revoke_reason = fields.Str()


class DeviceQuery(StrictSchema):
    person_id = fields.UUID()
    include_revoked = fields.Bool(load_default=True)


class RevokeRequest(StrictSchema):
    reason = fields.Str(required=True, validate=validate.Length(1, 200))


class PersonCreate(PersonData):
    username = fields.Str(required=True, validate=validate.Regexp(
        USERNAME, error="3–32 lowercase letters, digits, '.', '_' or '-', starting with a letter."))
    password = new_password()
    squad_id = fields.UUID(load_default=None, allow_none=True, metadata={
        "description": "The traffic squad of a traffic officer or squad leader (and of nobody else)."})


class PersonUpdate(StrictSchema):
    display_name = fields.Str(validate=validate.Length(1, 60))
    role = fields.Str(validate=one_of(vocab.ROLES))
    room_id = fields.UUID(allow_none=True)
    station_id = fields.UUID(allow_none=True)
    star_level = fields.Int(validate=validate.Range(0, 5))
    active = fields.Bool()


class PasswordSet(StrictSchema):
    password = new_password()


class PersonQuery(StrictSchema):
    role = fields.Str(validate=one_of(vocab.ROLES))
    room_id = fields.UUID()
    station_id = fields.UUID()
    active = fields.Bool()


class StationSchema(Schema):
    id = fields.UUID()
    name = fields.Str()
    district = fields.Str()
    address = fields.Str()


class RoomQuery(StrictSchema):
    station_id = fields.UUID()


class VenueQuery(StrictSchema):
    q = fields.Str(validate=validate.Length(1, 100), metadata={"description": "Part of the name or address"})
    kind = fields.Str(validate=one_of(vocab.VENUE_KINDS))
    room_id = fields.UUID()
    include_deleted = fields.Bool(load_default=False)


class InspectionQuery(StrictSchema):
    status = fields.Str(validate=one_of(vocab.INSPECTION_STATUSES))
    room_id = fields.UUID()
    officer_id = fields.UUID()
    venue_id = fields.UUID()
    hazard_level = fields.Str(validate=one_of(vocab.HAZARD_LEVELS))
    since = moment(metadata={"description": "Inspected at or after"})
    until = moment(metadata={"description": "Inspected before"})
    include_deleted = fields.Bool(load_default=False)


class FollowupQuery(StrictSchema):
    status = fields.Str(validate=one_of(vocab.FOLLOWUP_STATUSES))
    room_id = fields.UUID()
    officer_id = fields.UUID()
    venue_id = fields.UUID()
    subject_kind = fields.Str(validate=one_of(vocab.FOLLOWUP_SUBJECTS))
    due_before = fields.Date()
    include_deleted = fields.Bool(load_default=False)


class WorkOrderQuery(StrictSchema):
    status = fields.Str(validate=one_of(vocab.WORK_ORDER_STATES))
    kind = fields.Str(validate=one_of(vocab.WORK_ORDER_KINDS))
    room_id = fields.UUID()
    officer_id = fields.UUID()
    assignee_id = fields.UUID()
    plate = fields.Str(validate=validate.Regexp(CANONICAL_PLATE))
    include_deleted = fields.Bool(load_default=False)


class WorkOrderEventQuery(StrictSchema):
    work_order_id = fields.UUID()
    include_deleted = fields.Bool(load_default=False)


class VehicleQuery(StrictSchema):
    plate = fields.Str(validate=validate.Regexp(CANONICAL_PLATE))
    flagged = fields.Bool()
    include_deleted = fields.Bool(load_default=False)


class RentalHouseQuery(StrictSchema):
    room_id = fields.UUID()
    status = fields.Str(validate=one_of(vocab.HOUSE_STATUSES))
    include_deleted = fields.Bool(load_default=False)


class OccupantQuery(StrictSchema):
    house_id = fields.UUID()
    room_id = fields.UUID()
    include_deleted = fields.Bool(load_default=False)


class ResidencePermitQuery(StrictSchema):
    occupant_id = fields.UUID()
    room_id = fields.UUID()
    status = fields.Str(validate=one_of(vocab.PERMIT_STATUSES))
    include_deleted = fields.Bool(load_default=False)


class ScheduleRuleQuery(StrictSchema):
    station_id = fields.UUID()
    include_deleted = fields.Bool(load_default=False)


class AssignmentQuery(StrictSchema):
    room_id = fields.UUID()
    officer_id = fields.UUID()
    venue_id = fields.UUID()
    origin = fields.Str(validate=one_of(vocab.ASSIGNMENT_ORIGINS))
    status = fields.Str(validate=one_of(vocab.ASSIGNMENT_STATUSES))
    include_deleted = fields.Bool(load_default=False)


class NoticeQuery(StrictSchema):
    kind = fields.Str(validate=one_of(vocab.NOTICE_KINDS))
    include_deleted = fields.Bool(load_default=False)


class AuditEntrySchema(Schema):
    id = fields.Int()
    at = fields.AwareDateTime()
    actor_id = fields.UUID(allow_none=True)
    device_id = fields.UUID(allow_none=True)
    action = fields.Str()
    record_type = fields.Str()
    record_id = fields.UUID(allow_none=True)
    record_version = fields.Int(allow_none=True)
    details = fields.Dict()
    entry_hash = fields.Str()


class AuditQuery(StrictSchema):
    action = fields.Str(validate=validate.Length(1, 48))
    actor_id = fields.UUID()
    record_id = fields.UUID()


class AuditVerification(Schema):
    intact = fields.Bool()
    entries = fields.Int()
    head = fields.Str()
    problems = fields.List(fields.Str())


class ConflictSchema(Schema):
    id = fields.UUID()
    record_type = fields.Str()
    record_id = fields.UUID()
    room_id = fields.UUID(allow_none=True)
    mutation_id = fields.UUID()
    device_id = fields.UUID()
    person_id = fields.UUID()
    reason = fields.Str(metadata={"enum": ["field_conflict", "locked", "deleted", "changed_since_base", "exists"]})
    base_version = fields.Int(allow_none=True)
    server_version = fields.Int()
    status = fields.Str()
    version = fields.Int(metadata={"description": "Bumped when the conflict is resolved"})
    created_at = fields.AwareDateTime()
    resolved_at = fields.AwareDateTime(allow_none=True)
    resolved_by = fields.UUID(allow_none=True)
    resolution = fields.Method("masked_resolution", allow_none=True,
                               metadata={"type": "object", "description": "The values chosen (personal data masked)"})
    result_version = fields.Int(allow_none=True)
    field_values = fields.Method("masked_sides", data_key="fields", metadata={
        "type": "object", "description": "Per field: base, server and device values (personal data masked)"})

    @staticmethod
    def masked_sides(conflict: SyncConflict) -> dict[str, Any]:
        return masked(RECORD_TYPES[conflict.record_type].sealed, conflict.sides)

    @staticmethod
    def masked_resolution(conflict: SyncConflict) -> dict[str, Any] | None:
        chosen = conflict.chosen
        return None if chosen is None else masked(RECORD_TYPES[conflict.record_type].sealed, chosen)


class ConflictQuery(StrictSchema):
    status = fields.Str(load_default="open", validate=validate.OneOf(("open", "resolved", "all")))
    record_type = fields.Str(validate=validate.OneOf(DEVICE_WRITTEN))
    room_id = fields.UUID()
    person_id = fields.UUID()
    device_id = fields.UUID()


class ResolveRequest(StrictSchema):
    expected_version = fields.Int(required=True, validate=validate.Range(min=1),
                                  metadata={"description": "The record version the resolution was decided on"})
    values = fields.Dict(keys=fields.Str(), required=True, metadata={
        "description": "Chosen value per conflicting field; omitted fields keep the server value"})


class ReviewRequest(StrictSchema):
    decision = fields.Str(required=True, validate=validate.OneOf(("approve", "return")))
    comment = fields.Str(load_default="", validate=validate.Length(max=1000))
    expected_version = fields.Int(load_default=None, allow_none=True, validate=validate.Range(min=1))


class BlobInfo(Schema):
    sha256 = fields.Str()
    size = fields.Int()
    content_type = fields.Str()
