"""The handheld app in a real window with a big beat: cold start to Today, and opening the inspection form.

    python -m bench.handheld_ui_bench --venues 10000 --logs 5000 --starts 5 --forms 20

One store is filled (10,000 venues as a first sync lands them, 5,000 inspections and
follow-ups of the officer over two years, a few drafts and unsent edits), then each
measurement runs in processes of its own, driving the app as the UI tests do (Kivy's
window under Xvfb, started here when ``DISPLAY`` is unset): a cold start is the time from
launching the process to Today drawn with its data, the officer's password typed and
Unlock tapped on the way; opening the form is the time from the tap on "Inspect this
venue" to the inspection form drawn. ``--profile DIR`` leaves a cProfile of each app
process there. The result is JSON on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from bench.handheld_app_run import PASSWORD
from bench.handheld_bench import land, load_venues, pulled
from bench.harness import inspection, machine
from mobile.account import store_key, verifier
from mobile.store import Records, Replica, Store
from server.demo.catalog import CHECKLISTS

KIND = "shop"
CHINA = timezone(timedelta(hours=8))
MORNING = datetime(2026, 12, 2, 9, tzinfo=CHINA)
"""The time the app reads (``BEATLOG_CLOCK``), so Today holds the same work on every run."""
TODAY = MORNING.date()


def fill_store(directory: Path, venues: int, logs: int, rng: random.Random) -> None:
    """An officer's phone after a long time on a big beat: everything synced but a few drafts and edits."""
    store_salt = os.urandom(16)
    store = Store(directory, key=store_key(PASSWORD, store_salt))
    store.set_meta("store_salt", store_salt.hex())
    replica, records = Replica(store), Records(store)
    room, officer, template = (str(uuid.uuid4()) for _ in range(3))
    title_zh, title_en, items = CHECKLISTS[KIND]
    land(replica, [pulled("checklist_template", template, {
        "venue_kind": KIND, "title_zh": title_zh, "title_en": title_en,
        "items": [{"key": key, "label_zh": zh, "label_en": en} for key, zh, en in items]})])
    land(replica, [pulled("person", officer, {"username": "officer1", "display_name": "张明", "role": "officer",
                                              "room_id": room, "star_level": 3})])
    venue_ids = load_venues(replica, venues, room, rng, KIND)
    land(replica, [pulled(*log) for log in officer_logs(venue_ids, officer, template, logs, rng)])
    for venue_id in venue_ids[:3]:
        records.save("inspection", {**logged(venue_id, officer, template, MORNING, rng),
                                    "status": "draft"}, submit=False)
    for venue_id in venue_ids[3:8]:
        records.save("inspection", logged(venue_id, officer, template, MORNING, rng))
    salt = os.urandom(16)
    with store.transaction() as db:
        for key, value in (("user", {"id": officer, "username": "officer1", "display_name": "张明",
                                     "role": "officer", "room_id": room}),
                           ("server_url", "http://127.0.0.1:9"), ("token", "bench"), ("device_name", "bench"),
                           ("verifier", [salt.hex(), verifier(PASSWORD, salt).hex()])):
            store.set_meta(key, value, db)
    store.close()


def logged(venue_id: str, officer: str, template: str, moment: datetime, rng: random.Random) -> dict[str, Any]:
    """An inspection against the template's items (the sync bench's record, with this checklist)."""
    keys = [key for key, _zh, _en in CHECKLISTS[KIND][2]]
    record = inspection(venue_id, officer, template, moment, rng)
    record["checklist"] = {key: answer for key, answer in zip(keys, record["checklist"].values(), strict=False)}
    return record


def officer_logs(venue_ids: list[str], officer: str, template: str, count: int,
                 rng: random.Random) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Two inspections to a follow-up over two years; a handful returned, a few dozen follow-ups still planned."""
    start = datetime.combine(TODAY, datetime.min.time(), CHINA) - timedelta(days=730)
    for index in range(count):
        moment = start + timedelta(minutes=index * 730 * 24 * 60 // count)
        venue_id = rng.choice(venue_ids)
        if index % 3:
            record = logged(venue_id, officer, template, moment, rng)
            returned = rng.random() < 0.004
            record.update(status="returned" if returned else "approved", reviewer_id=officer,
                          reviewed_at=(moment + timedelta(days=1)).isoformat(),
                          review_comment="请补充整改照片" if returned else "")
            yield "inspection", str(uuid.uuid4()), record
            continue
        planned = index > count - 120
        due = TODAY + timedelta(days=rng.randint(-10, 10)) if planned else (moment + timedelta(days=7)).date()
        yield "followup", str(uuid.uuid4()), {
            "venue_id": venue_id, "officer_id": officer, "subject_kind": "case", "case_number": f"A{index:06d}",
            "due_date": due.isoformat(), "status": "planned" if planned else "done",
            "visited_at": None if planned else (moment + timedelta(days=7)).isoformat(),
            "outcome": "" if planned else "已回访，群众对处理结果表示认可", "notes": "",
            "satisfaction": None if planned else "satisfied"}


def summary(spent_ms: list[float]) -> dict[str, float]:
    spent = sorted(spent_ms)
    return {"count": len(spent), "p50_ms": round(statistics.median(spent), 1),
            "p95_ms": round(spent[max(0, round(len(spent) * 0.95) - 1)], 1), "max_ms": round(spent[-1], 1)}


@contextmanager
def display() -> Iterator[None]:
    if os.environ.get("DISPLAY"):
        yield
        return
    if shutil.which("Xvfb") is None:
        raise SystemExit("Xvfb is not installed (apt-get install xvfb libgl1-mesa-dri), and DISPLAY is unset")
    from tests.mobile.ui.driver import private_display

    with private_display():
        yield


def launch(data_dir: Path, forms: int, profile: Path | None) -> dict[str, Any]:
    """One app process; its figures come back as the last line it prints."""
    command = [sys.executable, "-m", "bench.handheld_app_run", str(data_dir), "--forms", str(forms)]
    if profile is not None:
        command += ["--profile", str(profile)]
    launched = time.monotonic()
    done = subprocess.run([*command, "--launched", repr(launched)], capture_output=True, text=True, check=False,
                          env={**os.environ, "BEATLOG_CLOCK": MORNING.isoformat()})
    if done.returncode:
        raise SystemExit(f"the app process failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venues", type=int, default=10000)
    parser.add_argument("--logs", type=int, default=5000)
    parser.add_argument("--starts", type=int, default=5, help="cold starts, one process each")
    parser.add_argument("--forms", type=int, default=20, help="form openings, in one more process")
    parser.add_argument("--profile", type=Path, help="a folder for the app processes' cProfile files")
    args = parser.parse_args()
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as directory, display():
        data_dir = Path(directory)
        started = time.monotonic()
        fill_store(data_dir / "store", args.venues, args.logs, random.Random(2018))
        filled_s = time.monotonic() - started
        starts = [launch(data_dir, 0, args.profile and args.profile / f"cold-{n}.prof") for n in range(args.starts)]
        forms = launch(data_dir, args.forms, args.profile and args.profile / "form.prof")
    report = {
        "benchmark": "handheld_ui", "machine": machine(), "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": {key: str(value) if isinstance(value, Path) else value for key, value in vars(args).items()},
        "store_filled_s": round(filled_s, 1),
        "cold_start_to_unlock": summary([start["to_unlock_ms"] for start in starts]),
        "cold_start_to_today": summary([start["cold_start_ms"] for start in starts]),
        "cold_start_to_today_cpu": summary([start["cold_start_cpu_ms"] for start in starts]),
        "open_inspection_form": summary(forms["form_ms"]),
        "open_inspection_form_cpu": summary(forms["form_cpu_ms"]),
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
