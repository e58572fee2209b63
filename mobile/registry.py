"""The rental registry on the phone: the room's houses and who is registered in them, from the local store alone.

What Today lists of it (houses no officer verified for 90 days, foreigners registered more than
24 hours after arriving, registrations marked "moved?" because the same document was registered
elsewhere since) and what the house screen shows, always masked (``sync.registry.masked``): the
officer sees a name or a number whole only in the form that edits it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from mobile.store import LocalRecord, Records
from sync import clock
from sync.records import RECORD_TYPES
from sync.registry import is_open, masked, registered_late

UNVERIFIED_AFTER = timedelta(days=90)


@dataclass(frozen=True)
class RegistryWork:
    """What of the registry Today lists."""

    unverified: list[LocalRecord]
    late: list[LocalRecord]
    moved_query: list[LocalRecord]
    houses: dict[str, LocalRecord]
    """Every house, by id: where each registration listed is."""


def shown(record: LocalRecord) -> dict[str, Any]:
    """A registry record's data as lists show it: its personal fields masked."""
    return masked(RECORD_TYPES[record.type].sealed, record.data)


def houses(records: Records) -> list[LocalRecord]:
    return sorted(records.all("rental_house"), key=lambda house: house.data.get("address", ""))


def residents(records: Records, house_id: str) -> list[LocalRecord]:
    """A house's registrations: the open ones by unit, then those moved out, latest first."""
    found = [record for record in records.all("occupant") if record.data.get("house_id") == house_id]
    open_now = sorted((r for r in found if is_open(r.data)), key=lambda r: (r.data.get("unit", ""), r.id))
    closed = sorted((r for r in found if not is_open(r.data)), key=lambda r: r.data.get("moved_out_at") or "",
                    reverse=True)
    return [*open_now, *closed]


def applications(records: Records) -> dict[str, LocalRecord]:
    """Each registration's residence-permit application (its latest, where there were several), by registration id."""
    return {permit.data["occupant_id"]: permit for permit in sorted(
        records.all("residence_permit"), key=lambda permit: permit.data.get("applied_at", ""))}


def unverified(house: LocalRecord, now: datetime) -> bool:
    verified = house.data.get("last_verified_at")
    return house.data.get("status") != "closed" and (
        not verified or now - datetime.fromisoformat(verified) > UNVERIFIED_AFTER)


def registry_work(records: Records) -> RegistryWork:
    now = clock.now()
    registrations = [record for record in records.all("occupant") if is_open(record.data)]
    every_house = houses(records)
    return RegistryWork(
        unverified=[house for house in every_house if unverified(house, now)],
        late=[record for record in registrations if registered_late(record.data)],
        moved_query=[record for record in registrations if record.data.get("superseded_at")],
        houses={house.id: house for house in every_house},
    )


def open_count(records: Records) -> dict[str, int]:
    """Each house's residents now (open registrations), by house id."""
    counts: dict[str, int] = {}
    for record in records.all("occupant"):
        if is_open(record.data):
            counts[record.data["house_id"]] = counts.get(record.data["house_id"], 0) + 1
    return counts
