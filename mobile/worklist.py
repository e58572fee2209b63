"""Today's work on the device: follow-ups due and overdue, logs a chief returned, drafts.

Computed from the local store alone, so the officer sees it with no network. Dates are the
officer's local calendar days. Only the records that can be work are read (planned follow-ups,
returned and unsent inspections), so years of settled logs cost nothing here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from mobile.store import LocalRecord, Records, SyncState


@dataclass
class Worklist:
    overdue: list[LocalRecord] = field(default_factory=list)
    due_today: list[LocalRecord] = field(default_factory=list)
    upcoming: list[LocalRecord] = field(default_factory=list)
    returned: list[LocalRecord] = field(default_factory=list)
    drafts: list[LocalRecord] = field(default_factory=list)
    needs_attention: list[LocalRecord] = field(default_factory=list)

    def days_overdue(self, followup: LocalRecord, today: date) -> int:
        return (today - date.fromisoformat(followup.data["due_date"])).days


def worklist(records: Records, today: date, officer_id: str | None = None, upcoming_days: int = 7) -> Worklist:
    """What needs doing, most urgent first; ``officer_id`` limits it to one officer's work."""
    work = Worklist()
    for followup in records.in_status("followup", "planned"):
        if officer_id and followup.data.get("officer_id") != officer_id:
            continue
        due = date.fromisoformat(followup.data["due_date"])
        if due < today:
            work.overdue.append(followup)
        elif due == today:
            work.due_today.append(followup)
        elif (due - today).days <= upcoming_days:
            work.upcoming.append(followup)
    for inspection in records.in_status("inspection", "returned", unsent=True):
        if officer_id and inspection.data.get("officer_id") != officer_id:
            continue
        if inspection.data.get("status") == "returned" and inspection.state is not SyncState.QUEUED:
            work.returned.append(inspection)
        if inspection.state is SyncState.DRAFT:
            work.drafts.append(inspection)
    work.needs_attention = [r for r in records.needing_attention() if not r.detail.get("left_scope")]
    work.overdue.sort(key=lambda r: r.data["due_date"])
    work.due_today.sort(key=lambda r: r.data.get("venue_id", ""))
    work.upcoming.sort(key=lambda r: r.data["due_date"])
    work.returned.sort(key=lambda r: r.data.get("reviewed_at") or "", reverse=True)
    return work
