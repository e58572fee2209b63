"""Rental houses, occupants' registrations and permit applications as the wire schemas check them."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from marshmallow import ValidationError

from sync import clock
from sync.identity import with_check_digit
from sync.records import RECORD_TYPES
from sync.registry import (
    OccupantData,
    RentalHouseData,
    ResidencePermitData,
    masked,
    registered_late,
    search_key,
)

NUMBER = with_check_digit("33040219900101123")
"""A 南湖区, 嘉兴 number (a synthetic one: its check digit is right, nobody holds it)."""


def errors(schema: Any, data: dict[str, Any]) -> dict[str, Any]:
    with pytest.raises(ValidationError) as raised:
        schema.load(data)
    return raised.value.messages


def occupant(**changes: Any) -> dict[str, Any]:
    return {"house_id": str(uuid.uuid4()), "officer_id": str(uuid.uuid4()), "unit": "302", "full_name": "测试甲",
            "document_kind": "resident_id", "document_number": NUMBER, "phone": "13800001234",
            "arrived_at": "2026-06-01T09:00:00+08:00", "registered_at": "2026-06-01T15:00:00+08:00", **changes}


def test_a_registration_with_a_valid_resident_id_loads() -> None:
    loaded = OccupantData().load(occupant())
    assert (loaded["document_number"], loaded["moved_out_at"], loaded["verification"]) == (
        NUMBER, None, "document_seen")


@pytest.mark.parametrize(("changes", "field"), [
    ({"document_number": NUMBER[:-1] + ("0" if NUMBER[-1] != "0" else "1")}, "document_number"),
    ({"document_number": with_check_digit("99040219900101123")}, "document_number"),
    ({"document_number": ""}, "document_number"),
    ({"full_name": ""}, "full_name"),
    ({"nationality": "CHN"}, "nationality"),
    ({"visa_type": "L"}, "visa_type"),
    ({"document_kind": "passport", "document_number": "E1234567"}, "nationality"),
    ({"document_kind": "passport", "document_number": "e12", "nationality": "KOR"}, "document_number"),
    ({"moved_out_at": "2026-05-01T09:00:00+08:00"}, "moved_out_at"),
])
def test_a_registration_is_refused_naming_what_is_wrong(changes: dict[str, Any], field: str) -> None:
    assert field in errors(OccupantData(), occupant(**changes))


def test_a_resident_id_born_after_the_clocks_today_is_refused() -> None:
    tomorrow_born = (clock.today() + timedelta(days=3)).strftime("%Y%m%d")
    unborn = with_check_digit(f"330402{tomorrow_born}123")
    assert "document_number" in errors(OccupantData(), occupant(document_number=unborn))


def test_an_erased_registration_keeps_no_personal_field_and_still_loads() -> None:
    erased = OccupantData().load(occupant(full_name="", document_number="", phone="",
                                          erased_at="2026-12-01T00:00:00+00:00"))
    assert erased["full_name"] == erased["document_number"] == ""


def test_a_landlords_id_number_is_checked_when_given() -> None:
    house = {"room_id": str(uuid.uuid4()), "officer_id": str(uuid.uuid4()), "address": "中港路8号",
             "landlord_name": "房东甲", "landlord_id_number": NUMBER, "units": ["101", "102"]}
    assert RentalHouseData().load(house)["status"] == "let"
    assert "landlord_id_number" in errors(RentalHouseData(), {**house, "landlord_id_number": "123"})


@pytest.mark.parametrize(("changes", "field"), [
    ({"status": "accepted"}, "accepted_at"),
    ({"status": "issued", "accepted_at": "2026-06-02T09:00:00+08:00"}, "decided_at"),
    ({"status": "issued", "accepted_at": "2026-06-02T09:00:00+08:00", "decided_at": "2026-06-20T09:00:00+08:00"},
     "permit_number"),
    ({"status": "refused", "accepted_at": "2026-06-02T09:00:00+08:00", "decided_at": "2026-06-20T09:00:00+08:00"},
     "reason"),
])
def test_a_permit_application_says_when_each_step_it_reached_was_taken(changes: dict[str, Any], field: str) -> None:
    application = {"occupant_id": str(uuid.uuid4()), "officer_id": str(uuid.uuid4()),
                   "applied_at": "2026-06-01T09:00:00+08:00"}
    assert ResidencePermitData().load(application)["status"] == "applied"
    assert field in errors(ResidencePermitData(), {**application, **changes})


def test_a_foreigner_registered_more_than_a_day_after_arriving_is_late() -> None:
    foreigner = occupant(document_kind="passport", document_number="M12345678", nationality="KOR", visa_type="Z",
                         arrived_at="2026-06-01T09:00:00+08:00")
    assert not registered_late({**foreigner, "registered_at": "2026-06-02T09:00:00+08:00"})
    assert registered_late({**foreigner, "registered_at": "2026-06-02T09:01:00+08:00"})
    assert not registered_late({**occupant(), "registered_at": "2026-06-20T09:00:00+08:00"})


def test_a_document_is_searched_by_kind_number_and_for_a_passport_its_nationality() -> None:
    assert search_key("resident_id", NUMBER.lower()) == search_key("resident_id", NUMBER)
    assert search_key("passport", "m 123456", "KOR") != search_key("passport", "M123456", "JPN")


def test_personal_fields_are_what_is_masked_and_nothing_else() -> None:
    sealed = RECORD_TYPES["occupant"].sealed
    shown = masked(sealed, {"full_name": "测试甲", "document_number": NUMBER, "phone": "13800001234", "unit": "302",
                            "document_kind": "resident_id"})
    assert shown == {"full_name": "测**", "document_number": NUMBER[:6] + "********" + NUMBER[-4:],
                     "phone": "138****1234", "unit": "302", "document_kind": "resident_id"}
    sides = masked(sealed, {"phone": {"base": "13800001234", "server": None, "device": "13900005678"}})
    assert sides == {"phone": {"base": "138****1234", "server": None, "device": "139****5678"}}
