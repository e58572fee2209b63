"""Dashboard pages at a million logs, as the admin and as a station chief, over loopback HTTP.

For each backend: a database with ``--inspections`` inspections and ``--followups`` follow-ups
over 100 rooms in 10 stations (an officer per room, a chief per station, ten venues per room,
a checklist template per venue kind), spread over the last two years. People, rooms, venues
and templates go through the app's own operations; the logs are bulk-inserted at the driver
level (``executemany`` on SQLite, ``COPY`` on PostgreSQL), not through the sync push. The
filled database is kept (a file under ``--cache``, or a PostgreSQL database named after the
sizes) so a second run only migrates it and measures. Then the server runs under gunicorn (two
workers) and each page is requested ``--repeat`` times per role; the CSV export is timed to its
first byte and to its end (a room's logs, a chief's station; every log as the admin only with
``--full-admin-export``). Prints one JSON document.

    python -m bench.dashboard_bench --backends sqlite,postgresql --inspections 1000000 --followups 200000

For before-and-after figures, run the same file from a checkout of the older commit: the kept
data is shared (``--cache``, ``--pg-prefix``) as long as that commit's migrations are not behind it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa

from bench.sync_bench import machine, server

PASSWORD = "bench-password"
STATIONS, ROOMS_PER_STATION, VENUES_PER_ROOM = 10, 10, 10
KINDS = ("hotel", "internet_cafe", "rental_housing", "entertainment", "shop", "enterprise", "transport_enterprise")
DAYS = 730
BATCH = 20_000
NOTES = ("登记簿记录完整，四时登记齐全", "消防通道畅通", "灭火器在有效期内", "")
FINDINGS = ("", "二楼安全出口堆放杂物，已要求当场清理。", "旅客登记簿三月十二日后未登记入住时间，责令补登。")
INSPECTION_COLUMNS = (
    "id", "venue_id", "room_id", "officer_id", "inspected_at_utc", "inspected_offset_min", "template_id",
    "template_version", "checklist", "findings", "hazard_level", "rectification_required", "rectification_deadline",
    "photo_hashes", "photo_notes", "signer_name", "location", "status", "review_comment", "version", "seq",
    "created_at", "updated_at", "deleted", "wire")
FOLLOWUP_COLUMNS = (
    "id", "venue_id", "room_id", "officer_id", "subject_kind", "inspection_id", "case_number", "due_date",
    "visited_at_utc", "visited_offset_min", "outcome", "rectified", "satisfaction", "notes", "photo_hashes",
    "photo_notes", "status", "version", "seq", "created_at", "updated_at", "deleted", "wire")
JSON_COLUMNS = frozenset({"checklist", "photo_hashes", "photo_notes", "location"})


def seed_world() -> None:
    """Stations, rooms, people, venues and templates through the app's operations; prints their ids as JSON."""
    from server import create_app
    from server.extensions import db
    from server.models import ChecklistTemplate, Room, Station, Venue
    from server.operations.people import create_person
    from server.syncing.change import write_record

    app = create_app()
    with app.app_context():
        create_person(db.session, actor_id=None, username="admin", display_name="管理员", role="admin",
                      password=PASSWORD)
        rooms = []
        for s in range(STATIONS):
            station = Station(id=uuid.uuid4(), name=f"第{s + 1}派出所")
            db.session.add(station)
            create_person(db.session, actor_id=None, username=f"chief{s + 1}", display_name=f"所长{s + 1}",
                          role="chief", password=PASSWORD, station_id=station.id)
            for r in range(ROOMS_PER_STATION):
                number = s * ROOMS_PER_STATION + r + 1
                room = write_record(db.session, Room(station_id=station.id, name=f"第{number:03d}警务室"), "create",
                                    actor_id=None)
                officer = create_person(db.session, actor_id=None, username=f"officer{number}",
                                        display_name=f"民警{number:03d}", role="officer", password=PASSWORD,
                                        room_id=room.id)
                venues = [write_record(db.session, Venue(
                    room_id=room.id, name=f"{KINDS[v % len(KINDS)]}-{number:03d}-{v}", kind=KINDS[v % len(KINDS)],
                    address=f"中山东路{number}号", location={"lat": 30.75, "lon": 120.76, "accuracy_m": 5.0}),
                    "create", actor_id=None) for v in range(VENUES_PER_ROOM)]
                rooms.append({"room": str(room.id), "station": str(station.id), "officer": str(officer.id),
                              "venues": [[str(venue.id), venue.kind] for venue in venues]})
        templates = {}
        for kind in KINDS:
            items = [{"key": f"item_{i:02d}", "label_zh": f"检查项{i + 1}", "label_en": f"Item {i + 1}"}
                     for i in range(10)]
            template = write_record(db.session, ChecklistTemplate(venue_kind=kind, title_zh=kind, title_en=kind,
                                                                  items=items), "create", actor_id=None)
            templates[kind] = str(template.id)
        db.session.commit()
        print(json.dumps({"rooms": rooms, "templates": templates}))


def inspection_rows(world: dict[str, Any], count: int, now: datetime, rng: random.Random,
                    rectifying: list[tuple[str, str, str, str, date]]) -> Iterator[list[Any]]:
    """Inspections oldest first over ``DAYS`` days; the ones needing rectification are remembered for re-checks."""
    checklists = [json.dumps({f"item_{i:02d}": {"result": rng.choice(("pass", "pass", "pass", "fail")),
                                                "note": rng.choice(NOTES)} for i in range(10)}, ensure_ascii=False)
                  for _ in range(50)]
    moments = sorted(now - timedelta(seconds=rng.randrange(DAYS * 86400)) for _ in range(count))
    for seq, moment in enumerate(moments, 1):
        room = world["rooms"][rng.randrange(len(world["rooms"]))]
        venue_id, kind = room["venues"][rng.randrange(VENUES_PER_ROOM)]
        roll = rng.random()
        hazard = "none" if roll < 0.8 else "minor" if roll < 0.94 else "major" if roll < 0.99 else "severe"
        rectify = hazard != "none" and rng.random() < 0.75
        deadline = (moment + timedelta(days=7)).date() if rectify else None
        age = (now - moment).days
        roll = rng.random()
        status = ("approved" if roll < 0.97 else "returned" if roll < 0.98 else "submitted") if age > 14 else \
            ("submitted" if roll < 0.6 else "approved" if roll < 0.96 else "returned")
        log_id = str(uuid.uuid4())
        if rectify:
            rectifying.append((log_id, venue_id, room["room"], room["officer"], deadline))  # type: ignore[arg-type]
        yield [log_id, venue_id, room["room"], room["officer"], moment, 480, world["templates"][kind], 1,
               checklists[seq % len(checklists)], FINDINGS[0 if hazard == "none" else 1 + seq % 2], hazard, rectify,
               deadline, "[]", "{}", "", None, status, "", 1, seq, moment + timedelta(minutes=5),
               moment + timedelta(minutes=5), False, "{}"]


def followup_rows(world: dict[str, Any], count: int, now: datetime, rng: random.Random,
                  rectifying: list[tuple[str, str, str, str, date]], first_seq: int) -> Iterator[list[Any]]:
    """Re-checks of three quarters of the rectifications, then case re-visits; a few percent left planned past due."""
    today = now.date()
    rechecks = rectifying[:: max(1, len(rectifying) // max(1, count * 3 // 4))][: count * 3 // 4]
    plans = [(log_id, venue, room, officer, deadline, "rectification") for log_id, venue, room, officer, deadline
             in rechecks]
    while len(plans) < count:
        room = world["rooms"][rng.randrange(len(world["rooms"]))]
        due = today - timedelta(days=rng.randrange(-30, DAYS))
        plans.append((None, room["venues"][rng.randrange(VENUES_PER_ROOM)][0], room["room"], room["officer"], due,
                      "case"))
    for seq, (inspection_id, venue_id, room_id, officer_id, due, subject) in enumerate(plans, first_seq):
        done = (due < today - timedelta(days=3) and rng.random() < 0.98) or (due <= today and rng.random() < 0.5)
        visited = datetime.combine(due - timedelta(days=rng.randrange(0, 5) - (rng.random() < 0.1) * 8),
                                   datetime.min.time(), UTC) + timedelta(hours=2) if done else None
        satisfaction = rng.choice(("satisfied", "satisfied", "basically_satisfied", "dissatisfied")) \
            if done and subject == "case" else None
        created = datetime.combine(due, datetime.min.time(), UTC) - timedelta(days=7)
        yield [str(uuid.uuid4()), venue_id, room_id, officer_id, subject, inspection_id,
               "" if inspection_id else f"A{seq:09d}", due, visited, 480 if done else None,
               "已整改" if done else "", (rng.random() < 0.97) if done and inspection_id else None, satisfaction, "",
               "[]", "{}", "done" if done else "planned", 1, seq, created, visited or created, False, "{}"]


def as_sqlite(value: Any, column: str) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and column.endswith("id") and len(value) == 36:
        return uuid.UUID(value).hex
    return value


def insert(connection: sa.Connection, table: str, columns: tuple[str, ...], rows: Iterator[list[Any]]) -> None:
    """Driver-level bulk insert: batches of ``executemany`` on SQLite, one ``COPY`` on PostgreSQL."""
    if connection.dialect.name == "sqlite":
        statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        batch: list[list[Any]] = []
        for row in rows:
            batch.append([as_sqlite(value, column) for value, column in zip(row, columns, strict=True)])
            if len(batch) == BATCH:
                cursor.executemany(statement, batch)
                batch = []
        cursor.executemany(statement, batch)
        return
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def fill(url: str, world: dict[str, Any], inspections: int, followups: int) -> None:
    from server.config import database_url as normalised

    rng = random.Random(2026)
    now = datetime.now(UTC)
    engine = sa.create_engine(normalised(url))
    with engine.begin() as connection:
        rectifying: list[tuple[str, str, str, str, date]] = []
        insert(connection, "inspection", INSPECTION_COLUMNS, inspection_rows(world, inspections, now, rng, rectifying))
        insert(connection, "followup", FOLLOWUP_COLUMNS,
               followup_rows(world, followups, now, rng, rectifying, inspections + 1))
        seq = connection.exec_driver_sql("SELECT seq FROM ledger WHERE id = 1").scalar_one()
        connection.exec_driver_sql(f"UPDATE ledger SET seq = {seq + inspections + followups} WHERE id = 1")
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
            "ANALYZE" if connection.dialect.name == "sqlite" else "VACUUM ANALYZE")
    engine.dispose()


def database_url(backend: str, args: argparse.Namespace) -> tuple[str, bool]:
    """The kept database for these sizes, and whether it is already filled."""
    name = f"dashboard_{args.inspections}_{args.followups}"
    if backend == "sqlite":
        path = Path(args.cache) / f"{name}.sqlite"
        path.parent.mkdir(parents=True, exist_ok=True)
        filled = Path(f"{path}.filled").exists()
        if not filled:
            path.unlink(missing_ok=True)
        return f"sqlite:///{path.resolve()}", filled
    base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or \
        "postgresql://postgres@127.0.0.1:5432/test"
    database = f"{args.pg_prefix}_{name}"
    admin = sa.create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).first()
        filled = bool(exists) and bool(connection.exec_driver_sql(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database + "_filled",)).first())
        if exists and not filled:
            connection.exec_driver_sql(f'DROP DATABASE "{database}"')
        if not filled:
            connection.exec_driver_sql(f'CREATE DATABASE "{database}"')
    admin.dispose()
    return base.rsplit("/", 1)[0] + "/" + database, filled


def mark_filled(backend: str, url: str, args: argparse.Namespace) -> None:
    if backend == "sqlite":
        Path(url.removeprefix("sqlite:///") + ".filled").touch()
        return
    base = url.rsplit("/", 1)
    admin = sa.create_engine(base[0].replace("postgresql://", "postgresql+psycopg://", 1) + "/postgres",
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{base[1]}_filled"')
    admin.dispose()


def signed_in(url: str, username: str) -> requests.Session:
    browser = requests.Session()
    form = browser.get(f"{url}/dashboard/login", timeout=60).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
    assert token, "no CSRF token on the sign-in page"
    answer = browser.post(f"{url}/dashboard/login", timeout=60, allow_redirects=False,
                          data={"csrf_token": token.group(1), "username": username, "password": PASSWORD})
    assert answer.status_code == 302, answer.text[:300]
    return browser


def timed(browser: requests.Session, url: str, repeat: int, limit: float) -> dict[str, Any]:
    """Percentiles of ``repeat`` requests after two untimed ones (each worker's first is slower).

    A page that takes longer than ``limit`` seconds (or fails) is recorded as such and not asked again."""
    times = []
    for _ in range(repeat + 2):
        started = time.perf_counter()
        try:
            answer = browser.get(url, timeout=limit)
        except requests.RequestException as error:
            return {"error": f"{type(error).__name__} after {time.perf_counter() - started:.0f} s", "limit_s": limit}
        times.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            return {"error": f"HTTP {answer.status_code}"}
    times = sorted(times[2:])
    return {"p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[max(0, int(len(times) * 0.95 + 0.5) - 1)], 1), "n": repeat}


def timed_export(browser: requests.Session, url: str, limit: float) -> dict[str, Any]:
    """Time to the first byte and to the end, and rows per second; an export cut off says how far it got."""
    started = time.perf_counter()
    first = None
    rows = 0
    error = None
    try:
        with browser.get(url, timeout=limit, stream=True) as answer:
            assert answer.status_code == 200, answer.text[:300]
            for chunk in answer.iter_content(chunk_size=1 << 16):
                first = first or time.perf_counter()
                rows += chunk.count(b"\n")
    except requests.RequestException as error_seen:
        error = f"{type(error_seen).__name__} after {time.perf_counter() - started:.0f} s"
    total = time.perf_counter() - started
    rows = max(rows - 1, 0)
    return {"first_byte_ms": round(((first or started) - started) * 1000, 1), "seconds": round(total, 2),
            "rows": rows, "rows_per_s": round(rows / total), **({"error": error} if error else {})}


def pages(world: dict[str, Any]) -> dict[str, str]:
    room = world["rooms"][0]["room"]
    return {"inbox": "/dashboard/inbox", "inbox_room": f"/dashboard/inbox?room={room}",
            "inbox_submitted": "/dashboard/inbox?status=submitted", "inbox_severe": "/dashboard/inbox?hazard=severe",
            "inbox_by_venue": "/dashboard/inbox?sort=venue",
            "inbox_oldest_page_3": "/dashboard/inbox?sort=oldest&page=3",
            "inbox_followups": "/dashboard/inbox?kind=followup", "log": "", "deadlines": "/dashboard/deadlines",
            "figures": "/dashboard/figures", "week_report": "/dashboard/reports/week"}


def measure(url: str, world: dict[str, Any], db_url: str, args: argparse.Namespace) -> dict[str, Any]:
    from server.config import database_url as normalised

    engine = sa.create_engine(normalised(db_url))
    room = world["rooms"][0]["room"]
    with engine.connect() as connection:
        newest = connection.exec_driver_sql(
            "SELECT id FROM inspection WHERE room_id = ? ORDER BY inspected_at_utc DESC LIMIT 1"
            if connection.dialect.name == "sqlite" else
            "SELECT id FROM inspection WHERE room_id = %s ORDER BY inspected_at_utc DESC LIMIT 1",
            (uuid.UUID(room).hex if connection.dialect.name == "sqlite" else room,)).scalar_one()
    engine.dispose()
    log_id = uuid.UUID(hex=newest) if isinstance(newest, str) else newest
    results: dict[str, Any] = {}
    for role, username in (("admin", "admin"), ("chief", "chief1")):
        browser = signed_in(url, username)
        found = {}
        for name, path in pages(world).items():
            if args.pages and name not in args.pages:
                continue
            path = path or f"/dashboard/inspections/{log_id}"
            found[name] = timed(browser, url + path, args.repeat, args.limit)
            print(f"  {role} {name}: {found[name]}", file=sys.stderr)
        if args.export and not args.pages:
            exports = {"csv_export_room": f"/dashboard/inbox.csv?room={room}", "csv_export": "/dashboard/inbox.csv"}
            for name, path in exports.items():
                if name == "csv_export" and role == "admin" and not args.full_admin_export:
                    continue
                found[name] = timed_export(browser, url + path, args.limit * 10)
                print(f"  {role} {name}: {found[name]}", file=sys.stderr)
        results[role] = found
    return results


def run_backend(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    url, filled = database_url(backend, args)
    directory = Path(tempfile.mkdtemp(prefix=f"beatlog-dashboard-bench-{backend}-"))
    env = {**os.environ, "FLASK_APP": "server", "DATABASE_URL": url, "SECRET_KEY": "bench",
           "BEATLOG_AUDIT_KEY": "bench-audit", "BEATLOG_INSTANCE_PATH": str(directory / "instance"),
           "PYTHONPATH": os.getcwd()}
    subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], env=env, check=True, capture_output=True)
    world_file = Path(args.cache) / f"world_{backend}_{args.inspections}_{args.followups}.json"
    started = time.perf_counter()
    if not filled:
        done = subprocess.run([sys.executable, "-c", "from bench.dashboard_bench import seed_world; seed_world()"],
                              env=env, capture_output=True, text=True, check=True)
        world_file.write_text(done.stdout.strip().splitlines()[-1])
        fill(url, json.loads(world_file.read_text()), args.inspections, args.followups)
        mark_filled(backend, url, args)
    filled_in = round(time.perf_counter() - started, 1)
    world = json.loads(world_file.read_text())
    with server(env, args.workers, directory / "server.log") as base:
        results = measure(base, world, url, args)
    return {"fill_seconds": filled_in if not filled else 0, "pages": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--inspections", type=int, default=1_000_000)
    parser.add_argument("--followups", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--limit", type=float, default=120, help="seconds before a page counts as failed")
    parser.add_argument("--no-export", dest="export", action="store_false", help="skip the CSV exports")
    parser.add_argument("--full-admin-export", action="store_true",
                        help="also export every log as the admin (a million rows outlast gunicorn's worker timeout)")
    parser.add_argument("--cache", default=os.path.join(tempfile.gettempdir(), "beatlog-dashboard-bench"),
                        help="where the filled SQLite databases are kept")
    parser.add_argument("--pg-prefix", default="beatlog_bench", help="name prefix of the kept PostgreSQL databases")
    parser.add_argument("--pages", type=lambda names: set(names.split(",")), default=set(),
                        help="only these pages, comma-separated (inbox, inbox_by_venue, deadlines, week_report, …);"
                             " no exports then")
    args = parser.parse_args()
    report = {"benchmark": "dashboard", "machine": machine(), "when": datetime.now(UTC).isoformat(timespec="seconds"),
              "settings": {**vars(args), "pages": sorted(args.pages)}, "backends": {}}
    for backend in args.backends.split(","):
        report["backends"][backend] = run_backend(backend, args)
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
