"""A GPS fix with its accuracy, and a flag when it is mocked or missing.

On Android plyer's GPS facade delivers fixes; elsewhere there is no receiver, and the
fallback says so: it gives no fix at all unless a fixed desktop position is configured, and
such a position is always marked ``mocked`` so no one mistakes it for a real fix.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from mobile.services.platform import on_a_phone
from sync import clock


@dataclass(frozen=True)
class Fix:
    lat: float
    lon: float
    accuracy_m: float | None
    mocked: bool
    fixed_at: str

    def wire(self) -> dict[str, Any]:
        """As the wire schemas' ``location`` expects it."""
        return asdict(self)


class Location:
    """The latest fix, updated in the background; ``None`` while there is none."""

    def __init__(self, desktop_position: tuple[float, float] | None = None, max_age_s: float = 120) -> None:
        self.desktop_position = desktop_position
        self.max_age_s = max_age_s
        self.latest: Fix | None = None
        self.lock = threading.Lock()
        self.listeners: list[Callable[[Fix], None]] = []
        self.hardware = self._plyer_gps()

    @staticmethod
    def _plyer_gps() -> Any:
        return on_a_phone("gps")

    def start(self) -> None:
        if self.hardware is not None:
            try:
                self.hardware.configure(on_location=self.on_location)
                self.hardware.start(minTime=1000, minDistance=0)
                return
            except NotImplementedError:
                self.hardware = None
        if self.desktop_position is not None:
            lat, lon = self.desktop_position
            self.on_location(lat=lat, lon=lon, accuracy=None, mock=True)

    def stop(self) -> None:
        if self.hardware is not None:
            self.hardware.stop()

    def on_location(self, **reading: Any) -> None:
        fix = Fix(
            lat=float(reading["lat"]),
            lon=float(reading["lon"]),
            accuracy_m=None if reading.get("accuracy") is None else float(reading["accuracy"]),
            mocked=bool(reading.get("mock") or reading.get("is_mock") or reading.get("isFromMockProvider")),
            fixed_at=clock.local_now_text(),
        )
        with self.lock:
            self.latest = fix
        for listener in self.listeners:
            listener(fix)

    def current(self) -> Fix | None:
        """The latest fix if it is fresh enough, else ``None`` (no fix, and the form says so)."""
        with self.lock:
            fix = self.latest
        if fix is None:
            return None
        age = (clock.now() - datetime.fromisoformat(fix.fixed_at)).total_seconds()
        return fix if age <= self.max_age_s else None
