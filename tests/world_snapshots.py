"""The test world, built once per database and clock reading and then copied in for each test.

Building the world (``tests.world.build_world``) writes through the real operations: records
with their audit trail, people with hashed passwords, devices signed in, photos stored. That
is most of a small test's time, and hundreds of tests (every cell of the ownership and
permission matrices) want the same world. The first test on a database builds it; later
tests get its rows copied back into their emptied tables and its blob store copied into
their instance folder, which gives them the same world, ids, tokens and audit chain included.
A test that moved the clock before asking for the world gets one built on its own clock.
"""

from __future__ import annotations

import copy
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app

from server.extensions import db
from server.models import Base
from sync import clock
from tests.world import World, build_world


@dataclass(frozen=True)
class Snapshot:
    world: World
    rows: dict[str, list[dict[str, Any]]]
    blobs: Path


class WorldSnapshots:
    """The worlds built so far in this test process, by database and the time they were built at."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.built: dict[tuple[str, timedelta, datetime | None], Snapshot] = {}

    def world(self) -> World:
        """The world in the current app's emptied database: copied if built before, built otherwise."""
        running = clock.current_clock()
        key = (str(db.engine.url), running.offset, running.frozen_at)
        snapshot = self.built.get(key)
        if snapshot is None:
            snapshot = self.built[key] = self.take(build_world(db.session), len(self.built))
        else:
            self.restore(snapshot)
        return copy.deepcopy(snapshot.world)

    def take(self, world: World, number: int) -> Snapshot:
        with db.engine.connect() as connection:
            rows = {table.name: [dict(row._mapping) for row in connection.execute(table.select())]
                    for table in Base.metadata.sorted_tables}
        blobs = self.folder / f"blobs-{number}"
        shutil.copytree(current_app.config["BLOB_STORE"], blobs)
        return Snapshot(copy.deepcopy(world), rows, blobs)

    @staticmethod
    def restore(snapshot: Snapshot) -> None:
        tables = Base.metadata.sorted_tables
        with db.engine.begin() as connection:
            for table in reversed(tables):
                connection.execute(table.delete())
            for table in tables:
                if snapshot.rows[table.name]:
                    connection.execute(table.insert(), snapshot.rows[table.name])
        shutil.copytree(snapshot.blobs, current_app.config["BLOB_STORE"], dirs_exist_ok=True)
