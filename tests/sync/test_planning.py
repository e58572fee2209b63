"""Schedule rules give each venue its next due date; an assignment is whole or refused."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from marshmallow import ValidationError

from sync.planning import AssignmentData, check_assignment, interval_for, next_due
from sync.records import RECORD_TYPES

STATION = str(uuid.uuid4())
OTHER_STATION = str(uuid.uuid4())
JAN_1 = date(2026, 1, 1)


def rule(kind: str | None, risk: str | None, days: int, **extra: Any) -> dict[str, Any]:
    return {"station_id": STATION, "venue_kind": kind, "risk_level": risk, "interval_days": days,
            "starts_on": JAN_1.isoformat(), "active": True, **extra}


RULES = [rule("hotel", None, 30), rule("internet_cafe", None, 14), rule(None, "high", 7)]


def test_a_venue_takes_the_interval_of_the_rule_for_its_kind() -> None:
    assert interval_for(RULES, STATION, "hotel", "low", date(2026, 6, 1)) == (30, JAN_1)
    assert interval_for(RULES, STATION, "internet_cafe", "medium", date(2026, 6, 1)) == (14, JAN_1)


def test_the_strictest_matching_rule_wins_so_a_high_risk_hotel_is_inspected_weekly() -> None:
    assert interval_for(RULES, STATION, "hotel", "high", date(2026, 6, 1)) == (7, JAN_1)


def test_no_rule_of_its_station_in_force_means_no_schedule() -> None:
    assert interval_for(RULES, STATION, "shop", "low", date(2026, 6, 1)) is None
    assert interval_for(RULES, OTHER_STATION, "hotel", "low", date(2026, 6, 1)) is None
    assert interval_for([rule("hotel", None, 30, active=False)], STATION, "hotel", "low", date(2026, 6, 1)) is None
    assert interval_for(RULES, STATION, "hotel", "low", date(2025, 12, 31)) is None


def test_the_next_inspection_falls_due_an_interval_after_the_last_but_never_before_the_rule_starts() -> None:
    assert next_due((30, JAN_1), date(2026, 3, 10)) == date(2026, 4, 9)
    assert next_due((30, JAN_1), date(2025, 11, 1)) == JAN_1
    assert next_due((30, JAN_1), None) == JAN_1


def test_a_missed_due_date_brings_the_venue_round_again_an_interval_later() -> None:
    assert next_due((14, JAN_1), date(2026, 3, 1), last_missed=date(2026, 3, 15)) == date(2026, 3, 29)
    assert next_due((14, JAN_1), None, last_missed=JAN_1) == date(2026, 1, 15)
    assert next_due((14, JAN_1), date(2026, 3, 20), last_missed=date(2026, 3, 15)) == date(2026, 4, 3)


def test_a_venue_neglected_for_months_comes_round_once_today_not_once_for_every_interval_missed() -> None:
    assert next_due((7, JAN_1), None, last_missed=JAN_1, today=date(2026, 5, 1)) == date(2026, 5, 1)
    assert next_due((7, JAN_1), None, last_missed=date(2026, 4, 28), today=date(2026, 5, 1)) == date(2026, 5, 5)


def assignment(**changes: Any) -> dict[str, Any]:
    return {"room_id": str(uuid.uuid4()), "officer_id": str(uuid.uuid4()), "origin": "chief",
            "kind": "inspection", "venue_id": str(uuid.uuid4()), "due_date": "2026-06-20", **changes}


@pytest.mark.parametrize(("changes", "field"), [
    ({"venue_id": None}, "venue_id"),
    ({"kind": "case_revisit", "visit_whom": "王某"}, "case_number"),
    ({"kind": "case_revisit", "case_number": "A3304", "visit_whom": ""}, "visit_whom"),
    ({"officer_id": None}, "officer_id"),
    ({"status": "done", "done_at": "2026-06-19T10:00:00+08:00"}, "inspection_id"),
    ({"status": "done", "inspection_id": str(uuid.uuid4())}, "done_at"),
    ({"kind": "case_revisit", "case_number": "A3304", "visit_whom": "王某", "status": "done",
      "done_at": "2026-06-19T10:00:00+08:00"}, "followup_id"),
    ({"status": "handed_back", "officer_id": None}, "handed_back_reason"),
])
def test_an_assignment_names_what_it_asks_for_and_how_it_was_done(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        AssignmentData().load(assignment(**changes))
    assert field in refused.value.normalized_messages()


def test_a_scheduled_inspection_belongs_to_the_room_not_to_an_officer() -> None:
    loaded = AssignmentData().load(assignment(origin="schedule", officer_id=None))
    check_assignment(loaded)
    assert loaded["status"] == "open"


def test_only_the_server_marks_an_assignment_missed_or_handed_back() -> None:
    groups = RECORD_TYPES["assignment"].groups
    assert groups.of("status", "missed") == groups.of("status", "handed_back") == "derived"
    assert groups.of("status", "done") == groups.of("inspection_id", None) == "completion"
    assert groups.of("status", "cancelled") == groups.of("due_date", None) == "plan"
