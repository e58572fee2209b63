"""The field kinds Beatlog's wire schemas are built from, and the rules they share.

Unknown fields are an error everywhere; vocabularies carry their labels (``choice``); a time
always has its offset and exists in UTC; a blob is named by its SHA-256.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

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


def choice(labels: vocab.Labels, **kwargs: Any) -> fields.Str:
    """A field holding one value of a closed vocabulary; its labels travel with the declaration."""
    return fields.Str(validate=one_of(labels), metadata={"labels": labels}, **kwargs)


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
