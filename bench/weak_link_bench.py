"""A new phone's first sync over a weak link: 1 Mbit/s each way, 300 ms round trip.

An officer's scope holds about 5,000 records (their room's venues, five weeks of inspections
with 10-item checklists and Chinese notes, rectification re-checks and case re-visits). An
older phone of the same officer pushes them over loopback; then a new phone, the real
handheld core (``mobile.store`` and ``mobile.sync_client``, no Kivy), signs in and syncs from
an empty store through ``ShapedLink``, a throttling TCP proxy of this file (no root needed):
with gzip at the handheld's page size (2,000) and at the server's default (500), and without
gzip (``Accept-Encoding: identity``), the bandwidth floor of plain JSON.

Reported per run: ``usable_s``, when the Today screen has what it shows (every venue of the
room, every planned follow-up of the officer, the checklist templates: all of it landed in
the store), ``complete_s`` (the round done), both from the start of the sync round (the
sign-in before it is ``sign_in_s``), and the bytes that crossed the link each way (HTTP
heads and bodies; no TLS). The server is gunicorn with threaded workers, which keep the
phone's connection open as nginx does in production; each new connection costs one round
trip on the link. About 100 s in all (the plain run alone takes 50):

    python -m bench.weak_link_bench
    python -m bench.weak_link_bench --records 5000 --runs gzip:2000,plain:500 --mbit 1 --rtt-ms 300
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from bench.harness import CHINA, PASSWORD, Device, database, inspection, machine, server
from mobile.account import Account
from mobile.session import Session
from mobile.store import Store
from mobile.sync_client import PULL, Progress, SyncClient
from sync import vocab

SLICE = 4096
"""Bytes the link sends at a time: the pacing's granularity (33 ms at 1 Mbit/s)."""


@dataclass
class Lane:
    """One direction of the link, shared by its connections: bytes leave at ``rate`` and arrive ``delay`` later."""

    rate: float
    delay: float
    sent: int = 0
    free_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def schedule(self, size: int) -> float:
        """When ``size`` bytes handed to the link now arrive at the other end."""
        with self.lock:
            start = max(time.perf_counter(), self.free_at)
            self.free_at = start + size / self.rate
            self.sent += size
            return self.free_at + self.delay


class ShapedLink:
    """A loopback TCP proxy to ``target_port`` with a slow, far link between the phone and it."""

    def __init__(self, target_port: int, bits_per_s: float, round_trip_s: float) -> None:
        self.target_port = target_port
        self.round_trip = round_trip_s
        self.up = Lane(bits_per_s / 8, round_trip_s / 2)
        self.down = Lane(bits_per_s / 8, round_trip_s / 2)
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        self.listener.settimeout(0.2)
        while not self.stopped.is_set():
            try:
                phone, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # closed
            self.connections += 1
            threading.Thread(target=self._connect, args=(phone,), daemon=True).start()

    def _connect(self, phone: socket.socket) -> None:
        time.sleep(self.round_trip)  # the TCP handshake crosses the link once each way
        upstream = socket.create_connection(("127.0.0.1", self.target_port))
        for source, sink, lane in ((phone, upstream, self.up), (upstream, phone, self.down)):
            threading.Thread(target=carry, args=(source, sink, lane), daemon=True).start()

    def close(self) -> None:
        self.stopped.set()
        self.listener.close()


def carry(source: socket.socket, sink: socket.socket, lane: Lane) -> None:
    """Read from ``source`` as fast as it sends; deliver each slice to ``sink`` when the lane says it arrives."""
    in_flight: queue.Queue[tuple[float, bytes] | None] = queue.Queue()

    def deliver() -> None:
        with suppress(OSError):
            while (item := in_flight.get()) is not None:
                arrives, data = item
                time.sleep(max(0.0, arrives - time.perf_counter()))
                sink.sendall(data)
            sink.shutdown(socket.SHUT_WR)

    threading.Thread(target=deliver, daemon=True).start()
    with suppress(OSError):
        while chunk := source.recv(65536):
            for start in range(0, len(chunk), SLICE):
                piece = chunk[start:start + SLICE]
                in_flight.put((lane.schedule(len(piece)), piece))
    in_flight.put(None)


@contextmanager
def shaped_link(target_port: int, bits_per_s: float, round_trip_s: float) -> Iterator[ShapedLink]:
    link = ShapedLink(target_port, bits_per_s, round_trip_s)
    try:
        yield link
    finally:
        link.close()


SEED = """
import json, sys, uuid
from server import create_app
from server.extensions import db
from server.models import ChecklistTemplate, Room, Station
from server.operations.people import create_person
from server.syncing.change import write_record
from sync import vocab
app = create_app()
with app.app_context():
    station = Station(id=uuid.uuid4(), name="南湖派出所")
    db.session.add(station)
    room = write_record(db.session, Room(station_id=station.id, name="枫杨社区警务室"), "create", actor_id=None)
    officer = create_person(db.session, actor_id=None, username="officer1", display_name="李持忠", role="officer",
                            password=sys.argv[1], room_id=room.id)
    items = [{"key": f"item_{i:02d}", "label_zh": "登记簿记录是否完整、消防通道是否畅通", "label_en": "Item"}
             for i in range(10)]
    templates = {}
    for kind in vocab.VENUE_KINDS:
        template = write_record(db.session, ChecklistTemplate(venue_kind=kind, title_zh=vocab.VENUE_KINDS[kind][0],
                                                              title_en=kind, items=items), "create", actor_id=None)
        templates[kind] = str(template.id)
    db.session.commit()
    print(json.dumps({"room": str(room.id), "officer": str(officer.id), "templates": templates}))
"""

STREETS = ("中山东路", "禾兴南路", "南溪西路", "东栅街道", "凌公塘路", "秀洲路", "广益路", "烟雨路")
NAMES = ("宾馆", "网吧", "出租屋", "KTV", "便利店", "制衣厂", "物流公司")


def seed(env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", SEED, PASSWORD], env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def scope_mutations(ids: dict[str, Any], records: int, rng: random.Random) -> tuple[list[dict[str, Any]], set[str]]:
    """About ``records`` creates for the officer's room (16% venues, 64% inspections, 20% follow-ups);
    and the follow-ups still planned, which the Today screen lists."""
    kinds = list(vocab.VENUE_KINDS)
    venues = [(str(uuid.uuid4()), kinds[n % len(kinds)]) for n in range(records * 16 // 100)]
    today = date.today()
    start = datetime.now(CHINA) - timedelta(days=35)
    created: list[dict[str, Any]] = []
    planned: set[str] = set()

    def create(record_type: str, record_id: str, data: dict[str, Any]) -> None:
        created.append({"mutation_id": str(uuid.uuid4()), "type": record_type, "id": record_id, "op": "create",
                        "data": data})

    for n, (venue_id, kind) in enumerate(venues):
        create("venue", venue_id, {
            "room_id": ids["room"], "kind": kind, "name": f"{STREETS[n % 8]}{NAMES[n % 7]}{n:04d}",
            "address": f"嘉兴市南湖区{STREETS[n % 8]}{n + 1}号", "responsible_person": "王建国",
            "phone": "13805730000", "risk_level": rng.choice(("low", "low", "medium", "high")),
            "notes": "夜间营业，注意核查旅客登记"})
    inspections = []
    for n in range(records * 64 // 100):
        venue_id, kind = venues[n % len(venues)]
        inspection_id = str(uuid.uuid4())
        inspections.append(inspection_id)
        create("inspection", inspection_id, inspection(venue_id, ids["officer"], ids["templates"][kind],
                                                       start + timedelta(minutes=10 * n), rng))
    for n in range(records - len(created)):
        followup_id = str(uuid.uuid4())
        done = n % 3 == 0
        data: dict[str, Any] = {
            "venue_id": venues[n % len(venues)][0], "officer_id": ids["officer"],
            "due_date": (today + timedelta(days=rng.randint(-10, 20))).isoformat(),
            "status": "done" if done else "planned", "notes": "复查消防通道及登记簿"}
        if n % 2:
            data.update(subject_kind="case", case_number=f"JX{2026000 + n}")
        else:
            data.update(subject_kind="rectification", inspection_id=inspections[n % len(inspections)])
        if done:
            data.update(visited_at=(start + timedelta(days=30)).isoformat(), outcome="已整改", rectified=True,
                        satisfaction=rng.choice(list(vocab.SATISFACTION)))
        else:
            planned.add(followup_id)
        create("followup", followup_id, data)
    return created, planned


@dataclass
class Usable:
    """Watches the store after each pulled page for the moment the Today screen has all it shows."""

    store: Store
    venues: int
    templates: int
    planned: set[str]
    started: float = 0.0
    at: float | None = None

    def __call__(self, progress: Progress) -> None:
        if self.at is None and progress.phase == PULL and self.ready():
            self.at = time.perf_counter() - self.started

    def ready(self) -> bool:
        counts = dict(self.store.query("SELECT type, count(*) FROM record WHERE hidden = 0 GROUP BY type"))
        if counts.get("venue", 0) < self.venues or counts.get("checklist_template", 0) < self.templates:
            return False
        landed = {row[0] for row in self.store.query("SELECT id FROM record WHERE type = 'followup' AND hidden = 0")}
        return self.planned <= landed


def sessions(accept: str) -> Callable[..., Session]:
    def make(server_url: str, token: str | None = None) -> Session:
        http = requests.Session()
        http.headers["Accept-Encoding"] = accept
        return Session(server_url, token, http=http, timeout=(10.0, 120.0))

    return make


def first_sync(link: ShapedLink, directory: Path, mode: str, page: int, expected: dict[str, Any]) -> dict[str, Any]:
    store = Store(directory)
    try:
        account = Account(store, session_factory=sessions("gzip" if mode == "gzip" else "identity"))
        began = time.perf_counter()
        account.enrol(link.url, "officer1", PASSWORD, "new phone")
        signed_in = time.perf_counter()
        up, down = link.up.sent, link.down.sent
        usable = Usable(store, expected["venues"], expected["templates"], expected["planned"], started=signed_in)
        report = SyncClient(store, account.session(), account.device_id, progress=usable, pull_limit=page).sync()
        complete = time.perf_counter() - signed_in
        down_bytes = link.down.sent - down
        return {"mode": mode, "page": page, "records": report.pulled, "sign_in_s": round(signed_in - began, 2),
                "usable_s": round(usable.at, 2) if usable.at is not None else None, "complete_s": round(complete, 2),
                "bytes_down": down_bytes, "bytes_up": link.up.sent - up,
                "bytes_per_record": round(down_bytes / max(report.pulled, 1), 1)}
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--runs", default="gzip:2000,gzip:500,plain:2000",
                        help="first syncs to time, each MODE:PAGE (gzip or plain, the handheld's pull page size)")
    parser.add_argument("--mbit", type=float, default=1.0)
    parser.add_argument("--rtt-ms", type=float, default=300.0)
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="beatlog-weak-link-"))
    report: dict[str, Any] = {"benchmark": "weak_link", "machine": machine(), "settings": vars(args),
                              "when": datetime.now(UTC).isoformat(timespec="seconds"), "runs": []}
    try:
        with database("sqlite", directory) as url:
            env = {**os.environ, "FLASK_APP": "server", "DATABASE_URL": url, "SECRET_KEY": "bench",
                   "BEATLOG_AUDIT_KEY": "bench-audit", "BEATLOG_INSTANCE_PATH": str(directory / "instance"),
                   "BEATLOG_MAX_BODY_BYTES": str(64 << 20)}
            subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], env=env, check=True, capture_output=True)
            ids = seed(env)
            mutations, planned = scope_mutations(ids, args.records, random.Random(2018))
            threaded = ("--worker-class", "gthread", "--threads", "4", "--keep-alive", "75")
            with server(env, 2, directory / "server.log", threaded) as base:
                old_phone = Device(base)
                for start in range(0, len(mutations), 500):
                    old_phone.push(mutations[start:start + 500])
                expected = {"venues": sum(m["type"] == "venue" for m in mutations),
                            "templates": len(ids["templates"]), "planned": planned}
                report["scope"] = {kind: sum(m["type"] == kind for m in mutations)
                                   for kind in ("venue", "inspection", "followup")}
                report["scope"]["planned_followups"] = len(planned)
                for mode, page in (each.split(":") for each in args.runs.split(",")):
                    with shaped_link(int(base.rsplit(":", 1)[1]), args.mbit * 1e6, args.rtt_ms / 1000) as link:
                        run = first_sync(link, directory / f"phone-{mode}-{page}", mode, int(page), expected)
                    print(json.dumps(run), file=sys.stderr)
                    report["runs"].append(run)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
