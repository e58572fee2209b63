"""Where a pull's database work goes with a standby: statements and rows on the primary and on the standby.

Starts a private primary and a standby made with ``pg_basebackup -R`` (the tests' harness,
``tests/postgres_cluster.py``; needs PostgreSQL's server programs and, as root, the
``postgres`` user), loads the test world plus ``--inspections`` inspections in one room, and
counts, per engine, the statements and the rows they returned for: a full resync of that room
in pages of ``--limit``, a pull with nothing new, a pull right after the device's own push
while the standby's replay is paused (the primary must answer it), and the full resync again
with no standby configured. Counts, not timings, so a busy machine does not change them;
about 15 s. Prints one JSON document (the server's log lines go to stderr).

    python -m bench.replica_bench --inspections 2000 --limit 200 2>/dev/null
"""

from __future__ import annotations

import argparse
import json
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import Engine, event

from server import replica
from server.extensions import db
from server.models import Inspection
from server.operations.records import write_record
from sync import clock
from tests.conftest import TEST_NOW, make_app
from tests.phone import Phone, Phones
from tests.postgres_cluster import Replication, replicated_clusters
from tests.world import build_world


@contextmanager
def counting(engines: dict[str, Engine]) -> Iterator[Counter[str]]:
    """Statements and returned rows per engine while the block runs."""
    counts: Counter[str] = Counter()
    listeners = []
    for name, engine in engines.items():
        def after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool,
                  name: str = name) -> None:
            counts[f"{name}_statements"] += 1
            counts[f"{name}_rows"] += max(cursor.rowcount, 0) if statement.lstrip().upper().startswith(
                ("SELECT", "WITH")) else 0

        event.listen(engine, "after_cursor_execute", after)
        listeners.append((engine, after))
    try:
        yield counts
    finally:
        for engine, after in listeners:
            event.remove(engine, "after_cursor_execute", after)


def add_inspections(app: Flask, world: Any, number: int) -> None:
    with app.app_context():
        for index in range(number):
            write_record(db.session, Inspection(
                venue_id=world.venues["A1"], room_id=world.rooms["A1"], officer_id=world.people["officer_a1"],
                template_id=world.template, template_version=1, inspected_at=TEST_NOW,
                checklist={"register": {"result": "pass", "note": f"第{index}次检查"}}, status="submitted"),
                "create", actor_id=world.people["officer_a1"])
        db.session.commit()


def measure(replication: Replication, inspections: int, limit: int, directory: Path) -> dict[str, Any]:
    name = f"replica_bench_{uuid.uuid4().hex[:8]}"
    replication.on_primary(f'CREATE DATABASE "{name}"')
    url = replication.primary.url.rsplit("/", 1)[0] + f"/{name}"
    standby_url = replication.standby.url.rsplit("/", 1)[0] + f"/{name}"
    app = make_app(url, directory / "instance", DATABASE_REPLICA_URL=standby_url)
    try:
        with app.app_context():
            upgrade()
            world = build_world(db.session)
            engines = {"primary": db.engine, "standby": app.extensions[replica.STANDBY]}
        add_inspections(app, world, inspections)
        replication.caught_up()
        results: dict[str, Any] = {}
        with Phones(app.test_client(), world, directory / "phones") as phones:
            phone: Phone = phones.sign_in("officer_a1b")
            with app.app_context(), counting(engines) as counts:
                phone.pull(limit=limit)
            results["full_resync"] = dict(counts)
            with app.app_context(), counting(engines) as counts:
                phone.pull(limit=limit)
            results["pull_with_nothing_new"] = dict(counts)
            replication.pause()
            phone.edit("venue", str(world.venues["A1"]), notes="补充")
            phone.push()
            with app.app_context(), counting(engines) as counts:
                phone.pull(limit=limit)
            results["pull_after_own_push_standby_paused"] = dict(counts)
            replication.caught_up()
        alone = make_app(url, directory / "instance")
        with Phones(alone.test_client(), world, directory / "alone") as phones, alone.app_context():
            with counting({"primary": db.engine}) as counts:
                phones.sign_in("officer_a1b").pull(limit=limit)
            results["full_resync_without_standby"] = dict(counts)
            db.session.remove()
            db.engine.dispose()
        return results
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        app.extensions[replica.STANDBY].dispose()
        replication.on_primary(f'DROP DATABASE "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inspections", type=int, default=2000)
    parser.add_argument("--limit", type=int, default=200)
    arguments = parser.parse_args()
    clock.set_clock(clock.Clock.at(TEST_NOW))
    with tempfile.TemporaryDirectory() as scratch, replicated_clusters() as replication:
        results = measure(replication, arguments.inspections, arguments.limit, Path(scratch))
    print(json.dumps({"inspections": arguments.inspections, "limit": arguments.limit, **results}, indent=2))


if __name__ == "__main__":
    main()
