"""What a log needs before it is saved or submitted: the wire schema first, then completeness."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from marshmallow import ValidationError

from mobile.forms import (
    Problem,
    draft_problems,
    followup_problems,
    inspection_problems,
    schema_problems,
    venue_problems,
)

TODAY = date(2026, 11, 28)
ITEMS = ["exits", "extinguishers"]
SIGNED = "a" * 64
PHOTO = "b" * 64
VENUE, OFFICER, INSPECTION = (str(uuid.uuid4()) for _ in range(3))
RECORDED = {"venue_id": VENUE, "officer_id": OFFICER}


def codes(problems: list[Problem]) -> dict[str, str]:
    return {problem.field: problem.code for problem in problems}


def an_inspection(**fields: Any) -> dict[str, Any]:
    return {**RECORDED, "inspected_at": "2026-11-28T09:30:00+08:00", "status": "submitted", **fields}


def a_followup(**fields: Any) -> dict[str, Any]:
    return {**RECORDED, "due_date": "2026-12-01", "status": "planned", **fields}


ALL_PASS = {key: {"result": "pass", "note": ""} for key in ITEMS}


def test_an_all_pass_signed_inspection_is_complete() -> None:
    assert inspection_problems(an_inspection(checklist=ALL_PASS, signature_hash=SIGNED), ITEMS, TODAY) == []


def test_unanswered_items_and_a_missing_signature_are_named() -> None:
    inspection = an_inspection(checklist={"exits": {"result": "pass", "note": ""}})
    assert codes(inspection_problems(inspection, ITEMS, TODAY)) == {
        "checklist.extinguishers": "answer_required", "signature_hash": "signature_required"}


def test_a_failure_needs_a_note_findings_and_a_photo() -> None:
    inspection = an_inspection(checklist={"exits": {"result": "fail", "note": " "},
                                          "extinguishers": {"result": "pass"}},
                               signature_hash=SIGNED)
    assert codes(inspection_problems(inspection, ITEMS, TODAY)) == {
        "checklist.exits": "note_for_failure", "findings": "findings_required", "photo_hashes": "photo_required"}


def test_a_hazard_without_failed_items_still_needs_findings_and_a_photo() -> None:
    inspection = an_inspection(checklist=ALL_PASS, signature_hash=SIGNED, hazard_level="major",
                               findings="Wiring exposed", photo_hashes=[])
    assert codes(inspection_problems(inspection, ITEMS, TODAY)) == {"photo_hashes": "photo_required"}


def test_a_rectification_needs_a_deadline_after_today() -> None:
    base = an_inspection(checklist=ALL_PASS, signature_hash=SIGNED, rectification_required=True)
    assert codes(inspection_problems(base, ITEMS, TODAY)) == {"rectification_deadline": "deadline_required"}
    late = {**base, "rectification_deadline": "2026-11-28"}
    assert codes(inspection_problems(late, ITEMS, TODAY)) == {"rectification_deadline": "deadline_in_past"}
    assert inspection_problems({**base, "rectification_deadline": "2026-12-05"}, ITEMS, TODAY) == []


def test_a_missing_deadline_is_the_shared_rule_of_sync_records_even_in_a_draft() -> None:
    draft = an_inspection(status="draft", rectification_required=True, rectification_deadline=None)
    assert codes(draft_problems("inspection", draft)) == {"rectification_deadline": "deadline_required"}


def test_a_done_follow_up_records_its_outcome_and_satisfaction() -> None:
    planned = a_followup(subject_kind="rectification", inspection_id=INSPECTION)
    assert followup_problems(planned) == []
    done = {**planned, "status": "done", "visited_at": "2026-11-28T10:00:00+08:00"}
    assert codes(followup_problems(done)) == {
        "outcome": "required", "satisfaction": "required", "rectified": "required"}
    case = a_followup(subject_kind="case", status="done", visited_at="2026-11-28T10:00:00+08:00", outcome="ok",
                      satisfaction="satisfied")
    assert codes(followup_problems(case)) == {"case_number": "required"}


def test_the_follow_up_subject_and_visit_rules_are_the_shared_ones_of_sync_records() -> None:
    recheck = a_followup(subject_kind="rectification", inspection_id=None)
    assert codes(followup_problems(recheck)) == {"inspection_id": "required"}
    done = a_followup(subject_kind="case", case_number="A1", status="done", outcome="ok", satisfaction="satisfied")
    assert codes(followup_problems(done)) == {"visited_at": "required"}


def test_a_venue_needs_a_name_a_kind_and_an_address() -> None:
    venue = {"room_id": str(uuid.uuid4()), "name": "", "kind": "hotel", "address": ""}
    assert codes(venue_problems(venue)) == {"name": "required", "address": "required"}
    assert codes(venue_problems({**venue, "name": "月河客栈", "kind": ""})) == {"kind": "required",
                                                                              "address": "required"}


def test_schema_errors_become_problems_per_nested_field() -> None:
    error = ValidationError({"phone": ["String does not match expected pattern."],
                             "checklist": {"exits": {"value": {"result": ["Missing data for required field."]}}}})
    record = {"phone": "call me", "checklist": {"exits": {"note": "blocked"}}}
    assert codes(schema_problems(error, record)) == {"phone": "invalid", "checklist.exits.value.result": "required"}


def test_a_typed_deadline_that_is_not_a_date_is_a_problem_of_that_field() -> None:
    base = an_inspection(checklist=ALL_PASS, signature_hash=SIGNED, rectification_required=True)
    for typed in ("下周五", "2026-13-01", "2026-12-5", "12/05"):
        assert codes(inspection_problems({**base, "rectification_deadline": typed}, ITEMS, TODAY)) == {
            "rectification_deadline": "invalid"}, typed


def test_a_bad_date_and_what_is_missing_are_shown_together() -> None:
    inspection = an_inspection(checklist={"exits": {"result": "fail", "note": "blocked"}},
                               rectification_required=True, rectification_deadline="下周五", photo_hashes=[PHOTO])
    assert codes(inspection_problems(inspection, ITEMS, TODAY)) == {
        "rectification_deadline": "invalid", "checklist.extinguishers": "answer_required",
        "findings": "findings_required", "signature_hash": "signature_required"}


def test_a_typed_due_date_that_is_not_a_date_is_a_problem_of_that_field() -> None:
    planned = a_followup(subject_kind="case", case_number="A1")
    assert codes(followup_problems({**planned, "due_date": "明天"})) == {"due_date": "invalid"}
    assert codes(followup_problems({**planned, "due_date": None})) == {"due_date": "required"}
    assert followup_problems({**planned, "due_date": (TODAY + timedelta(days=3)).isoformat()}) == []
