"""What the dashboard's forms and filters accept: validated here, nowhere else."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from sync import vocab

SORTS = ("newest", "oldest", "venue", "officer", "hazard", "status")
KINDS = ("inspection", "followup")


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


class BulkApproveForm(FormSchema):
    logs = fields.List(fields.Str(validate=validate.Regexp(r"^[0-9a-f-]{36}:[0-9]+$")), required=True,
                       validate=validate.Length(1, 200))


class WeekQuery(FormSchema):
    start = fields.Date(load_default=None)
