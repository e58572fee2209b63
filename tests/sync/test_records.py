"""The wire schemas both ends validate records with."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from marshmallow import ValidationError

from sync.records import (
    RECORD_TYPES,
    ChecklistTemplateData,
    FollowupData,
    InspectionData,
    VenueData,
)


def inspection(**changes: Any) -> dict[str, Any]:
    body = {
        "venue_id": str(uuid.uuid4()),
        "officer_id": str(uuid.uuid4()),
        "inspected_at": "2026-11-20T10:30:00+08:00",
        "checklist": {"four_times_register": {"result": "fail", "note": "3月12日后未登记"}},
        "hazard_level": "minor",
        "rectification_required": True,
        "rectification_deadline": "2026-11-27",
        "photo_hashes": ["a" * 64],
        "location": {"lat": 30.75, "lon": 120.76, "accuracy_m": 8, "fixed_at": "2026-11-20T10:29:00+08:00"},
        "status": "submitted",
    }
    body.update(changes)
    return body


def errors(schema: Any, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(ValidationError) as raised:
        schema.load(data, **kwargs)
    return raised.value.messages


def test_a_complete_inspection_loads_with_its_device_time_offset() -> None:
    loaded = InspectionData().load(inspection())
    assert loaded["inspected_at"].utcoffset().total_seconds() == 8 * 3600
    assert loaded["rectification_deadline"] == date(2026, 11, 27)
    assert loaded["location"] == {
        "lat": 30.75, "lon": 120.76, "accuracy_m": 8.0, "mocked": False, "fixed_at": "2026-11-20T10:29:00+08:00"
    }


def test_a_device_time_without_its_offset_is_refused() -> None:
    assert "inspected_at" in errors(InspectionData(), inspection(inspected_at="2026-11-20T10:30:00"))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("hazard_level", "apocalyptic"),
        ("status", "lost"),
        ("photo_hashes", ["not-a-hash"]),
        ("photo_hashes", ["a" * 64] * 13),
        ("signature_hash", "A" * 64),
        ("findings", "x" * 4001),
        ("venue_id", "venue-7"),
        ("checklist", {"Bad Key": {"result": "pass"}}),
        ("checklist", {"ok": {"result": "maybe"}}),
        ("location", {"lat": 91, "lon": 0}),
    ],
)
def test_each_field_checks_its_type_range_and_vocabulary(field: str, value: Any) -> None:
    assert field in errors(InspectionData(), inspection(**{field: value}))


def test_unknown_fields_are_refused_even_inside_documents() -> None:
    messages = errors(InspectionData(), inspection(colour="blue", location={"lat": 1, "lon": 2, "alt": 3}))
    assert messages["colour"] == ["Unknown field."]
    assert messages["location"] == {"alt": ["Unknown field."]}


def test_a_required_rectification_needs_a_deadline() -> None:
    assert "rectification_deadline" in errors(InspectionData(), inspection(rectification_deadline=None))


def test_a_partial_update_is_checked_field_by_field() -> None:
    assert InspectionData().load({"findings": "补充说明"}, partial=True) == {"findings": "补充说明"}
    assert "status" in errors(InspectionData(), {"status": "nope"}, partial=True)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"subject_kind": "rectification", "inspection_id": None}, "inspection_id"),
        ({"subject_kind": "case", "case_number": ""}, "case_number"),
        ({"status": "done", "visited_at": None}, "visited_at"),
        ({"satisfaction": "ecstatic"}, "satisfaction"),
    ],
)
def test_a_followup_names_what_it_follows_and_when_it_was_done(changes: dict[str, Any], field: str) -> None:
    followup = {
        "venue_id": str(uuid.uuid4()),
        "officer_id": str(uuid.uuid4()),
        "subject_kind": "case",
        "case_number": "A330402202611000123",
        "due_date": "2026-12-01",
        "status": "done",
        "visited_at": "2026-11-30T15:00:00+08:00",
        "satisfaction": "basically_satisfied",
    }
    FollowupData().load(followup)
    followup.update(changes)
    assert field in errors(FollowupData(), followup)


def test_venue_defaults_fill_what_an_officer_may_leave_out() -> None:
    venue = VenueData().load({"room_id": str(uuid.uuid4()), "name": "月河宾馆", "kind": "hotel",
                              "address": "中山东路1号"})
    assert (venue["risk_level"], venue["phone"], venue["location"]) == ("low", "", None)


def test_template_item_keys_must_be_unique() -> None:
    item = {"key": "cctv", "label_zh": "监控", "label_en": "CCTV"}
    data = {"venue_kind": "hotel", "title_zh": "旅馆", "title_en": "Hotel", "items": [item, item]}
    assert "items" in errors(ChecklistTemplateData(), data)


def test_every_record_type_round_trips_through_its_record_schema() -> None:
    assert set(RECORD_TYPES) == {"room", "person", "checklist_template", "venue", "inspection", "followup",
                                 "work_order", "work_order_event", "vehicle", "rental_house", "occupant",
                                 "residence_permit", "schedule_rule", "assignment", "notice"}
    assert {name for name, t in RECORD_TYPES.items() if t.device_writable} == {
        "venue", "inspection", "followup", "work_order", "work_order_event", "rental_house", "occupant",
        "residence_permit", "assignment"}
    loaded = InspectionData().load(inspection())
    envelope = {"id": uuid.uuid4(), "version": 3, "updated_at": datetime(2026, 11, 20, 2, 40, tzinfo=UTC),
                "deleted": False}
    record = RECORD_TYPES["inspection"].record_schema()
    dumped = record.dump({**loaded, **envelope})
    assert record.load(dumped) == record.load(record.dump(record.load(dumped)))
    assert dumped["inspected_at"] == "2026-11-20T10:30:00+08:00"
