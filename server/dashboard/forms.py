"""What the dashboard's forms and filters accept: validated here, nowhere else."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from server.refusals import invalid
from sync import vocab
from sync.records import DEVICE_WRITTEN

SORTS = ("newest", "oldest", "venue", "officer", "hazard", "status")
KINDS = ("inspection", "followup")


def submitted(form: Schema, data: Mapping[str, Any]) -> dict[str, Any]:
    """The form's values, or a refusal naming the wrong fields, shown as an operation's refusal is."""
    try:
        return form.load(data)
    except ValidationError as error:
        raise invalid(error.normalized_messages()) from None


class FormSchema(Schema):
    """Browsers send every field as text, empty ones included: empty means not given."""

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def drop_empty(self, data: Any, **_kwargs: Any) -> dict[str, Any]:
        return {key: value for key, value in dict(data).items() if value not in ("", None)}


class LoginForm(FormSchema):
    username = fields.Str(required=True, validate=validate.Length(1, 32))
    password = fields.Str(required=True, validate=validate.Length(1, 200))
    next = fields.Str(load_default="")


class InboxFilters(FormSchema):
    kind = fields.Str(load_default="inspection", validate=validate.OneOf(KINDS))
    room = fields.UUID(load_default=None)
    officer = fields.UUID(load_default=None)
    venue_kind = fields.Str(load_default=None, validate=validate.OneOf(tuple(vocab.VENUE_KINDS)))
    hazard = fields.Str(load_default=None, validate=validate.OneOf(tuple(vocab.HAZARD_LEVELS)))
    status = fields.Str(load_default=None, validate=validate.OneOf(
        tuple(vocab.INSPECTION_STATUSES) + tuple(vocab.FOLLOWUP_STATUSES)))
    date_from = fields.Date(load_default=None)
    date_to = fields.Date(load_default=None)
    conflict = fields.Bool(load_default=False)
    sort = fields.Str(load_default="newest", validate=validate.OneOf(SORTS))
    page = fields.Int(load_default=1, validate=validate.Range(1, 100_000))

    @validates_schema
    def dates_in_order(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError("The start date is after the end date.", "date_to")


class ReviewForm(FormSchema):
    decision = fields.Str(required=True, validate=validate.OneOf(("approve", "return")))
    comment = fields.Str(load_default="", validate=validate.Length(max=1000))
    expected_version = fields.Int(required=True, validate=validate.Range(min=1))

    @validates_schema
    def a_return_says_why(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data.get("decision") == "return" and not data.get("comment", "").strip():
            raise ValidationError("Say what the officer must correct.", "comment")


LOG_AT_VERSION = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:[1-9][0-9]{0,8}$"
"""A ticked log as the inbox sends it: its id and the version the chief saw."""


class BulkApproveForm(FormSchema):
    logs = fields.List(fields.Str(validate=validate.Regexp(LOG_AT_VERSION)), required=True,
                       validate=validate.Length(1, 200))


class RoomPage(FormSchema):
    """A long list's page, optionally narrowed to one room."""
    room = fields.UUID(load_default=None)
    page = fields.Int(load_default=1, validate=validate.Range(1, 100_000))


class WeekQuery(RoomPage):
    start = fields.Date(load_default=None)


class ConflictFilters(FormSchema):
    record_type = fields.Str(load_default=None, validate=validate.OneOf(DEVICE_WRITTEN))
    room = fields.UUID(load_default=None)
    person = fields.UUID(load_default=None)
    older_than_days = fields.Int(load_default=None, validate=validate.Range(0, 3650))


class ResolveForm(FormSchema):
    expected_version = fields.Int(required=True, validate=validate.Range(min=1))


class BulkResolveForm(FormSchema):
    record_type = fields.Str(required=True, validate=validate.OneOf(DEVICE_WRITTEN))
    field = fields.Str(required=True, validate=validate.Regexp(r"^[a-z_]{1,40}$"))
    side = fields.Str(required=True, validate=validate.OneOf(("device", "server")))


class PersonForm(FormSchema):
    display_name = fields.Str(required=True, validate=validate.Length(1, 60))
    role = fields.Str(required=True, validate=validate.OneOf(tuple(vocab.ROLES)))
    room_id = fields.UUID(load_default=None)
    station_id = fields.UUID(load_default=None)
    squad_id = fields.UUID(load_default=None)
    star_level = fields.Int(load_default=0, validate=validate.Range(0, 5))


class NewPersonForm(PersonForm):
    username = fields.Str(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_.-]{2,31}$"))
    password = fields.Str(required=True)


class SquadForm(FormSchema):
    name = fields.Str(required=True, validate=validate.Length(1, 80))


class CoverForm(FormSchema):
    room_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1))


class PasswordForm(FormSchema):
    password = fields.Str(required=True)


class ActiveForm(FormSchema):
    active = fields.Bool(required=True)


class RevokeForm(FormSchema):
    reason = fields.Str(required=True, validate=validate.Length(1, 200))


class AuditFilters(FormSchema):
    action = fields.Str(load_default=None, validate=validate.Length(1, 48))
    actor = fields.UUID(load_default=None)
    record = fields.UUID(load_default=None)
    date_from = fields.Date(load_default=None)
    date_to = fields.Date(load_default=None)
    page = fields.Int(load_default=1, validate=validate.Range(1, 1_000_000))


class DismissForm(FormSchema):
    reason = fields.Str(required=True, validate=validate.Length(1, 300))


class RuleForm(FormSchema):
    venue_kind = fields.Str(load_default=None, validate=validate.OneOf(tuple(vocab.VENUE_KINDS)))
    risk_level = fields.Str(load_default=None, validate=validate.OneOf(tuple(vocab.RISK_LEVELS)))
    interval_days = fields.Int(required=True, validate=validate.Range(1, 366))
    starts_on = fields.Date(required=True)
    active = fields.Bool(load_default=False)


class AssignForm(FormSchema):
    kind = fields.Str(required=True, validate=validate.OneOf(tuple(vocab.ASSIGNMENT_KINDS)))
    officer_id = fields.UUID(required=True)
    venue_id = fields.UUID(load_default=None)
    case_number = fields.Str(load_default="", validate=validate.Length(max=40))
    visit_whom = fields.Str(load_default="", validate=validate.Length(max=120))
    due_date = fields.Date(required=True)
    note = fields.Str(load_default="", validate=validate.Length(max=1000))


class ReassignForm(FormSchema):
    officer_id = fields.UUID(required=True)
    due_date = fields.Date(required=True)


class YearQuery(FormSchema):
    year = fields.Int(load_default=None, validate=validate.Range(2000, 2100))


class SubscriberForm(FormSchema):
    url = fields.Str(required=True, validate=validate.Length(1, 500))
    description = fields.Str(load_default="", validate=validate.Length(max=200))
    record_types = fields.List(fields.Str(), required=True, validate=validate.Length(min=1))
