"""The officer's planned work on the phone, offline: what falls due this week (nearest first), what a saved log
completes, and which notices are new."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from mobile.planning import complete_assignments, due_this_week, mark_seen, notices, unseen
from mobile.store import Records, Replica, Store
from sync import clock
from tests.mobile.test_recent import fix_at, placed
from tests.mobile.test_store import ROOM, page, pulled

OFFICER, COLLEAGUE = str(uuid.uuid4()), str(uuid.uuid4())


def assignment(replica: Replica, venue_id: str, due: date, **data: Any) -> str:
    """An assignment as the server sends it: the chief's, or (``officer_id=None``) the room's scheduled one."""
    record_id = str(uuid.uuid4())
    full = {"room_id": ROOM, "officer_id": OFFICER, "origin": "chief", "kind": "inspection", "venue_id": venue_id,
            "case_number": "", "visit_whom": "", "due_date": due.isoformat(), "note": "", "assigned_by": None,
            "status": "open", "inspection_id": None, "followup_id": None, "done_at": None, "comment": "",
            "commented_at": None, "missed_on": None, "handed_back_reason": None, "handed_back_from": None, **data}
    replica.apply_page(page({**pulled(record_id, 1, full), "type": "assignment"}))
    return record_id


def test_due_this_week_is_the_officers_own_and_the_rooms_scheduled_work_nearest_first_with_a_fix(
        records: Records, replica: Replica) -> None:
    today = clock.today()
    near, far = placed(records, "近处宾馆", 30.7701, 120.7501), placed(records, "远处网吧", 30.7800, 120.7600)
    scheduled_far = assignment(replica, far, today + timedelta(days=1), officer_id=None, origin="schedule")
    mine_near = assignment(replica, near, today + timedelta(days=5))
    missed = assignment(replica, far, today - timedelta(days=2), status="missed")
    assignment(replica, near, today + timedelta(days=2), officer_id=COLLEAGUE)
    assignment(replica, near, today + timedelta(days=9))
    assignment(replica, near, today, status="done")
    assignment(replica, far, today - timedelta(days=8), officer_id=None, origin="schedule", status="missed")

    assert [item.assignment.id for item in due_this_week(records, today, OFFICER, None)] == [
        missed, scheduled_far, mine_near]
    by_distance = due_this_week(records, today, OFFICER, fix_at(30.7700, 120.7500))
    assert [item.assignment.id for item in by_distance] == [mine_near, missed, scheduled_far]
    assert by_distance[0].metres is not None and by_distance[0].metres < 50


def test_a_submitted_inspection_completes_the_open_inspection_work_of_its_venue_and_is_linked(
        records: Records, replica: Replica) -> None:
    today = clock.today()
    venue_id = placed(records, "月河宾馆", 30.77, 120.75)
    mine = assignment(replica, venue_id, today + timedelta(days=3))
    scheduled = assignment(replica, venue_id, today - timedelta(days=1), officer_id=None, origin="schedule",
                           status="missed")
    colleagues = assignment(replica, venue_id, today, officer_id=COLLEAGUE)
    draft = records.save("inspection", {"venue_id": venue_id, "officer_id": OFFICER,
                                        "inspected_at": clock.local_now_text()}, submit=False)
    assert complete_assignments(records, draft, OFFICER) == []
    submitted = records.save("inspection", {"status": "submitted"}, draft.id)
    assert sorted(complete_assignments(records, submitted, OFFICER)) == sorted([mine, scheduled])
    done = records.get("assignment", mine)
    assert done is not None and (done.data["status"], done.data["inspection_id"]) == ("done", submitted.id)
    assert records.get("assignment", colleagues).data["status"] == "open"  # type: ignore[union-attr]


def test_a_log_sent_again_after_it_was_returned_completes_no_newer_work(
        records: Records, replica: Replica) -> None:
    venue_id = placed(records, "月河宾馆", 30.77, 120.75)
    newer = assignment(replica, venue_id, clock.today() + timedelta(days=3))
    resent = records.save("inspection", {"venue_id": venue_id, "officer_id": OFFICER, "status": "submitted",
                                         "inspected_at": clock.local_now_text()})
    assert complete_assignments(records, resent, OFFICER, status_before="returned") == []
    assert records.get("assignment", newer).data["status"] == "open"  # type: ignore[union-attr]


def test_a_done_follow_up_completes_the_case_revisit_of_its_case_number_only(
        records: Records, replica: Replica) -> None:
    today = clock.today()
    venue_id = placed(records, "月河宾馆", 30.77, 120.75)
    revisit = {"kind": "case_revisit", "visit_whom": "报案人"}
    asked = assignment(replica, venue_id, today, case_number="A-1", **revisit)
    other = assignment(replica, venue_id, today, case_number="A-2", **revisit)
    visit = records.save("followup", {"venue_id": venue_id, "officer_id": OFFICER, "subject_kind": "case",
                                      "case_number": "A-1", "due_date": today.isoformat(), "status": "done",
                                      "visited_at": clock.local_now_text()})
    assert complete_assignments(records, visit, OFFICER) == [asked]
    assert records.get("assignment", asked).data["followup_id"] == visit.id  # type: ignore[union-attr]
    assert records.get("assignment", other).data["status"] == "open"  # type: ignore[union-attr]


def test_notices_are_new_until_the_officer_opens_the_list(records: Records, replica: Replica, store: Store) -> None:
    def notice(raised_at: str) -> dict[str, Any]:
        return {**pulled(str(uuid.uuid4()), 1, {"person_id": OFFICER, "kind": "assigned", "subject_type": "assignment",
                                                "subject_id": str(uuid.uuid4()), "summary": "", "raised_at": raised_at,
                                                "read_at": None}), "type": "notice"}

    replica.apply_page(page(notice("2026-06-14T09:00:00+00:00"), notice("2026-06-15T09:00:00+00:00")))
    assert unseen(records) == 2
    shown = notices(records)
    assert [n.data["raised_at"] for n in shown] == ["2026-06-15T09:00:00+00:00", "2026-06-14T09:00:00+00:00"]
    mark_seen(store, shown)
    assert unseen(records) == 0
    replica.apply_page(page(notice("2026-06-16T09:00:00+00:00")))
    assert unseen(records) == 1
