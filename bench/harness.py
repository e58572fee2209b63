"""What the benches share: the realistic inspections they send, Beatlog under gunicorn on a fresh
database, a device's HTTP client, and the description of the machine they ran on."""

from __future__ import annotations

import json
import os
import platform
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa

from sync.protocol import SCHEMA_HEADER, SCHEMA_VERSION

CHINA = timezone(timedelta(hours=8))
NOTES = ("登记簿记录完整，四时登记齐全", "消防通道畅通", "灭火器在有效期内", "监控录像保存三十天以上", "")
FINDINGS = "二楼安全出口堆放杂物，已要求当场清理；旅客登记簿三月十二日后未登记入住时间，责令补登。"
PASSWORD = "bench-password"
FIRST_INSPECTION = datetime(2026, 11, 1, 9, tzinfo=CHINA)
RECORDS_SEED = 2018


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


def inspections(ids: dict[str, str], count: int, rng: random.Random) -> Iterator[tuple[str, dict]]:
    """``count`` inspections one minute apart, each with its new record id; the same ``rng`` seed gives
    the same records, whatever venue, officer and template ids they point at."""
    for index in range(count):
        yield str(uuid.uuid4()), inspection(ids["venue"], ids["officer"], ids["template"],
                                            FIRST_INSPECTION + timedelta(minutes=index), rng)


def postgresql_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or \
        "postgresql://postgres@127.0.0.1:5432/test"


@contextmanager
def database(backend: str, directory: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{directory}/bench.sqlite"
        return
    base = postgresql_url()
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


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    """Poll ``url`` until it answers; fail early if the server process died on its way up."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode} before {url} answered")
        try:
            requests.get(url, timeout=5)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


@contextmanager
def serving(command: list[str], probe_path: str, port: int, log: Path, **popen: Any) -> Iterator[str]:
    """Run a server command (its output into ``log``) until the block ends; yields its base URL."""
    with log.open("w") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, **popen)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url + probe_path, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def server(env: dict[str, str], workers: int, log: Path, options: tuple[str, ...] = ()) -> Iterator[str]:
    """gunicorn serving the app on a free loopback port; ``options`` are more of gunicorn's."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
               "--timeout", "300", *options, "server.wsgi:app"]
    with serving(command, "/api/v1/openapi.json", port, log, env=env) as url:
        yield url


@dataclass
class Installation:
    """Beatlog's settings on a fresh, migrated and seeded database, ready for :func:`server`."""

    database_url: str
    env: dict[str, str]
    ids: dict[str, str]
    directory: Path


@contextmanager
def installation(backend: str) -> Iterator[Installation]:
    directory = Path(tempfile.mkdtemp(prefix=f"beatlog-bench-{backend}-"))
    try:
        with database(backend, directory) as url:
            env = {**os.environ, "FLASK_APP": "server", "DATABASE_URL": url, "SECRET_KEY": "bench",
                   "BEATLOG_AUDIT_KEY": "bench-audit",
                   "BEATLOG_INSTANCE_PATH": str(directory / "instance"), "BEATLOG_MAX_BODY_BYTES": str(64 << 20)}
            subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], env=env, check=True, capture_output=True)
            yield Installation(url, env, seed(env), directory)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


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
            "cursor": self.cursor, "limit": str(limit)})
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.text[:500]
        page = response.json()
        self.cursor = page["cursor"]
        return len(page["changes"]), elapsed, server_ms(response), page["has_more"]


def creations(records: list[tuple[str, dict]]) -> list[dict[str, Any]]:
    """The push mutations that create ``records``."""
    return [{"mutation_id": str(uuid.uuid4()), "type": "inspection", "id": record_id, "op": "create", "data": data}
            for record_id, data in records]


def server_ms(response: requests.Response) -> float:
    return float(response.headers["Server-Timing"].split("dur=")[1])


def machine() -> dict[str, Any]:
    model = ""
    if Path("/proc/cpuinfo").exists():
        model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), "")
    return {"cpus": os.cpu_count(), "cpu": model, "python": platform.python_version(), "platform": platform.platform()}
