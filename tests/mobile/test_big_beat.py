"""A phone with years of settled logs: Today and the sync bar read what they show, not all the phone holds."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from mobile.recent import recent_venues
from mobile.store import Records, Replica, Store
from mobile.worklist import worklist
from tests.mobile.test_store import page, synced_venue

TODAY = date(2026, 12, 2)
SETTLED = 300


def log(record_type: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": record_type, "id": str(uuid.uuid4()), "version": 2, "deleted": False, "updated_at": "x",
            "updated_by": None, "data": data}


@pytest.fixture
def loaded(records: Records, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Counts the records read from the store (each one parsed into a ``LocalRecord``)."""
    read: list[int] = []
    parse = Records._local_record

    def counted(row: Any, entries: Any) -> Any:
        read.append(1)
        return parse(row, entries)

    monkeypatch.setattr(Records, "_local_record", staticmethod(counted))
    yield read


def test_todays_work_and_the_records_needing_attention_read_only_what_can_be_work(
        records: Records, replica: Replica, loaded: list[int]) -> None:
    officer, venue = str(uuid.uuid4()), synced_venue(replica)
    settled = [log("inspection", {"venue_id": venue, "officer_id": officer, "status": "approved",
                                  "inspected_at": f"2025-01-01T09:{n % 60:02d}:00+08:00"}) for n in range(SETTLED)]
    settled += [log("followup", {"venue_id": venue, "officer_id": officer, "subject_kind": "case", "status": "done",
                                 "due_date": "2025-02-01"}) for _ in range(SETTLED)]
    planned = log("followup", {"venue_id": venue, "officer_id": officer, "subject_kind": "case", "status": "planned",
                               "due_date": (TODAY - timedelta(days=1)).isoformat()})
    returned = log("inspection", {"venue_id": venue, "officer_id": officer, "status": "returned",
                                  "inspected_at": "2026-11-30T09:00:00+08:00"})
    replica.apply_page(page(*settled, planned, returned))
    draft = records.save("inspection", {"venue_id": venue, "officer_id": officer,
                                        "inspected_at": "2026-12-01T09:00:00+08:00"}, submit=False)
    loaded.clear()

    work = worklist(records, TODAY, officer)

    assert [r.id for r in work.overdue] == [planned["id"]]
    assert [r.id for r in work.returned] == [returned["id"]]
    assert [r.id for r in work.drafts] == [draft.id]
    assert len(loaded) <= 5
    loaded.clear()
    assert records.needing_attention() == []
    assert len(loaded) <= 1


def test_recent_venues_read_the_latest_logs_first_and_stop_when_they_have_enough(
        records: Records, replica: Replica, store: Store, loaded: list[int]) -> None:
    officer = str(uuid.uuid4())
    venues = [synced_venue(replica, name=f"月河宾馆{n}") for n in range(8)]
    replica.apply_page(page(*(log("inspection", {
        "venue_id": venues[n % 8], "officer_id": officer, "status": "approved",
        "inspected_at": f"2026-{1 + n % 8:02d}-01T09:00:00+08:00"}) for n in range(SETTLED))))
    replica.apply_page(page(log("followup", {
        "venue_id": venues[0], "officer_id": str(uuid.uuid4()), "subject_kind": "case", "status": "done",
        "due_date": "2026-11-01", "visited_at": "2026-11-30T09:00:00+08:00"})))
    loaded.clear()

    assert [v.id for v in recent_venues(records, officer, limit=3)] == [venues[7], venues[6], venues[5]]
    assert [v.id for v in recent_venues(records, None, limit=2)] == [venues[0], venues[7]]
    assert len(loaded) <= 5
