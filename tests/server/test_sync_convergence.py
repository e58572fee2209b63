"""Devices syncing in any order, while the organisation moves under them: nothing lost, everyone converges.

Hypothesis draws a scenario for five phones (officers of rooms A1, A1 and A2, the chiefs of
stations A and B) that work offline on venues and inspections and push and pull in any
order, sometimes losing an answer or restarting a full resync halfway, while an admin moves
an officer between rooms and stations and moves venues between rooms, the chief reviews
inspections as pushes arrive, and the admin resolves conflicts as deletes arrive.

The phones are the real handheld core (``tests.phone``): its store, outbox and sync client.
Phones create venues only in rooms they hold, as the handheld does (see "Scope changes" in
docs/protocol.md). After everyone has synced, each phone must hold exactly what a fresh
phone of the same user pulls, and every change a phone sent must be in the final state, in a conflict, or in
quarantine with a way forward (open for an admin to apply or dismiss).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from server.extensions import db
from server.models import AuditEntry, QuarantinedMutation, SyncConflict, SyncMutation, Venue
from server.operations.catalog import edit_venue
from sync import clock
from tests.conftest import empty_tables
from tests.phone import Phone, Phones
from tests.world import CHINA, World, build_world

USERS = ("officer_a1", "officer_a1b", "officer_a2", "chief_a", "chief_b")
ROOMS = ("A1", "A2", "B1")
VENUE_VALUES = {"name": ("月河宾馆", "禾兴网吧", "南湖商铺"), "phone": ("", "0573-82000001"),
                "risk_level": ("low", "medium", "high")}
FINDINGS = ("", "消防通道堵塞", "登记不全")
EXAMPLES = int(os.environ.get("BEATLOG_CONVERGENCE_EXAMPLES", "20"))
SETTLED = ("applied", "merged", "conflict", "rejected")

phone = st.integers(0, len(USERS) - 1)
pick = st.integers(0, 30)
step = st.one_of(
    st.tuples(st.just("create_venue"), phone, pick, st.sampled_from(VENUE_VALUES["name"])),
    st.tuples(st.just("edit_venue"), phone, pick, st.sampled_from(sorted(VENUE_VALUES)), st.integers(0, 2)),
    st.tuples(st.just("delete_venue"), phone, pick),
    st.tuples(st.just("inspect"), phone, pick),
    st.tuples(st.just("edit_inspection"), phone, pick, st.sampled_from(FINDINGS), st.booleans()),
    st.tuples(st.just("push"), phone, st.booleans()),
    st.tuples(st.just("pull"), phone, st.booleans()),
    st.tuples(st.just("resync"), phone),
    st.tuples(st.just("move_officer"), st.sampled_from(ROOMS)),
    st.tuples(st.just("move_venue"), pick, st.sampled_from(ROOMS)),
    st.tuples(st.just("review"), pick, st.sampled_from(("approve", "return"))),
    st.tuples(st.just("resolve"), st.booleans()),
)


class Motion:
    """The scenario's phones, the admin's and chief's hands, and every mutation a phone sent."""

    def __init__(self, app: Flask, client: FlaskClient, world: World, hands: Phones) -> None:
        self.app, self.client, self.world, self.hands = app, client, world, hands
        self.phones = [self.phone(username) for username in USERS]
        self.answers: dict[str, list[int]] = {"review": [], "resolve": []}

    def phone(self, username: str) -> Phone:
        return self.hands.sign_in(username)

    @property
    def sent(self) -> dict[str, dict[str, Any]]:
        """Every mutation a phone sent, by its id."""
        return {mutation["mutation_id"]: mutation for phone in self.phones for mutation in phone.sent}

    def call(self, username: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        response = self.client.open(path, method=method, json=body, headers=self.world.headers(username))
        return response.status_code, response.get_json(silent=True)

    def run(self, action: tuple[Any, ...]) -> None:
        getattr(self, action[0])(*action[1:])

    def create_venue(self, index: int, which: int, name: str) -> None:
        """A new venue in one of the rooms the phone knows (as the handheld offers them, stale or not)."""
        device = self.phones[index]
        rooms = sorted(device.visible("room"))
        device.create("venue", {"room_id": rooms[which % len(rooms)], "name": name, "kind": "hotel",
                                "address": "中山东路1号"})

    def edit_venue(self, index: int, which: int, name: str, choice: int) -> None:
        record_id = self.chosen(self.phones[index], "venue", which)
        if record_id is not None:
            values = VENUE_VALUES[name]
            self.phones[index].edit("venue", record_id, **{name: values[choice % len(values)]})

    def delete_venue(self, index: int, which: int) -> None:
        record_id = self.chosen(self.phones[index], "venue", which)
        if record_id is not None:
            self.phones[index].delete("venue", record_id)

    def inspect(self, index: int, which: int) -> None:
        device, username = self.phones[index], USERS[index]
        venue_id = self.chosen(device, "venue", which)
        if venue_id is None or not username.startswith("officer"):
            return
        inspected_at = clock.now().astimezone(CHINA).isoformat(timespec="seconds")
        device.create("inspection", {
            "venue_id": venue_id, "officer_id": str(self.world.people[username]), "inspected_at": inspected_at,
            "status": "submitted", "checklist": {"register": {"result": "pass", "note": ""}},
            "template_id": str(self.world.template), "template_version": 1})

    def edit_inspection(self, index: int, which: int, findings: str, withdraw: bool) -> None:
        device = self.phones[index]
        record_id = self.chosen(device, "inspection", which)
        if record_id is None:
            return
        changes: dict[str, Any] = {"findings": findings}
        if withdraw:
            changes["status"] = "draft"
        device.edit("inspection", record_id, **changes)

    def push(self, index: int, lose_answer: bool) -> None:
        self.phones[index].push(lose_answer=lose_answer)

    def pull(self, index: int, lose_answer: bool) -> None:
        self.phones[index].pull(limit=3, lose_answer=lose_answer)

    def resync(self, index: int) -> None:
        """A full resync from scratch that stops after its first page; a later pull resumes it."""
        device = self.phones[index]
        device.restart_full_resync()
        device.pull(limit=2, pages=1)

    def move_officer(self, room: str) -> None:
        status, body = self.call("admin", "PATCH", f"/api/v1/people/{self.world.people['officer_a1b']}",
                                 {"room_id": str(self.world.rooms[room])})
        assert status == 200, body

    def move_venue(self, which: int, room: str) -> None:
        with self.app.app_context():
            venues = db.session.scalars(select(Venue).where(Venue.deleted.is_(False)).order_by(Venue.id)).all()
            venue_id = venues[which % len(venues)].id
            edit_venue(db.session, venue_id, {"room_id": str(self.world.rooms[room])},
                       actor_id=self.world.people["admin"])
            db.session.commit()
            db.session.remove()

    def review(self, which: int, decision: str) -> None:
        chief = self.phones[USERS.index("chief_a")]
        record_id = self.chosen(chief, "inspection", which)
        if record_id is None:
            return
        known = chief.visible("inspection")[record_id]["version"]
        body = {"decision": decision, "comment": "请补充照片", "expected_version": known or 1}
        status, answer = self.call("chief_a", "POST", f"/api/v1/inspections/{record_id}/review", body)
        assert status in (200, 404, 409), answer
        self.answers["review"].append(status)

    def resolve(self, take_device: bool) -> None:
        status, listed = self.call("admin", "GET", "/api/v1/conflicts?status=open")
        assert status == 200, listed
        if not listed:
            return
        conflict = listed[0]
        status, record = self.call("admin", "GET", f"/api/v1/{conflict['record_type']}s/{conflict['record_id']}")
        version = record["version"] if status == 200 else conflict["server_version"]
        values = {name: field["device" if take_device else "server"] for name, field in conflict["fields"].items()}
        status, answer = self.call("admin", "POST", f"/api/v1/conflicts/{conflict['id']}/resolve",
                                   {"expected_version": version, "values": values})
        assert status in (200, 409, 422), answer
        self.answers["resolve"].append(status)

    def chosen(self, device: Phone, record_type: str, which: int) -> str | None:
        """One of the records the officer sees (synced or only on the phone), as they would pick it."""
        candidates = sorted(device.visible(record_type))
        return candidates[which % len(candidates)] if candidates else None

    def settle(self) -> None:
        for _ in range(3):
            for device in self.phones:
                device.push()
                device.pull(limit=7)
        assert all(device.pending() == 0 for device in self.phones)


def synced_records(device: Phone) -> dict[tuple[str, str], dict[str, Any]]:
    return {key: {"version": record["version"], "data": record["data"]}
            for key, record in device.held().items() if not record["deleted"]}


@contextmanager
def started(app: Flask, client: FlaskClient) -> Iterator[Motion]:
    """The test world, built afresh, with every phone holding its first pull."""
    with app.app_context():
        empty_tables()
        world = build_world(db.session)
        db.session.remove()
    with Phones(client, world) as hands:
        motion = Motion(app, client, world, hands)
        for device in motion.phones:
            device.pull()
        yield motion


def check_every_phone_equals_a_fresh_one(motion: Motion) -> None:
    """Each phone holds what a fresh one pulls, and more only where it keeps refused work for the officer."""
    for username, device in zip(USERS, motion.phones, strict=True):
        fresh = motion.phone(username)
        fresh.pull()
        held, pulled = synced_records(device), synced_records(fresh)
        assert held.items() >= pulled.items(), username
        assert held.keys() - pulled.keys() <= device.refused(), username


def check_every_change_has_a_place(app: Flask, motion: Motion) -> None:
    with app.app_context():
        stored = {str(row.mutation_id): row.result for row in db.session.scalars(select(SyncMutation))}
        assert stored.keys() == motion.sent.keys()
        conflicts = {str(c.mutation_id): c for c in db.session.scalars(select(SyncConflict))}
        quarantined = {str(q.mutation_id): q for q in db.session.scalars(select(QuarantinedMutation))}
        for mutation_id, mutation in motion.sent.items():
            result = stored[mutation_id]
            assert result["status"] in SETTLED, result
            if result["status"] == "conflict":
                conflict = conflicts[mutation_id]
                for name, values in conflict.fields.items():
                    assert values["device"] == mutation["data"].get(name, values["device"])
            elif result["status"] == "rejected":
                assert quarantined[mutation_id].status == "open", result
        versions = db.session.execute(
            select(AuditEntry.record_type, AuditEntry.record_id, AuditEntry.record_version, func.count())
            .where(AuditEntry.record_type.in_(("venue", "inspection")), AuditEntry.action.not_like("conflict.%"),
                   AuditEntry.action.not_like("sync.%"))
            .group_by(AuditEntry.record_type, AuditEntry.record_id, AuditEntry.record_version)
        ).all()
        assert all(times == 1 for *_, times in versions), "a version was handed out twice"


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=6, max_size=40))
def test_phones_converge_and_lose_nothing_while_people_and_venues_move_and_admins_act(
    app: Flask, client: FlaskClient, steps: list[tuple[Any, ...]]
) -> None:
    with started(app, client) as motion:
        for action in steps:
            motion.run(action)
        motion.settle()
        check_every_phone_equals_a_fresh_one(motion)
        check_every_change_has_a_place(app, motion)


def test_the_runner_reaches_duplicates_and_conflicts_after_a_lost_answer(app: Flask, client: FlaskClient) -> None:
    """A fixed scenario, so the property above is known to exercise merges, conflicts and duplicates."""
    with started(app, client) as motion:
        for action in [("edit_venue", 0, 0, "name", 0), ("edit_venue", 1, 0, "name", 1),
                       ("edit_venue", 1, 0, "phone", 1), ("push", 0, True), ("push", 0, False), ("push", 1, False)]:
            motion.run(action)
        statuses = [r["status"] for device in motion.phones for r in device.results]
        assert statuses == ["duplicate", "conflict"]
        assert uuid.UUID(motion.phones[1].results[0]["conflict_id"])


def test_the_runner_reaches_moves_reviews_resolutions_and_resyncs(app: Flask, client: FlaskClient) -> None:
    """A fixed scenario, so the property above is known to exercise what it claims."""
    with started(app, client) as motion:
        for action in [("inspect", 1, 0), ("edit_venue", 0, 0, "name", 1), ("edit_venue", 1, 0, "name", 2),
                       ("push", 0, False), ("push", 1, False), ("move_officer", "B1"), ("resync", 1),
                       ("pull", 1, False), ("review", 0, "approve"), ("resolve", True), ("move_venue", 0, "A2")]:
            motion.run(action)
        motion.settle()
        statuses = {r["status"] for device in motion.phones for r in device.results}
        assert {"applied", "conflict"} <= statuses
        assert motion.answers["review"] and motion.answers["resolve"] == [200]
        assert motion.phones[USERS.index("officer_a1b")].resets == 2
        check_every_phone_equals_a_fresh_one(motion)

