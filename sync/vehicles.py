"""一车一档: a vehicle's file, folded from the work orders that name its plate.

The server keeps one ``vehicle`` record per plate ever reported and writes it again whenever a
report naming the plate is made or changes (``server.operations.vehicles``). The handheld reads
it to say, while a plate is being typed, how often the plate was reported and whether a report
now would be flagged as a repeat. Both use this module and ``work_orders.is_repeat``, so the
warning on the phone is the flag the server then sets on the order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sync.work_orders import REPEAT_WINDOW, is_repeat


@dataclass(frozen=True)
class Sighting:
    """One report naming the plate: when it was made, and the colour and make its reporter noted."""

    reported_at: datetime
    colour: str = ""
    make: str = ""


def vehicle_file(plate: str, sightings: Iterable[Sighting]) -> dict[str, Any]:
    """The vehicle record's fields for a plate named by these reports (at least one).

    ``recent_reports`` keeps the report times within the repeat window before the latest, which
    is every time a later report could count; ``flagged`` says the latest report was a repeat.
    The colour and make are the latest a reporter noted.
    """
    ordered = sorted(sightings, key=lambda sighting: sighting.reported_at)
    if not ordered:
        raise ValueError("a vehicle file needs at least one report")
    last = ordered[-1].reported_at
    recent = [sighting.reported_at for sighting in ordered if sighting.reported_at >= last - REPEAT_WINDOW]
    return {
        "plate": plate,
        "colour": next((sighting.colour for sighting in reversed(ordered) if sighting.colour), ""),
        "make": next((sighting.make for sighting in reversed(ordered) if sighting.make), ""),
        "report_count": len(ordered),
        "first_reported_at": ordered[0].reported_at,
        "last_reported_at": last,
        "recent_reports": recent,
        "flagged": is_repeat(recent[:-1], last),
    }

