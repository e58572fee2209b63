"""The compiled loaders agree with marshmallow on everything, valid or not."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError

from sync.compiled import compile_schema
from sync.messages import PushRequest
from sync.records import RECORD_TYPES, FollowupData, InspectionData, VenueData

ODD_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 100), st.floats(allow_nan=True), st.text(max_size=5),
    st.sampled_from(["", "pass", "hotel", "submitted", "2026-11-27", "2026-11-27T10:00:00", "20261127",
                     "2026-11-27T10:00:00+08:00", str(uuid.uuid4()), uuid.uuid4().hex, "a" * 64, "A" * 64]),
    st.lists(st.sampled_from(["a" * 64, "b" * 64, "x", 3]), max_size=3),
    st.dictionaries(st.sampled_from(["lat", "lon", "accuracy_m", "mocked", "fixed_at", "cctv", "Bad Key"]),
                    st.one_of(st.floats(-200, 200), st.booleans(), st.none(), st.just({"result": "pass"})),
                    max_size=4),
)


def good_inspection() -> dict[str, Any]:
    moment = datetime(2026, 11, 20, 10, 30, tzinfo=timezone(timedelta(hours=8)))
    return {
        "venue_id": str(uuid.uuid4()), "officer_id": str(uuid.uuid4()), "inspected_at": moment.isoformat(),
        "checklist": {"cctv": {"result": "fail", "note": "录像只保存七天"}, "fire_exits": {"result": "pass"}},
        "findings": "监控录像保存期限不足", "hazard_level": "minor", "rectification_required": True,
        "rectification_deadline": "2026-11-27", "photo_hashes": ["a" * 64], "signature_hash": None,
        "location": {"lat": 30.75, "lon": 120.76, "accuracy_m": 8, "fixed_at": moment.isoformat()},
        "status": "submitted",
    }


def outcome(load: Any) -> tuple[str, Any]:
    try:
        return "ok", load()
    except ValidationError as error:
        return "error", error.messages


def assert_agree(schema_class: type[Schema], data: Any, partial: bool) -> None:
    compiled = compile_schema(schema_class)
    reference = schema_class()
    expected = outcome(lambda: reference.load(data, partial=tuple(compiled.names) if partial else False))
    assert outcome(lambda: compiled.load(data, partial=partial)) == expected


@settings(max_examples=300, deadline=None)
@given(
    field=st.sampled_from(sorted(compile_schema(InspectionData).names)),
    value=ODD_VALUES,
    partial=st.booleans(),
    drop=st.booleans(),
)
def test_an_inspection_with_any_one_field_changed_loads_the_same(field: str, value: Any, partial: bool,
                                                                 drop: bool) -> None:
    data = good_inspection()
    if drop:
        data.pop(field, None)
    else:
        data[field] = value
    assert_agree(InspectionData, data, partial)


@settings(max_examples=200, deadline=None)
@given(data=st.fixed_dictionaries(
    {}, optional={name: ODD_VALUES for name in ("room_id", "name", "kind", "address", "phone", "risk_level",
                                                "location", "notes", "colour")}),
    partial=st.booleans())
def test_venues_of_any_shape_load_the_same(data: dict[str, Any], partial: bool) -> None:
    assert_agree(VenueData, data, partial)


@settings(max_examples=200, deadline=None)
@given(data=st.fixed_dictionaries(
    {"venue_id": st.just(str(uuid.uuid4())), "officer_id": st.just(str(uuid.uuid4())),
     "due_date": st.sampled_from(["2026-12-01", "tomorrow"])},
    optional={name: ODD_VALUES for name in ("subject_kind", "inspection_id", "case_number", "visited_at",
                                            "status", "satisfaction", "rectified", "photo_hashes")}))
def test_followups_of_any_shape_load_the_same(data: dict[str, Any]) -> None:
    assert_agree(FollowupData, data, partial=False)


@pytest.mark.parametrize("schema_class", [t.data_schema for t in RECORD_TYPES.values()] + [PushRequest])
def test_dumping_matches_marshmallow(schema_class: type[Schema]) -> None:
    compiled = compile_schema(schema_class)
    if schema_class is InspectionData:
        loaded = compiled.load(good_inspection())
        assert compiled.dump(loaded) == InspectionData().dump(loaded)
    assert compiled.names == {name for name, field in schema_class().fields.items() if not field.dump_only}


def test_a_whole_push_envelope_loads_the_same() -> None:
    mutation = {"mutation_id": str(uuid.uuid4()), "type": "inspection", "id": str(uuid.uuid4()), "op": "create",
                "data": good_inspection()}
    body = {"device_id": str(uuid.uuid4()), "schema_version": 2, "mutations": [mutation, {**mutation, "op": "put"}]}
    assert_agree(PushRequest, body, partial=False)
    body["mutations"].pop()
    assert_agree(PushRequest, body, partial=False)
