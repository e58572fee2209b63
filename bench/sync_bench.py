"""Sync throughput and no-op round time, through the real endpoint over loopback HTTP.

For each backend: a fresh database, the server under gunicorn, a device that pushes
realistic inspections (a 10-item checklist with Chinese notes, about 1.2 KB each) in
batches, then pulls them all from an empty cursor; then the server time of a sync round
with nothing new (an empty push and a pull at the head), first with the pushed records in
the database and again after filling it up to ``--big`` records. Prints one JSON document.

    python -m bench.sync_bench --backends sqlite,postgresql --records 20000 --big 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import socket
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

import requests
import sqlalchemy as sa

from sync.protocol import SCHEMA_HEADER, SCHEMA_VERSION

CHINA = timezone(timedelta(hours=8))
NOTES = ("登记簿记录完整，四时登记齐全", "消防通道畅通", "灭火器在有效期内", "监控录像保存三十天以上", "")
FINDINGS = "二楼安全出口堆放杂物，已要求当场清理；旅客登记簿三月十二日后未登记入住时间，责令补登。"
PASSWORD = "bench-password"


def inspection(venue_id: str, officer_id: str, template_id: str, moment: datetime, rng: random.Random) -> dict:
    checklist = {f"item_{i:02d}": {"result": rng.choice(("pass", "pass", "pass", "fail")),
                                   "note": rng.choice(NOTES)} for i in range(10)}
    return {
        "venue_id": venue_id, "officer_id": officer_id, "inspected_at": moment.isoformat(),
        "template_id": template_id, "template_version": 1, "checklist": checklist, "findings": FINDINGS,
        "hazard_level": "minor", "rectification_required": True,
        "rectification_deadline": (moment + timedelta(days=7)).date().isoformat(),
        "photo_hashes": [], "signature_hash": None,
        "location": {"lat": 30.7525, "lon": 120.7655, "accuracy_m": 8.0, "mocked": False,
                     "fixed_at": moment.isoformat()},
        "status": "submitted",
    }


@contextmanager
def database(backend: str, directory: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{directory}/bench.sqlite"
        return
    base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or \
        "postgresql://postgres@127.0.0.1:5432/test"
    schema = f"beatlog_bench_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        engine.dispose()


def seed(env: dict[str, str]) -> dict[str, str]:
    """One station, one room, one officer, one venue and a checklist: what the pushes reference."""
    script = """
import json, sys, uuid
from server import create_app
from server.extensions import db
from server.models import ChecklistTemplate, Room, Station, Venue
from server.operations.people import create_person
from server.syncing.change import write_record
app = create_app()
with app.app_context():
    station = Station(id=uuid.uuid4(), name="南湖派出所")
    db.session.add(station)
    room = write_record(db.session, Room(station_id=station.id, name="枫杨社区警务室"), "create", actor_id=None)
    officer = create_person(db.session, actor_id=None, username="officer1", display_name="李持忠", role="officer",
                            password=sys.argv[1], room_id=room.id)
    venue = write_record(db.session, Venue(room_id=room.id, name="月河宾馆", kind="hotel", address="中山东路1号"),
                         "create", actor_id=None)
    items = [{"key": f"item_{i:02d}", "label_zh": "检查项", "label_en": "Item"} for i in range(10)]
    template = write_record(db.session, ChecklistTemplate(venue_kind="hotel", title_zh="旅馆", title_en="Hotel",
                                                          items=items), "create", actor_id=None)
    db.session.commit()
    print(json.dumps({"room": str(room.id), "officer": str(officer.id), "venue": str(venue.id),
                      "template": str(template.id)}))
"""
    done = subprocess.run([sys.executable, "-c", script, PASSWORD], env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def server(env: dict[str, str], workers: int, log: Path, options: tuple[str, ...] = ()) -> Iterator[str]:
    """gunicorn serving the app on a free loopback port; ``options`` are more of gunicorn's."""
    port = free_port()
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
             "--timeout", "300", *options, "server.wsgi:app"], env=env, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                requests.get(f"{url}/api/v1/openapi.json", timeout=5)
                break
            except requests.RequestException:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


class Device:
    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()
        self.device_id = str(uuid.uuid4())
        body = self.http.post(f"{url}/api/v1/auth/login", timeout=30, json={
            "username": "officer1", "password": PASSWORD, "device_id": self.device_id, "device_name": "bench"}).json()
        self.http.headers.update({"Authorization": f"Bearer {body['token']}", SCHEMA_HEADER: str(SCHEMA_VERSION)})
        self.cursor = ""

    def push(self, mutations: list[dict[str, Any]]) -> tuple[float, float]:
        body = json.dumps({"device_id": self.device_id, "mutations": mutations}, ensure_ascii=False).encode()
        started = time.perf_counter()
        response = self.http.post(f"{self.url}/api/v1/sync/push", data=body, timeout=300,
                                  headers={"Content-Type": "application/json"})
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.text[:500]
        results = response.json()["results"]
        assert all(r["status"] == "applied" for r in results), results[:3]
        return elapsed, server_ms(response)

    def pull(self, limit: int) -> tuple[int, float, float, bool]:
        started = time.perf_counter()
        response = self.http.get(f"{self.url}/api/v1/sync/pull", timeout=300, params={
            "cursor": self.cursor, "limit": limit})
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.text[:500]
        page = response.json()
        self.cursor = page["cursor"]
        return len(page["changes"]), elapsed, server_ms(response), page["has_more"]


def server_ms(response: requests.Response) -> float:
    return float(response.headers["Server-Timing"].split("dur=")[1])


def bench_push(device: Device, ids: dict[str, str], count: int, batch: int, rng: random.Random) -> dict[str, Any]:
    start = datetime(2026, 11, 1, 9, tzinfo=CHINA)
    wall = server_total = 0.0
    sizes = []
    for offset in range(0, count, batch):
        mutations = []
        for index in range(offset, min(offset + batch, count)):
            data = inspection(ids["venue"], ids["officer"], ids["template"], start + timedelta(minutes=index), rng)
            mutations.append({"mutation_id": str(uuid.uuid4()), "type": "inspection", "id": str(uuid.uuid4()),
                              "op": "create", "data": data})
        sizes.append(len(json.dumps(mutations[0]["data"], ensure_ascii=False).encode()))
        elapsed, server = device.push(mutations)
        wall += elapsed
        server_total += server
    return {"records": count, "batch": batch, "record_bytes": round(statistics.mean(sizes)),
            "seconds": round(wall, 3), "records_per_s": round(count / wall),
            "server_records_per_s": round(count / (server_total / 1000))}


def bench_pull(device: Device, limit: int) -> dict[str, Any]:
    device.cursor = ""
    total = 0
    wall = server_total = 0.0
    while True:
        received, elapsed, server, has_more = device.pull(limit)
        total += received
        wall += elapsed
        server_total += server
        if not has_more:
            break
    return {"records": total, "page": limit, "seconds": round(wall, 3), "records_per_s": round(total / wall),
            "server_records_per_s": round(total / (server_total / 1000))}


def bench_noop(device: Device, rounds: int) -> dict[str, Any]:
    device.cursor = ""
    while device.pull(5000)[3]:
        pass
    times = []
    for _ in range(rounds):
        _, push_server = device.push([])
        received, _, pull_server, _ = device.pull(500)
        assert received == 0
        times.append(push_server + pull_server)
    times.sort()
    return {"rounds": rounds, "median_ms": round(statistics.median(times), 2),
            "p95_ms": round(times[int(len(times) * 0.95) - 1], 2)}


def fill(database_url: str, ids: dict[str, str], total: int) -> int:
    """Bring the inspection table up to ``total`` rows fast, bypassing HTTP (only the no-op round needs them)."""
    from server.config import database_url as normalised

    engine = sa.create_engine(normalised(database_url))
    with engine.begin() as connection:
        existing = connection.exec_driver_sql("SELECT count(*) FROM inspection").scalar_one()
        seq = connection.exec_driver_sql("SELECT seq FROM ledger WHERE id = 1").scalar_one()
        sqlite = connection.dialect.name == "sqlite"
        as_text = "" if sqlite else "::text"
        sample = connection.exec_driver_sql(
            f"SELECT wire, checklist{as_text} AS checklist, location{as_text} AS location FROM inspection LIMIT 1"
        ).one()
        now = datetime.now(UTC)
        stamp = now.replace(tzinfo=None).isoformat(" ") if sqlite else now
        columns = ("id, venue_id, room_id, officer_id, inspected_at_utc, inspected_offset_min, checklist, findings, "
                   "hazard_level, rectification_required, photo_hashes, status, review_comment, version, seq, "
                   "created_at, updated_at, deleted, wire, location")
        marks = ["?"] * 20 if sqlite else ["%s"] * 20
        if not sqlite:
            for index in (6, 10, 19):
                marks[index] = "%s::jsonb"
        statement = f"INSERT INTO inspection ({columns}) VALUES ({', '.join(marks)})"

        def ident(value: str) -> str:
            return uuid.UUID(value).hex if sqlite else value

        missing = total - existing
        for offset in range(0, missing, 20000):
            rows = []
            for _ in range(min(20000, missing - offset)):
                seq += 1
                rows.append((ident(str(uuid.uuid4())), ident(ids["venue"]), ident(ids["room"]), ident(ids["officer"]),
                             stamp, 480, sample.checklist, FINDINGS, "minor", True, "[]", "submitted", "", 1, seq,
                             stamp, stamp, False, sample.wire, sample.location))
            connection.exec_driver_sql(statement, rows)
        connection.exec_driver_sql(f"UPDATE ledger SET seq = {seq} WHERE id = 1")
    engine.dispose()
    return total


def run_backend(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(2018)
    directory = Path(tempfile.mkdtemp(prefix=f"beatlog-bench-{backend}-"))
    try:
        with database(backend, directory) as url:
            env = {**os.environ, "FLASK_APP": "server", "DATABASE_URL": url, "SECRET_KEY": "bench",
                   "BEATLOG_AUDIT_KEY": "bench-audit",
                   "BEATLOG_INSTANCE_PATH": str(directory / "instance"), "BEATLOG_MAX_BODY_BYTES": str(64 << 20)}
            subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], env=env, check=True, capture_output=True)
            ids = seed(env)
            results: dict[str, Any] = {}
            with server(env, args.workers, directory / "server.log") as base:
                device = Device(base)
                results["push"] = bench_push(device, ids, args.records, args.batch, rng)
                results["pull"] = bench_pull(device, args.page)
                results["noop_round"] = {f"{args.records + 1}": bench_noop(device, args.rounds)}
            if args.big:
                fill(url, ids, args.big)
                with server(env, args.workers, directory / "server-big.log") as base:
                    results["noop_round"][str(args.big)] = bench_noop(Device(base), args.rounds)
            return results
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def machine() -> dict[str, Any]:
    model = ""
    if Path("/proc/cpuinfo").exists():
        model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), "")
    return {"cpus": os.cpu_count(), "cpu": model, "python": platform.python_version(), "platform": platform.platform()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--page", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--big", type=int, default=1_000_000, help="0 skips the large no-op round")
    args = parser.parse_args()
    report = {"benchmark": "sync", "machine": machine(), "when": datetime.now(UTC).isoformat(timespec="seconds"),
              "settings": vars(args), "backends": {}}
    for backend in args.backends.split(","):
        report["backends"][backend] = run_backend(backend, args)
        print(f"{backend}: {json.dumps(report['backends'][backend])}", file=sys.stderr)
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
