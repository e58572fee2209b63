"""Several devices, random offline edits, random sync order, lost responses: everyone converges.

Hypothesis draws a scenario: three devices (two officers of room A1 and their chief) create,
edit and delete venues offline, push and pull in any order, and sometimes lose the answer
to a push or a pull, while an admin moves venues between rooms and stations. After everyone
has synced, every device must hold exactly the server's records (what a fresh device of the
same user would pull), no record may exist twice, and every change a device sent must be
in the server's state, in an open conflict holding the device's values, or (sent for a
venue that had moved out of the sender's scope) open in quarantine.
"""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from server.access import Scope
from server.extensions import db
from server.models import AuditEntry, Person, QuarantinedMutation, SyncConflict, SyncMutation, Venue
from server.operations.catalog import edit_venue
from tests.conftest import empty_tables
from tests.sync_device import SyncDevice, flask_http
from tests.world import World, build_world

USERS = ("officer_a1", "officer_a1b", "chief_a")
VALUES = {
    "name": ("月河宾馆", "禾兴网吧", "南湖商铺"),
    "notes": ("", "夜间营业", "已整改"),
    "phone": ("", "0573-82000001"),
    "risk_level": ("low", "medium", "high"),
}
EXAMPLES = int(os.environ.get("BEATLOG_CONVERGENCE_EXAMPLES", "20"))

step = st.one_of(
    st.tuples(st.just("create"), st.integers(0, 2), st.sampled_from(("A1", "A2")), st.sampled_from(VALUES["name"])),
    st.tuples(st.just("edit"), st.integers(0, 2), st.integers(0, 20), st.sampled_from(sorted(VALUES)),
              st.integers(0, 2)),
    st.tuples(st.just("delete"), st.integers(0, 2), st.integers(0, 20)),
    st.tuples(st.just("push"), st.integers(0, 2), st.booleans()),
    st.tuples(st.just("pull"), st.integers(0, 2), st.booleans()),
    st.tuples(st.just("move"), st.integers(0, 20), st.sampled_from(("A1", "A2", "B1"))),
)


class Scenario:
    def __init__(self, app: Flask, client: FlaskClient, world: World) -> None:
        self.app = app
        self.world = world
        self.devices = [SyncDevice(world.devices[u], flask_http(client, world.headers(u))) for u in USERS]
        self.sent: dict[str, dict[str, Any]] = {}

    def run(self, action: tuple[Any, ...]) -> None:
        kind, index, *args = action
        if kind == "move":
            self.move(index, args[0])
            return
        device = self.devices[index]
        if kind == "create":
            room, name = args
            if USERS[index] != "chief_a":
                room = "A1"
            device.create("venue", {"room_id": str(self.world.rooms[room]), "name": name, "kind": "shop",
                                    "address": "中山东路1号"})
        elif kind in ("edit", "delete"):
            known = set(device.visible("venue")) | {p.mutation["id"] for p in device.outbox if p.mutation["op"] == "create"}
            venues = sorted(record_id for record_id in known if device.local("venue", record_id))
            if not venues:
                return
            record_id = venues[args[0] % len(venues)]
            if kind == "delete":
                device.delete("venue", record_id)
            else:
                name, choice = args[1], args[2]
                device.edit("venue", record_id, **{name: VALUES[name][choice % len(VALUES[name])]})
        elif kind == "push":
            self.remember(device)
            status, body = device.push(lose_response=args[0])
            assert status == 200, body
        else:
            device.pull(limit=3, lose_response=args[0])

    def move(self, index: int, room: str) -> None:
        """The admin moves a venue (and its logs) to another room."""
        with self.app.app_context():
            venues = db.session.scalars(select(Venue).where(Venue.deleted.is_(False)).order_by(Venue.id)).all()
            edit_venue(db.session, venues[index % len(venues)], {"room_id": str(self.world.rooms[room])},
                       actor_id=self.world.people["admin"])
            db.session.commit()
            db.session.remove()

    def remember(self, device: SyncDevice) -> None:
        for pending in device.outbox:
            self.sent[pending.mutation["mutation_id"]] = pending.mutation

    def settle(self) -> None:
        for _ in range(3):
            for device in self.devices:
                self.remember(device)
                device.push()
                device.pull(limit=7)
        assert all(not device.outbox for device in self.devices)


def server_venues(app: Flask, world: World, username: str) -> dict[str, dict[str, Any]]:
    with app.app_context():
        person = db.session.get(Person, world.people[username])
        scope = Scope.of(db.session, person)
        venues = db.session.scalars(scope.select(Venue).where(Venue.deleted.is_(False))).all()
        return {str(v.id): {"version": v.version, "data": json.loads(v.wire)["data"]} for v in venues}


def check_nothing_was_lost_or_doubled(app: Flask, scenario: Scenario) -> None:
    with app.app_context():
        stored = {str(row.mutation_id): row.result for row in db.session.scalars(select(SyncMutation))}
        assert stored.keys() == scenario.sent.keys()
        conflicts = {str(c.mutation_id): c for c in db.session.scalars(select(SyncConflict))}
        quarantined = {str(q.mutation_id): q for q in db.session.scalars(select(QuarantinedMutation))}
        for mutation_id, mutation in scenario.sent.items():
            status = stored[mutation_id]["status"]
            if status == "rejected":
                assert stored[mutation_id]["code"] == "out_of_scope" and mutation["op"] != "create"
                assert quarantined[mutation_id].status == "open"
                continue
            assert status in ("applied", "merged", "conflict"), stored[mutation_id]
            if status == "conflict":
                conflict = conflicts[mutation_id]
                assert conflict.status == "open"
                for name, values in conflict.fields.items():
                    assert values["device"] == mutation["data"].get(name, values["device"])
        versions = db.session.execute(
            select(AuditEntry.record_id, AuditEntry.record_version, func.count())
            .where(AuditEntry.record_type == "venue", AuditEntry.action != "conflict.open")
            .group_by(AuditEntry.record_id, AuditEntry.record_version)
        ).all()
        assert all(times == 1 for _, _, times in versions)
        created = {m["id"] for m in scenario.sent.values() if m["op"] == "create"}
        on_server = set(map(str, db.session.scalars(select(Venue.id))))
        assert created <= on_server
        assert len(on_server) == len(created) + 3


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=4, max_size=30))
def test_devices_that_sync_in_any_order_converge_and_lose_nothing(
    app: Flask, client: FlaskClient, steps: list[tuple[Any, ...]]
) -> None:
    with app.app_context():
        empty_tables()
        world = build_world(db.session)
        db.session.remove()
    scenario = Scenario(app, client, world)
    for action in steps:
        scenario.run(action)
    scenario.settle()
    for username, device in zip(USERS, scenario.devices):
        assert device.visible("venue") == server_venues(app, world, username), username
        fresh = SyncDevice(world.devices[username], flask_http(client, world.headers(username)))
        fresh.pull()
        for record_type in ("person", "venue", "inspection", "followup"):
            assert device.visible(record_type) == fresh.visible(record_type), (username, record_type)
    check_nothing_was_lost_or_doubled(app, scenario)


def test_the_scenario_runner_reaches_every_kind_of_outcome(app: Flask, client: FlaskClient) -> None:
    """A fixed scenario, so the property above is known to exercise merges, conflicts and duplicates."""
    with app.app_context():
        world = build_world(db.session)
    scenario = Scenario(app, client, world)
    for action in [("pull", 0, False), ("pull", 1, False), ("edit", 0, 0, "name", 0), ("edit", 1, 0, "name", 1),
                   ("edit", 1, 0, "notes", 1), ("push", 0, True), ("push", 0, False), ("push", 1, False)]:
        scenario.run(action)
    statuses = [r["status"] for device in scenario.devices for r in device.results]
    assert statuses == ["duplicate", "conflict"]
    assert uuid.UUID(scenario.devices[1].results[0]["conflict_id"])
