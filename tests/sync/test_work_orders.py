"""A work order's state machine: the fold of its events, deadlines and the repeat-plate flag."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.work_orders import (
    DEFAULT_DEADLINES,
    EVENT_ROLES,
    LEGAL_IN,
    Verdict,
    deadlines_from,
    due_times,
    fold,
    is_repeat,
    ordered,
    overdue,
)

REPORTER, COLLEAGUE, CHIEF = "officer-1", "officer-2", "chief-1"
WANG, LI, LEAD = "traffic-wang", "traffic-li", "lead-zhao"
ROLE = {REPORTER: "officer", COLLEAGUE: "officer", WANG: "traffic", LI: "traffic", LEAD: "squad_lead", CHIEF: "chief"}
ORDER = {"officer_id": REPORTER, "squad_id": "squad-1", "kind": "illegal_parking"}


def event(kind: str, actor: str, minute: int = 0, **data: Any) -> dict[str, Any]:
    at = (datetime(2026, 6, 15, 10, 0, tzinfo=UTC) + timedelta(minutes=minute)).isoformat()
    return {"id": str(uuid.uuid4()), "kind": kind, "actor_id": actor, "actor_role": ROLE[actor], "at": at, **data}


def test_an_order_no_squad_covers_waits_as_reported_and_a_routed_one_as_dispatched() -> None:
    assert fold({**ORDER, "squad_id": None}, []).state == "reported"
    assert fold(ORDER, []).state == "dispatched"


def test_the_whole_life_of_an_order_ends_closed_with_its_outcome() -> None:
    events = [event("accepted", WANG, 5), event("contacting", WANG, 9, contact_result="reached"),
              event("resolved", WANG, 30, outcome="ticketed", ticket_number="3301001"),
              event("verified", REPORTER, 60)]
    folded = fold(ORDER, events)
    assert folded.state == "closed"
    assert (folded.assignee_id, folded.outcome, folded.ticket_number) == (WANG, "ticketed", "3301001")
    assert folded.accepted_at == events[0]["at"] and folded.closed_at == events[3]["at"]
    assert set(folded.verdicts.values()) == {None}


def test_the_second_of_two_offline_acceptances_is_kept_and_names_who_accepted_first_and_when() -> None:
    first, second = event("accepted", WANG, 2), event("accepted", LI, 3)
    folded = fold(ORDER, [first, second])
    assert folded.accepted_by == WANG
    assert folded.verdicts[second["id"]] == Verdict("not_in_state", "accepted", WANG, first["at"], first["id"])


def test_a_resolution_after_the_reporter_withdrew_takes_no_effect_and_says_so() -> None:
    withdrawal = event("withdrawn", REPORTER, 1, reason="车已开走")
    late = event("resolved", WANG, 20, outcome="moved_by_owner")
    folded = fold(ORDER, [withdrawal, event("accepted", WANG, 2), late])
    assert folded.state == "withdrawn"
    assert folded.verdicts[late["id"]] == Verdict("not_in_state", "withdrawn", REPORTER, withdrawal["at"],
                                                  withdrawal["id"])


def test_an_order_assigned_to_one_officer_is_not_taken_by_another_but_the_lead_may() -> None:
    assignment = event("assigned", LEAD, 1, assignee_id=WANG)
    by_li, by_lead = event("accepted", LI, 2), event("accepted", LEAD, 3)
    folded = fold(ORDER, [assignment, by_li, by_lead])
    assert folded.verdicts[by_li["id"]] is not None and folded.verdicts[by_li["id"]].code == "assigned_to_other"
    assert folded.verdicts[by_lead["id"]] is None and folded.accepted_by == LEAD


def test_only_the_officer_who_accepted_works_the_order_on() -> None:
    accept, other = event("accepted", WANG, 1), event("resolved", LI, 2, outcome="towed")
    folded = fold(ORDER, [accept, other])
    assert folded.verdicts[other["id"]] == Verdict("not_acceptor", "accepted", WANG, accept["at"], accept["id"])


def test_a_reopened_order_returns_to_the_officer_who_resolved_it_and_counts_the_reopening() -> None:
    events = [event("accepted", WANG, 1), event("resolved", WANG, 2, outcome="not_found"),
              event("reopened", REPORTER, 3, reason="车还在"), event("accepted", LI, 4), event("accepted", WANG, 5)]
    folded = fold(ORDER, events)
    assert (folded.state, folded.accepted_by, folded.reopen_count, folded.outcome) == ("accepted", WANG, 1, None)
    assert folded.verdicts[events[3]["id"]].code == "assigned_to_other"


def test_only_the_reporter_withdraws_but_any_officer_of_the_room_verifies() -> None:
    withdrawal = event("withdrawn", COLLEAGUE, 1)
    assert fold(ORDER, [withdrawal]).verdicts[withdrawal["id"]] == Verdict("not_reporter", "dispatched", None,
                                                                           None, None)
    resolved = [event("accepted", WANG, 1), event("resolved", WANG, 2, outcome="towed")]
    assert fold(ORDER, [*resolved, event("verified", COLLEAGUE, 3)]).state == "closed"


def test_the_orders_times_are_the_servers_receipt_where_it_placed_the_step() -> None:
    placed = {**event("accepted", WANG, 1), "position": 1, "received_at": "2026-06-15T02:30:00+00:00"}
    assert fold(ORDER, [placed]).accepted_at == "2026-06-15T02:30:00+00:00"
    assert fold(ORDER, [event("accepted", WANG, 1)]).accepted_at == "2026-06-15T10:01:00+00:00"


def test_the_server_writes_the_fold_as_the_orders_summary() -> None:
    summary = fold(ORDER, [event("accepted", WANG, 1)]).summary()
    assert summary["status"] == "accepted" and summary["assignee_id"] == WANG and summary["reopen_count"] == 0


def test_events_the_server_placed_come_first_in_its_order_then_the_devices_own_as_made() -> None:
    placed_2, placed_1, mine_a, mine_b = ({"id": "p2", "position": 2}, {"id": "p1", "position": 1},
                                          {"id": "a", "position": None}, {"id": "b"})
    assert [e["id"] for e in ordered([mine_a, placed_2, mine_b, placed_1])] == ["p1", "p2", "a", "b"]


def test_deadlines_run_from_dispatch_and_an_order_is_overdue_only_in_the_states_they_concern() -> None:
    dispatched = datetime(2026, 6, 15, 10, 0, tzinfo=UTC)
    accept_due, resolve_due = due_times("illegal_parking", dispatched, DEFAULT_DEADLINES)
    assert (accept_due - dispatched, resolve_due - dispatched) == (timedelta(minutes=30), timedelta(hours=2))
    assert overdue("dispatched", accept_due, resolve_due, dispatched + timedelta(minutes=29)) == frozenset()
    assert overdue("dispatched", accept_due, resolve_due, dispatched + timedelta(minutes=31)) == {"accept"}
    assert overdue("accepted", accept_due, resolve_due, dispatched + timedelta(hours=3)) == {"resolve"}
    assert overdue("resolved", accept_due, resolve_due, dispatched + timedelta(hours=3)) == frozenset()
    assert overdue("dispatched", None, None, dispatched + timedelta(days=30)) == frozenset()


def test_deadlines_are_configured_in_minutes_per_kind_and_nonsense_is_refused() -> None:
    deadlines = deadlines_from({"abandoned_vehicle": {"accept": 60, "resolve": 600}})
    assert deadlines["abandoned_vehicle"].resolve == timedelta(hours=10)
    assert deadlines["illegal_parking"] == DEFAULT_DEADLINES["illegal_parking"]
    for setting in ({"bicycle": {"accept": 1, "resolve": 2}}, {"other": {"accept": 0, "resolve": 2}},
                    {"other": {"accept": 5, "resolve": 2}}, {"other": {"accept": "5", "resolve": 20}},
                    {"other": {"accept": 5}}):
        with pytest.raises(ValueError):
            deadlines_from(setting)


def test_a_plate_is_flagged_on_its_fourth_report_within_thirty_days() -> None:
    now = datetime(2026, 6, 30, tzinfo=UTC)
    three = [now - timedelta(days=d) for d in (1, 10, 29)]
    assert is_repeat(three, now)
    assert not is_repeat(three[:2], now)
    assert not is_repeat([*three[:2], now - timedelta(days=31)], now)


def test_every_kind_of_event_has_its_roles_and_its_states() -> None:
    assert set(EVENT_ROLES) == set(LEGAL_IN)


EVENTS = st.lists(st.tuples(
    st.sampled_from(sorted(LEGAL_IN)),
    st.sampled_from(sorted(ROLE)),
    st.sampled_from([None, WANG, LI]),
    st.sampled_from(["ticketed", "towed", "not_found"]),
), max_size=14).map(lambda drawn: [
    event(kind, actor, minute, assignee_id=assignee, outcome=outcome, reason="r", contact_result="reached")
    for minute, (kind, actor, assignee, outcome) in enumerate(drawn)])


@given(EVENTS)
def test_any_history_folds_to_a_verdict_for_every_event_and_only_legal_steps_take_effect(
        events: list[Mapping[str, Any]]) -> None:
    folded = fold(ORDER, events)
    assert list(folded.verdicts) == [e["id"] for e in events]
    effective = [e for e in events if folded.verdicts[e["id"]] is None]
    replayed = fold(ORDER, effective)
    assert set(replayed.verdicts.values()) <= {None}
    assert replayed.summary() == folded.summary()


@given(EVENTS, st.integers(0, 14))
def test_an_events_verdict_depends_only_on_the_events_before_it(events: list[Mapping[str, Any]], cut: int) -> None:
    whole, prefix = fold(ORDER, events), fold(ORDER, events[:cut])
    assert all(whole.verdicts[key] == verdict for key, verdict in prefix.verdicts.items())
