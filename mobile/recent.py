"""The venues an officer most likely means next: the ones they worked at lately and the ones around them.

Shown on Today so that a venue is one tap away. Recent venues are those opened on this phone
(kept in the store's meta, newest first) followed by those of the officer's own latest
inspections and follow-ups, so a freshly signed-in phone already has some. Nearby venues need
a GPS fix and a venue position; they are picked with a bounding box in SQLite, then by distance.
"""

from __future__ import annotations

import math
from itertools import chain, islice

from mobile.services.location import Fix
from mobile.store import LocalRecord, Records, Store

OPENED_KEY = "recent_venues"
KEPT_OPENED = 12
EARTH_RADIUS_M = 6_371_000.0


def remember_opened(store: Store, venue_id: str) -> None:
    """Put a venue first in the phone's list of opened venues."""
    opened = [venue_id, *(kept for kept in store.get_meta(OPENED_KEY, []) if kept != venue_id)]
    store.set_meta(OPENED_KEY, opened[:KEPT_OPENED])


def recent_venues(records: Records, officer_id: str | None, limit: int = 4) -> list[LocalRecord]:
    """Venues opened on this phone, then those of the officer's latest logs, newest first, each once."""
    opened = records.store.get_meta(OPENED_KEY, [])
    worked = (venue_id for venue_id in records.worked_venue_ids(officer_id) if venue_id not in opened)
    candidates = chain(opened, worked)
    found: list[LocalRecord] = []
    while len(found) < limit:
        batch = list(islice(candidates, limit))
        if not batch:
            break
        found += records.by_ids("venue", batch)
    return found[:limit]


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), plenty for a beat of a few kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def nearby_venues(records: Records, fix: Fix | None, radius_m: float = 300, limit: int = 4) -> list[LocalRecord]:
    """Venues with a known position within ``radius_m`` of the fix, nearest first; none without a fix."""
    if fix is None:
        return []
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlon = dlat / max(math.cos(math.radians(fix.lat)), 0.01)
    rows = records.store.query(
        "SELECT id FROM record WHERE type = 'venue' AND hidden = 0"
        " AND json_extract(local, '$.location.lat') BETWEEN ? AND ?"
        " AND json_extract(local, '$.location.lon') BETWEEN ? AND ?",
        (fix.lat - dlat, fix.lat + dlat, fix.lon - dlon, fix.lon + dlon))
    candidates = records.by_ids("venue", [row["id"] for row in rows])
    placed = sorted(((distance_m(fix.lat, fix.lon, venue.data["location"]["lat"], venue.data["location"]["lon"]), venue)
                     for venue in candidates), key=lambda placed_venue: placed_venue[0])
    return [venue for distance, venue in placed if distance <= radius_m][:limit]
