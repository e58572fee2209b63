"""One app process of the handheld UI bench (:mod:`bench.handheld_ui_bench`): open, unlock, Today, then the form.

    python -m bench.handheld_app_run DATA_DIR --launched MONOTONIC [--forms N] [--profile FILE]

It imports only what the app and the UI tests' driver import, so that a cold start measures the
app's own start. It prints one line of JSON: milliseconds from ``--launched`` (the launcher's
``time.monotonic()`` just before it started this process) to the unlock screen drawn, and to Today
drawn with its first screenful of work, less the time the driver took to type the password (the officer's, not the
app's), and the processor time the process had spent by then; and each form opening's, both ways.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import tempfile
import time
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Any

PASSWORD = "bench-password"


def run_app(data_dir: Path, launched: float, forms: int, profile: Path | None) -> dict[str, Any]:
    """In the app's process: open it, unlock, wait for Today; then open the form ``forms`` times."""
    profiler = cProfile.Profile() if profile else None
    with tempfile.TemporaryDirectory() as kivy_home, (profiler if profiler and not forms else nullcontext()):
        from tests.mobile.ui.driver import Officer, close_app, open_app, open_window

        window = open_window(Path(kivy_home))
        officer = Officer(open_app(data_dir, "http://127.0.0.1:9"), window)
        unlock_shown = drawn(lambda: officer.screen.name == "unlock")
        officer.type("password", PASSWORD)
        typed = time.monotonic()
        officer.tap("unlock")
        today_shown = drawn(lambda: today_drawn(officer))
        today_cpu = time.process_time()
        venues = [venue.id for venue in officer.app.records.search_venues("", limit=forms)]
        if forms:
            read_today(officer)
        opening = []
        for venue_id in venues:
            officer.app.go("venue", record_id=venue_id)
            officer.settle()
            with profiler or nullcontext():
                opening.append(open_form(officer))
            officer.back()
            officer.on("venue")
        close_app(officer.app, window)
    if profiler is not None and profile is not None:
        profiler.dump_stats(profile)
    return {"to_unlock_ms": (unlock_shown - launched) * 1000,
            "cold_start_ms": (today_shown - launched - (typed - unlock_shown)) * 1000,
            "cold_start_cpu_ms": today_cpu * 1000, "form_ms": [spent for spent, _cpu in opening],
            "form_cpu_ms": [cpu for _spent, cpu in opening]}


def read_today(officer: Any, seconds: float = 1.0) -> None:
    """The officer reads Today for a moment before going on (the app builds the next screens meanwhile)."""
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        officer.pump(1)
        time.sleep(0.01)


def today_drawn(officer: Any) -> bool:
    """Today shows its work (the rows below the first screenful may still be coming, a few per frame)."""
    return officer.screen.name == "home" and bool(officer.rows("work"))


def open_form(officer: Any) -> tuple[float, float]:
    """Tap "Inspect this venue"; milliseconds until the form is on screen with its checklist, drawn, and
    the processor time the app spent on it meanwhile (all its threads; what a busy machine does not inflate)."""
    from kivy.tests.common import UnitTestTouch

    button = officer.widget("inspect")
    x, y = button.to_window(*button.center)
    tapped, cpu = time.monotonic(), time.process_time()
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    touch.touch_up()
    shown = drawn(lambda: officer.screen.name == "inspection" and not officer.app.background.busy)
    return (shown - tapped) * 1000, (time.process_time() - cpu) * 1000


def drawn(shown: Callable[[], bool], timeout: float = 60.0) -> float:
    """Run the app's frames until ``shown()``; the moment the frame after it (which draws it) is done."""
    from kivy.base import EventLoop

    deadline = time.monotonic() + timeout
    while not shown():
        if time.monotonic() > deadline:
            raise TimeoutError("the screen never came")
        EventLoop.idle()
    EventLoop.idle()
    return time.monotonic()



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--launched", type=float, required=True)
    parser.add_argument("--forms", type=int, default=0)
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args()
    print(json.dumps(run_app(args.data_dir, args.launched, args.forms, args.profile)))


if __name__ == "__main__":
    main()
