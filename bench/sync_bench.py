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
import random
import statistics
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from bench.harness import FINDINGS, RECORDS_SEED, Device, creations, inspections, installation, machine, server


def bench_push(device: Device, ids: dict[str, str], count: int, batch: int, rng: random.Random) -> dict[str, Any]:
    records = inspections(ids, count, rng)
    wall = server_total = 0.0
    sizes = []
    for offset in range(0, count, batch):
        mutations = creations([next(records) for _ in range(min(batch, count - offset))])
        sizes.append(len(json.dumps(mutations[0]["data"], ensure_ascii=False).encode()))
        elapsed, server_time = device.push(mutations)
        wall += elapsed
        server_total += server_time
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
    rng = random.Random(RECORDS_SEED)
    results: dict[str, Any] = {}
    with installation(backend) as installed:
        with server(installed.env, args.workers, installed.directory / "server.log") as base:
            device = Device(base)
            results["push"] = bench_push(device, installed.ids, args.records, args.batch, rng)
            results["pull"] = bench_pull(device, args.page)
            results["noop_round"] = {f"{args.records + 1}": bench_noop(device, args.rounds)}
        if args.big:
            fill(installed.database_url, installed.ids, args.big)
            with server(installed.env, args.workers, installed.directory / "server-big.log") as base:
                results["noop_round"][str(args.big)] = bench_noop(Device(base), args.rounds)
    return results


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
    report: dict[str, Any] = {"benchmark": "sync", "machine": machine(),
                              "when": datetime.now(UTC).isoformat(timespec="seconds"), "settings": vars(args),
                              "backends": {}}
    for backend in args.backends.split(","):
        report["backends"][backend] = run_backend(backend, args)
        print(f"{backend}: {json.dumps(report['backends'][backend])}", file=sys.stderr)
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
