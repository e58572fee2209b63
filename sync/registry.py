"""Rental housing and the people living in it (出租房屋, 流动人口): wire schemas and rules across fields.

An ``occupant`` is one registration (人来登记), not a person for life: it opens when an officer
registers someone in a house and closes at move-out (人走注销). A document (a resident ID
number, or a passport of a nationality) has at most one open registration; the server marks an
earlier one elsewhere "moved?" (``superseded_at``) when a newer one arrives, and tells the
newer one only that an earlier registration existed (``earlier_registration``), not where.

Names, document numbers and phone numbers are personal data (``RecordType.sealed``): the server keeps them
encrypted (``server.privacy``) and every screen shows them masked (``sync.identity``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from sync import clock, vocab
from sync.fields import PHONE, StrictSchema, choice, moment, text
from sync.identity import (
    DocumentError,
    check_resident_id,
    mask_name,
    mask_phone,
    mask_resident_id,
    normalise_resident_id,
)

FOREIGN_REGISTRATION_WINDOW = timedelta(hours=24)
"""A foreigner is registered within 24 hours of arrival (境外人员临时住宿登记); a later registration is flagged."""
PASSPORT = re.compile(r"^[A-Z0-9]{5,17}\Z")
NATIONALITY = r"^([A-Z]{3})?\Z"
"""ISO 3166-1 alpha-3, as a passport's machine-readable zone writes it; empty for a resident ID."""

LANDLORD_PERSONAL = frozenset({"landlord_name", "landlord_id_number", "landlord_phone"})
OCCUPANT_PERSONAL = frozenset({"full_name", "document_number", "phone", "household_place", "employer"})
"""Personal data (``RecordType.sealed``): sealed at rest, masked on every screen, erased after the retention."""
OCCUPANT_DERIVED = frozenset({"earlier_registration", "superseded_at", "erased_at"})
"""An occupant's fields the server writes: the one-open-registration rule's marks and the retention's erasure."""


def document_problem(kind: str | None, number: str, nationality: str = "") -> dict[str, list[str]]:
    """What is wrong with a document as kept (field → messages), judged on the process clock's date."""
    if kind == "resident_id":
        try:
            check_resident_id(number, clock.today() + timedelta(days=1))
        except DocumentError as error:
            return {"document_number": [str(error)]}
        return {"nationality": ["A resident ID has no nationality."]} if nationality else {}
    if kind == "passport":
        errors = {}
        if not PASSPORT.match(number):
            errors["document_number"] = ["5 to 17 capital letters or digits, as printed in the passport."]
        if not nationality:
            errors["nationality"] = ["A passport names its nationality (three letters, such as KOR)."]
        return errors
    return {}


def normalise_document(kind: str, number: str) -> str:
    """A document number as kept and searched: no spaces, capitals (an ID's ``x`` is ``X``)."""
    return normalise_resident_id(number) if kind == "resident_id" else number.replace(" ", "").upper()


class RentalHouseData(StrictSchema):
    room_id = fields.UUID(required=True)
    officer_id = fields.UUID(required=True)
    address = text(200, required=True)
    venue_id = fields.UUID(load_default=None, allow_none=True)
    landlord_name = text(60, required=True)
    landlord_id_number = fields.Str(load_default="", validate=validate.Length(max=18))
    landlord_phone = fields.Str(load_default="", validate=validate.Regexp(PHONE))
    units = fields.List(text(20, required=True), load_default=list, validate=validate.Length(max=200))
    status = choice(vocab.HOUSE_STATUSES, load_default="let")
    last_verified_at = moment(load_default=None, allow_none=True)

    @validates_schema
    def landlord_document_is_valid(self, data: dict, *, partial: Any = False, **kwargs: Any) -> None:
        if not partial:
            check_rental_house(data)


class OccupantData(StrictSchema):
    house_id = fields.UUID(required=True)
    officer_id = fields.UUID(required=True)
    unit = text(20)
    full_name = text(60)
    document_kind = choice(vocab.DOCUMENT_KINDS, required=True)
    document_number = fields.Str(load_default="", validate=validate.Length(max=18))
    nationality = fields.Str(load_default="", validate=validate.Regexp(NATIONALITY))
    visa_type = fields.Str(load_default="", validate=validate.Regexp(r"^([A-Z][0-9]?)?\Z"))
    phone = fields.Str(load_default="", validate=validate.Regexp(PHONE))
    household_place = text(120)
    employer = text(120)
    arrived_at = moment(required=True)
    registered_at = moment(required=True)
    moved_out_at = moment(load_default=None, allow_none=True)
    verification = choice(vocab.VERIFICATIONS, load_default="document_seen")
    earlier_registration = fields.Bool(load_default=False)
    superseded_at = moment(load_default=None, allow_none=True)
    erased_at = moment(load_default=None, allow_none=True)

    @validates_schema
    def registration_is_complete(self, data: dict, *, partial: Any = False, **kwargs: Any) -> None:
        if not partial:
            check_occupant(data)


class ResidencePermitData(StrictSchema):
    """An occupant's 居住证 application, which the officer takes on site (代受理): applied → accepted → issued."""

    occupant_id = fields.UUID(required=True)
    officer_id = fields.UUID(required=True)
    applied_at = moment(required=True)
    status = choice(vocab.PERMIT_STATUSES, load_default="applied")
    accepted_at = moment(load_default=None, allow_none=True)
    decided_at = moment(load_default=None, allow_none=True)
    permit_number = text(40)
    reason = text(500)
    note = text(1000)

    @validates_schema
    def dates_follow_status(self, data: dict, *, partial: Any = False, **kwargs: Any) -> None:
        if not partial:
            check_residence_permit(data)


def check_rental_house(record: Mapping[str, Any]) -> None:
    number = record.get("landlord_id_number") or ""
    if number and (problem := document_problem("resident_id", number)):
        raise ValidationError({"landlord_id_number": problem["document_number"]})


def check_occupant(record: Mapping[str, Any]) -> None:
    """Rules across an occupant's fields; an erased registration (its personal fields removed) keeps none."""
    if record.get("erased_at"):
        return
    errors: dict[str, list[str]] = {}
    if not record.get("full_name"):
        errors["full_name"] = ["A registration names the resident."]
    if not record.get("document_number"):
        errors["document_number"] = ["A registration gives the resident's document number."]
    else:
        errors.update(document_problem(record.get("document_kind"), record["document_number"],
                                       record.get("nationality") or ""))
    if record.get("visa_type") and record.get("document_kind") != "passport":
        errors["visa_type"] = ["Only a foreigner's registration has a visa type."]
    moved_out, arrived = record.get("moved_out_at"), record.get("arrived_at")
    if moved_out and arrived and _moment(moved_out) < _moment(arrived):
        errors["moved_out_at"] = ["Moving out comes after moving in."]
    if errors:
        raise ValidationError(errors)


def check_residence_permit(record: Mapping[str, Any]) -> None:
    status = record.get("status")
    errors: dict[str, list[str]] = {}
    if status in ("accepted", "issued", "refused") and not record.get("accepted_at"):
        errors["accepted_at"] = ["An accepted application says when it was accepted."]
    if status in ("issued", "refused") and not record.get("decided_at"):
        errors["decided_at"] = ["A decided application says when it was decided."]
    if status == "issued" and not record.get("permit_number"):
        errors["permit_number"] = ["An issued permit has its number."]
    if status == "refused" and not record.get("reason"):
        errors["reason"] = ["A refusal gives its reason."]
    if errors:
        raise ValidationError(errors)


def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def registered_late(record: Mapping[str, Any]) -> bool:
    """A foreigner registered more than 24 hours after arriving (境外人员临时住宿登记 is due within 24 hours)."""
    if record.get("document_kind") != "passport" or not record.get("arrived_at") or not record.get("registered_at"):
        return False
    return _moment(record["registered_at"]) - _moment(record["arrived_at"]) > FOREIGN_REGISTRATION_WINDOW


def is_open(record: Mapping[str, Any]) -> bool:
    """A registration still open: not moved out, not erased (a superseded one is open until its officer confirms)."""
    return not record.get("moved_out_at") and not record.get("erased_at")


def search_key(kind: str, number: str, nationality: str = "") -> str:
    """What the blind index is computed from: a document, whoever holds it (an occupant or a landlord).

    A passport number is unique only within its nationality, so the nationality is part of it.
    """
    number = normalise_document(kind, number)
    return f"passport:{nationality}:{number}" if kind == "passport" else f"resident_id:{number}"


def document_of(record: Mapping[str, Any], field: str) -> str | None:
    """The search key of a record's document in ``field`` (a landlord's is a resident ID), or None if it has none."""
    number = record.get(field)
    if not number:
        return None
    if field == "document_number":
        return search_key(record.get("document_kind") or "resident_id", number, record.get("nationality") or "")
    return search_key("resident_id", number)


def mask_document(number: str) -> str:
    """A document number as lists show it: a resident ID's region and last four, a passport's last four."""
    if len(number) == 18:
        return mask_resident_id(number)
    return "*" * max(len(number) - 4, 0) + number[-4:]


MASKS: Mapping[str, Callable[[str], str]] = {
    "full_name": mask_name, "landlord_name": mask_name,
    "document_number": mask_document, "landlord_id_number": mask_document,
    "phone": mask_phone, "landlord_phone": mask_phone,
    "household_place": lambda text: text[:3] + "***", "employer": lambda text: text[:1] + "***",
}
"""How each field of personal data is shown unless a chief reveals the record (``RecordType.sealed``)."""


def masked(sealed: frozenset[str], values: Mapping[str, Any]) -> dict[str, Any]:
    """Values with the personal ones masked; a non-text value (a conflict's sides) is masked side by side."""
    return {name: _masked(name, value) if name in sealed else value for name, value in values.items()}


def _masked(name: str, value: Any) -> Any:
    if isinstance(value, dict):
        return {side: _masked(name, inner) for side, inner in value.items()}
    return MASKS[name](value) if isinstance(value, str) and value else value
