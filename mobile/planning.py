"""The officer's planned work on the phone (``sync.planning``), offline: what falls due this week, what a
saved log completes, and the notices the server sent.

Due this week: the room's scheduled inspections (no officer: whoever of the room goes) and the
assignments given to this officer, open or missed, due within seven days, nearest first when
the phone has a GPS fix and the venue a position, else soonest first.

A submitted inspection of a venue completes the open inspection assignments of that venue the
officer may do; a follow-up marked done completes the case re-visits of its venue and case
number. The completion is an ordinary change of the assignment, sent with the log.

Notices are read-only records; which ones the officer has seen is this phone's own business
(the newest notice seen, kept in the store's meta).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from mobile.recent import distance_m
from mobile.services.location import Fix
from mobile.store import LocalRecord, Records, Store
from sync import clock
from sync.planning import STILL_TO_DO

SEEN_KEY = "notices_seen_until"
DUE_WITHIN = timedelta(days=7)


@dataclass
class DueWork:
    assignment: LocalRecord
    venue: LocalRecord | None
    metres: float | None

    @property
    def due_date(self) -> date:
        return date.fromisoformat(self.assignment.data["due_date"])


def mine(assignment: LocalRecord, officer_id: str | None) -> bool:
    """Whether the officer may do this assignment: theirs, or scheduled for their room."""
    data = assignment.data
    return data.get("status") in STILL_TO_DO and (
        data.get("officer_id") == officer_id or (data.get("officer_id") is None and data.get("origin") == "schedule"))


def listed(assignment: LocalRecord, officer_id: str | None) -> bool:
    """Whether Today lists it: the officer's own work, open or missed, and the room's open scheduled inspections.

    A missed scheduled inspection is not listed: the server planned the venue's next one, which is.
    """
    scheduled_missed = assignment.data.get("origin") == "schedule" and assignment.data.get("status") == "missed"
    return mine(assignment, officer_id) and not scheduled_missed


def due_this_week(records: Records, today: date, officer_id: str | None, fix: Fix | None) -> list[DueWork]:
    due = [assignment for assignment in records.all("assignment") if listed(assignment, officer_id)
           and date.fromisoformat(assignment.data["due_date"]) <= today + DUE_WITHIN]
    venues = {venue.id: venue for venue in records.by_ids(
        "venue", sorted({a.data["venue_id"] for a in due if a.data.get("venue_id")}))}
    work = [DueWork(assignment, venue := venues.get(assignment.data.get("venue_id") or ""), metres(venue, fix))
            for assignment in due]
    return sorted(work, key=lambda item: (item.metres is None, item.metres or 0.0, item.due_date))


def metres(venue: LocalRecord | None, fix: Fix | None) -> float | None:
    place = venue.data.get("location") if venue is not None else None
    if fix is None or not place:
        return None
    return distance_m(fix.lat, fix.lon, place["lat"], place["lon"])


def complete_assignments(records: Records, saved: LocalRecord, officer_id: str | None,
                         status_before: str | None = None) -> list[str]:
    """Complete the assignments a log just made does (submitted now, or a visit just done); their ids.

    A log sent again after the chief returned it, or a visit edited after it was done, does no new
    work: it completes nothing (the server would refuse a link to a record older than the work).
    """
    data = saved.data
    if status_before in ("submitted", "approved", "returned", "done"):
        return []
    if saved.type == "inspection" and data.get("status") == "submitted":
        kind, link, matches = "inspection", "inspection_id", lambda a: True
    elif saved.type == "followup" and data.get("status") == "done":
        kind, link = "case_revisit", "followup_id"
        matches = lambda a: a.data.get("case_number") == data.get("case_number")  # noqa: E731
    else:
        return []
    done = [assignment for assignment in records.of_venue("assignment", data["venue_id"])
            if assignment.data.get("kind") == kind and mine(assignment, officer_id) and matches(assignment)]
    for assignment in done:
        records.save("assignment", {"status": "done", link: saved.id, "done_at": clock.local_now_text()},
                     assignment.id)
    return [assignment.id for assignment in done]


def notices(records: Records) -> list[LocalRecord]:
    return sorted(records.all("notice"), key=lambda notice: notice.data["raised_at"], reverse=True)


def unseen(records: Records) -> int:
    """How many notices arrived since the officer last opened the list."""
    seen = records.store.get_meta(SEEN_KEY, "")
    return sum(1 for notice in records.all("notice") if notice.data["raised_at"] > seen)


def mark_seen(store: Store, shown: list[LocalRecord]) -> None:
    if shown:
        store.set_meta(SEEN_KEY, max(notice.data["raised_at"] for notice in shown))
