"""Beatlog next to PouchDB-server and Kinto: the same records pushed and pulled through each, one table.

Absolute figures move from machine to machine, so Beatlog is judged by its ratio to the peers
measured in the same run. Each system gets a fresh, empty store; one client pushes ``--records``
realistic inspections (``bench.harness``: a 10-item checklist with Chinese notes, 1.3 KB) in
batches of ``--batch``, then pulls them all back in pages of ``--page``, over loopback HTTP with a
kept-alive ``requests.Session``. The peers are installed once into ``--scratch`` (npm and a
virtualenv; neither ``make env`` nor CI installs them) and reused by later runs.

    python -m bench.peers_bench --records 10000 --batch 500

What each system does per record, which the ratios should be read with:

- Beatlog (under gunicorn, two workers, on SQLite and on PostgreSQL) validates each record against
  its type's schema and the venue kind's checklist, checks the officer's scope and the fields'
  ownership, decides the mutation (idempotency hash, three-way merge against the current state),
  and writes three rows in one transaction: the record, the mutation's stored answer and a
  hash-chained audit entry, under the ledger lock that keeps pull cursors gapless. Pull filters by
  the device's scope and returns the stored wire form. Auth: a bearer token per request.
- PouchDB-server (Node, express-pouchdb, no authentication: "admin party") stores each document
  with a revision tree (``1-<md5>``), a by-sequence entry and the document, in LevelDB files by
  default (``--pouchdb-storage leveldb``), not fsynced per write: on disk like the other two's
  stores, which is why it is the default; ``memory`` (``--in-memory``, MemDOWN) reproduces the
  issue's first figures. No schema validation, no merge beyond the revision check, no audit.
- Kinto (Pyramid under waitress, its default four threads, on PostgreSQL) runs each record of a
  ``/v1/batch`` as a subrequest through its full request pipeline: basic auth of a Kinto account
  (the password check is cached), permission checks on bucket and collection, the record's
  ``last_modified`` timestamp bump and its permission row for the writer. Batches hold at most
  the server's ``batch_max_requests`` (25 by default), so a batch of 500 is 20 requests. Its
  per-request debug log is turned down to warnings. Pull is ``GET …/records`` in pages.

Prints one JSON document (systems, ratios against each target, versions, machine, date) on stdout
and the table on stderr.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.harness import RECORDS_SEED, Device, creations, inspections, installation, machine, server
from bench.peers import PEER_IDS, Record, System, kinto, pouchdb_server

BEATLOG = ("beatlog-sqlite", "beatlog-postgresql")
PEERS = ("pouchdb-server", "kinto")
TARGETS = {("push", "pouchdb-server"): 1.5, ("pull", "pouchdb-server"): 4.0, ("pull", "kinto"): 4.0}
"""How many times a peer's records/s Beatlog must reach (issue 16); push against Kinto has none."""


class BeatlogDevice:
    """Beatlog as a :class:`bench.peers.System`: one officer's device."""

    def __init__(self, url: str) -> None:
        self.device = Device(url)

    def push(self, records: list[Record]) -> float:
        return self.device.push(creations(records))[0]

    def pull(self, page: int) -> tuple[int, float]:
        self.device.cursor = ""
        total, wall, more = 0, 0.0, True
        while more:
            received, elapsed, _, more = self.device.pull(page)
            total += received
            wall += elapsed
        return total, wall


def measure(system: System, records: Iterator[Record], count: int, batch: int, page: int) -> dict[str, Any]:
    wall = 0.0
    for offset in range(0, count, batch):
        wall += system.push([next(records) for _ in range(min(batch, count - offset))])
    pulled, pull_wall = system.pull(page)
    assert pulled >= count, f"pushed {count} records, pulled {pulled}"
    return {"push": {"records": count, "batch": batch, "seconds": round(wall, 3), "records_per_s": round(count / wall)},
            "pull": {"records": pulled, "page": page, "seconds": round(pull_wall, 3),
                     "records_per_s": round(pulled / pull_wall)}}


@contextmanager
def beatlog_on(backend: str, workers: int, versions: dict[str, str]) -> Iterator[tuple[System, dict[str, str]]]:
    with installation(backend) as installed, server(installed.env, workers, installed.directory / "server.log") as url:
        if backend == "postgresql":
            engine = sa.create_engine(installed.database_url.replace("postgresql://", "postgresql+psycopg://", 1))
            with engine.connect() as connection:
                versions["postgresql"] = connection.exec_driver_sql("SHOW server_version").scalar_one()
            engine.dispose()
        yield BeatlogDevice(url), installed.ids


@contextmanager
def peer(name: str, args: argparse.Namespace, versions: dict[str, str]) -> Iterator[tuple[System, dict[str, str]]]:
    running: AbstractContextManager[Any] = (
        pouchdb_server(args.scratch, args.pouchdb_storage) if name == "pouchdb-server"
        else kinto(args.scratch, args.kinto_database))
    with running as system:
        versions.update(system.versions)
        yield system, PEER_IDS


def best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The fastest push and the fastest pull of a system's runs: on a busy machine other work only
    ever slows a run down, so the best is the least disturbed. Every run's records/s stays beside it."""
    figures: dict[str, Any] = {}
    for direction in ("push", "pull"):
        figures[direction] = {**max((run[direction] for run in runs), key=lambda done: done["records_per_s"]),
                              "runs_records_per_s": [run[direction]["records_per_s"] for run in runs]}
    return figures


def ratios(systems: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Beatlog's records/s over each peer's, per backend and direction, with the target where there is one."""
    found = []
    for mine in (name for name in BEATLOG if name in systems):
        for other in (name for name in PEERS if name in systems):
            for direction in ("push", "pull"):
                ratio = systems[mine][direction]["records_per_s"] / systems[other][direction]["records_per_s"]
                target = TARGETS.get((direction, other))
                found.append({"beatlog": mine, "peer": other, "direction": direction, "ratio": round(ratio, 2),
                              "target": target, "met": None if target is None else ratio >= target})
    return found


def table(systems: dict[str, dict[str, Any]], found: list[dict[str, Any]]) -> str:
    lines = [f"{'':<22}{'push rec/s':>12}{'pull rec/s':>12}"]
    lines += [f"{name:<22}{figures['push']['records_per_s']:>12,}{figures['pull']['records_per_s']:>12,}"
              for name, figures in systems.items()]
    lines += ["", f"{'Beatlog ÷ peer':<44}{'ratio':>8}  target"]
    for row in found:
        verdict = "" if row["target"] is None else f"≥ {row['target']:g}: {'met' if row['met'] else 'NOT met'}"
        lines.append(f"{row['direction'] + ', ' + row['beatlog'] + ' ÷ ' + row['peer']:<44}{row['ratio']:>7.2f}×  "
                     f"{verdict}")
    return "\n".join(lines)


def revision() -> str:
    done = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=Path(__file__).parent,
                          capture_output=True, text=True, check=False)
    return done.stdout.strip() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", default=",".join(BEATLOG + PEERS), help="a comma-separated subset")
    parser.add_argument("--records", type=int, default=10000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--page", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=1,
                        help="run every system this many times, in turn, and keep each one's best push and pull")
    parser.add_argument("--workers", type=int, default=2, help="Beatlog's gunicorn workers")
    parser.add_argument("--pouchdb-storage", choices=("leveldb", "memory"), default="leveldb")
    parser.add_argument("--kinto-database", default="peers_bench_kinto",
                        help="made afresh beside BENCH_DATABASE_URL's (or TEST_DATABASE_URL's), dropped after")
    parser.add_argument("--scratch", type=Path, default=Path(__file__).parent / ".peers")
    args = parser.parse_args()
    unknown = set(args.systems.split(",")) - set(BEATLOG + PEERS)
    if unknown:
        parser.error(f"unknown systems {', '.join(sorted(unknown))}; choose among {', '.join(BEATLOG + PEERS)}")
    versions = {"beatlog": revision()}
    runs: dict[str, list[dict[str, Any]]] = {}
    for _ in range(args.repeat):
        for name in args.systems.split(","):
            started = (beatlog_on(name.removeprefix("beatlog-"), args.workers, versions) if name in BEATLOG
                       else peer(name, args, versions))
            with started as (system, ids):
                runs.setdefault(name, []).append(
                    measure(system, inspections(ids, args.records, random.Random(RECORDS_SEED)), args.records,
                            args.batch, args.page))
            print(f"{name}: {json.dumps(runs[name][-1])}", file=sys.stderr)
    systems = {name: best(measured) for name, measured in runs.items()}
    found = ratios(systems)
    settings = {key: str(value) if isinstance(value, Path) else value for key, value in vars(args).items()}
    report = {"benchmark": "peers", "machine": machine(), "when": datetime.now(UTC).isoformat(timespec="seconds"),
              "settings": settings, "versions": versions, "systems": systems, "ratios": found}
    print(table(systems, found), file=sys.stderr)
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
