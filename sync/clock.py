"""Where Beatlog reads "now" and "today": one clock for the server and the handheld.

Every part of Beatlog that needs the time (stamping a change, a token's expiry, what is
overdue on the dashboard, a form's default deadline) asks this module, never
``datetime.now()`` or ``date.today()``. A test, a demo or a training session can then set
the clock once for the whole process with ``set_clock(Clock.at(anchor))``, or, for a
process started from outside such as a server under test, with the environment variable
``BEATLOG_CLOCK``.

``BEATLOG_CLOCK`` is an ISO 8601 instant with its UTC offset, the time the process should
read when it starts. Processes that must agree to the second (a test's server and its
handheld) add ``@`` and the system's real instant at which the first one held:
``2026-06-15T10:00:00+08:00@2026-12-02T00:41:07+00:00``. A set clock runs on at the real
pace, so timeouts and orderings behave as in production while every date is the anchor's;
``frozen`` stops it at the anchor for a test that needs one exact instant.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, tzinfo

ENVIRONMENT_VARIABLE = "BEATLOG_CLOCK"


def _system_now() -> datetime:
    return datetime.now(UTC)


class Clock:
    """The time as this process sees it: the system's, moved by an offset, or frozen."""

    def __init__(self, offset: timedelta = timedelta(0), *, frozen_at: datetime | None = None) -> None:
        self.offset = offset
        self.frozen_at = frozen_at.astimezone(UTC) if frozen_at is not None else None

    @classmethod
    def at(cls, anchor: datetime, *, since: datetime | None = None, frozen: bool = False) -> Clock:
        """A clock that reads ``anchor`` now (or at the real instant ``since``), and runs on unless frozen."""
        if anchor.tzinfo is None or (since is not None and since.tzinfo is None):
            raise ValueError("A clock's instants need their UTC offset.")
        if frozen:
            return cls(frozen_at=anchor)
        return cls(anchor - (since or _system_now()))

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Clock:
        raw = environ.get(ENVIRONMENT_VARIABLE, "").strip()
        if not raw:
            return cls()
        anchor, _, since = raw.partition("@")
        try:
            return cls.at(datetime.fromisoformat(anchor), since=datetime.fromisoformat(since) if since else None)
        except ValueError:
            raise RuntimeError(
                f"{ENVIRONMENT_VARIABLE} must be an ISO 8601 instant with its offset (optionally @ the real "
                f"instant it held at), not {raw!r}") from None

    def environ_value(self) -> str:
        """This clock as ``BEATLOG_CLOCK``, for a process that must read the same time."""
        if self.frozen_at is not None:
            return self.frozen_at.isoformat()
        real = _system_now()
        return f"{(real + self.offset).isoformat()}@{real.isoformat()}"

    def now(self) -> datetime:
        """The current instant, in UTC."""
        if self.frozen_at is not None:
            return self.frozen_at
        return _system_now() + self.offset

    def today(self, zone: tzinfo | None = None) -> date:
        """Today's date in ``zone``; without one, in this machine's local time zone."""
        moment = self.now()
        return (moment.astimezone(zone) if zone is not None else moment.astimezone()).date()


_clock = Clock.from_environ(os.environ)


def set_clock(clock: Clock) -> Clock:
    """Make ``clock`` this process's clock; returns the one it replaces."""
    global _clock
    previous, _clock = _clock, clock
    return previous


def current_clock() -> Clock:
    return _clock


def now() -> datetime:
    """The current instant, in UTC, from this process's clock."""
    return _clock.now()


def today(zone: tzinfo | None = None) -> date:
    """Today in ``zone`` (the machine's local zone without one), from this process's clock."""
    return _clock.today(zone)


def local_now() -> datetime:
    """The current instant in this machine's local time zone, with its offset (device time)."""
    return _clock.now().astimezone()


def now_text() -> str:
    """The current instant as ISO 8601 text in UTC, the form every stored and sent time takes."""
    return _clock.now().isoformat()


def local_now_text() -> str:
    """Device time as ISO 8601 text: this machine's local time to the second, with its offset."""
    return local_now().isoformat(timespec="seconds")
