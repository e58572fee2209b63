"""What a log needs before it is submitted, beyond the wire schemas."""

from __future__ import annotations

from datetime import date, timedelta

from marshmallow import ValidationError

from mobile.forms import Problem, followup_problems, inspection_problems, schema_problems, venue_problems

TODAY = date(2026, 11, 28)
ITEMS = ["exits", "extinguishers"]
SIGNED = "a" * 64


def codes(problems: list[Problem]) -> dict[str, str]:
    return {problem.field: problem.code for problem in problems}


def test_an_all_pass_signed_inspection_is_complete() -> None:
    inspection = {"checklist": {key: {"result": "pass", "note": ""} for key in ITEMS}, "signature_hash": SIGNED}
    assert inspection_problems(inspection, ITEMS, TODAY) == []


def test_unanswered_items_and_a_missing_signature_are_named() -> None:
    inspection = {"checklist": {"exits": {"result": "pass", "note": ""}}}
    assert codes(inspection_problems(inspection, ITEMS, TODAY)) == {
        "checklist.extinguishers": "answer_required", "signature_hash": "signature_required"}


def test_a_failure_needs_a_note_findings_and_a_photo() -> None:
    inspection = {"checklist": {"exits": {"result": "fail", "note": " "}, "extinguishers": {"result": "pass"}},
                  "signature_hash": SIGNED}
    assert codes(inspection_problems(inspection, ITEMS, TODAY)) == {
        "checklist.exits": "note_for_failure", "findings": "findings_required", "photo_hashes": "photo_required"}


def test_a_hazard_without_failed_items_still_needs_findings_and_a_photo() -> None:
    inspection = {"checklist": {key: {"result": "pass"} for key in ITEMS}, "signature_hash": SIGNED,
                  "hazard_level": "major", "findings": "Wiring exposed", "photo_hashes": []}
    assert codes(inspection_problems(inspection, ITEMS, TODAY)) == {"photo_hashes": "photo_required"}


def test_a_rectification_needs_a_deadline_after_today() -> None:
    base = {"checklist": {key: {"result": "pass"} for key in ITEMS}, "signature_hash": SIGNED,
            "rectification_required": True}
    assert codes(inspection_problems(base, ITEMS, TODAY)) == {"rectification_deadline": "deadline_required"}
    late = {**base, "rectification_deadline": "2026-11-28"}
    assert codes(inspection_problems(late, ITEMS, TODAY)) == {"rectification_deadline": "deadline_in_past"}
    assert inspection_problems({**base, "rectification_deadline": "2026-12-05"}, ITEMS, TODAY) == []


def test_a_done_follow_up_records_its_outcome_and_satisfaction() -> None:
    planned = {"subject_kind": "rectification", "inspection_id": "x", "due_date": "2026-12-01", "status": "planned"}
    assert followup_problems(planned, TODAY) == []
    assert codes(followup_problems({**planned, "status": "done"}, TODAY)) == {
        "outcome": "required", "satisfaction": "required", "rectified": "required"}
    case = {"subject_kind": "case", "due_date": "2026-12-01", "status": "done", "outcome": "ok",
            "satisfaction": "satisfied"}
    assert codes(followup_problems(case, TODAY)) == {"case_number": "required"}


def test_a_venue_needs_a_name_a_kind_and_an_address() -> None:
    assert codes(venue_problems({"name": " ", "kind": "hotel"})) == {"name": "required", "address": "required"}


def test_schema_errors_become_problems_per_nested_field() -> None:
    error = ValidationError({"phone": ["String does not match expected pattern."],
                             "checklist": {"exits": {"value": {"result": ["Missing data for required field."]}}}})
    assert codes(schema_problems(error)) == {"phone": "invalid", "checklist.exits.value.result": "required"}


def test_a_typed_deadline_that_is_not_a_date_is_a_problem_of_that_field() -> None:
    base = {"checklist": {key: {"result": "pass"} for key in ITEMS}, "signature_hash": SIGNED,
            "rectification_required": True}
    for typed in ("下周五", "2026-13-01", "2026-12-5", "12/05"):
        assert codes(inspection_problems({**base, "rectification_deadline": typed}, ITEMS, TODAY)) == {
            "rectification_deadline": "invalid"}, typed


def test_a_typed_due_date_that_is_not_a_date_is_a_problem_of_that_field() -> None:
    planned = {"subject_kind": "case", "case_number": "A1", "status": "planned"}
    assert codes(followup_problems({**planned, "due_date": "明天"}, TODAY)) == {"due_date": "invalid"}
    assert followup_problems({**planned, "due_date": (TODAY + timedelta(days=3)).isoformat()}, TODAY) == []
