"""Work orders through the real push and pull: routing, the traffic squads' scope, the wall, the fold.

Community officers report; traffic police of the squad covering the room act on the order by
appending events, offline or not; the order's state is the fold of its events in server order,
the same on the server and on every phone (``sync.work_orders``).
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from server.extensions import db
from server.models import WorkOrder, WorkOrderEvent
from sync import clock
from sync.protocol import SCHEMA_VERSION
from sync.work_orders import EVENT_ROLES, fold, ordered
from tests.phone import DeviceFactory, Phone, hostile_push, mutation
from tests.world import CHINA, World

ROLE = {"officer_a1": "officer", "traffic_s1": "traffic", "traffic_s2": "traffic", "lead_s": "squad_lead",
        "traffic_t": "traffic"}


def report(world: World, phone: Phone, plate: str = "浙F88888") -> str:
    return phone.create("work_order", {
        "room_id": str(world.rooms["A1"]), "officer_id": str(world.people["officer_a1"]), "kind": "illegal_parking",
        "plate": plate, "address": "中山东路8号", "reported_at": clock.now().astimezone(CHINA).isoformat()})


def step(world: World, phone: Phone, username: str, order_id: str, kind: str, **data: Any) -> str:
    return phone.create("work_order_event", {
        "work_order_id": order_id, "kind": kind, "actor_id": str(world.people[username]), "actor_role": ROLE[username],
        "at": clock.now().astimezone(CHINA).isoformat(), **data})


def local_fold(phone: Phone, order_id: str) -> dict[str, Any]:
    """The order's state as the phone folds it: the server's events, then its own unsent ones."""
    order = phone.visible("work_order")[order_id]["data"]
    events = [{**record["data"], "id": record_id} for record_id, record in phone.visible("work_order_event").items()
              if record["data"]["work_order_id"] == order_id]
    return fold(order, ordered(events)).summary()


def test_a_report_is_routed_to_the_squad_covering_its_room_with_its_deadlines(
        app: Flask, world: World, device: DeviceFactory) -> None:
    officer = device("officer_a1")
    order_id = report(world, officer)
    officer.sync()
    order = officer.visible("work_order")[order_id]["data"]
    assert (order["squad_id"], order["status"]) == (str(world.squads["S"]), "dispatched")
    dispatched = datetime.fromisoformat(order["dispatched_at"])
    assert datetime.fromisoformat(order["accept_due"]) - dispatched == timedelta(minutes=30)
    assert datetime.fromisoformat(order["resolve_due"]) - dispatched == timedelta(hours=2)
    traffic, elsewhere = device("traffic_s1"), device("traffic_t")
    traffic.pull()
    elsewhere.pull()
    assert order_id in traffic.visible("work_order")
    assert order_id not in elsewhere.visible("work_order")


def test_traffic_police_are_sent_only_their_squads_orders_and_people(world: World, device: DeviceFactory) -> None:
    traffic = device("traffic_s1")
    traffic.pull()
    assert set(traffic.visible("work_order")) == {str(world.work_orders["A1"]), str(world.work_orders["A2"])}
    for record_type in ("venue", "inspection", "followup", "room"):
        assert traffic.visible(record_type) == {}, record_type
    assert {record["data"]["username"] for record in traffic.visible("person").values()} == {
        "traffic_s1", "traffic_s2", "lead_s"}


def test_two_offline_acceptances_are_both_kept_and_the_second_is_told_who_was_first(
        world: World, device: DeviceFactory) -> None:
    officer, first, second = device("officer_a1"), device("traffic_s1"), device("traffic_s2")
    order_id = report(world, officer)
    officer.sync()
    first.pull()
    second.pull()
    mine, theirs = step(world, first, "traffic_s1", order_id, "accepted"), step(world, second, "traffic_s2",
                                                                                order_id, "accepted")
    first.sync()
    second.sync()
    first.sync()
    assert [result["status"] for result in (first.results[-1], second.results[-1])] == ["applied", "applied"]
    for phone in (first, second, officer):
        phone.sync()
        summary = local_fold(phone, order_id)
        assert (summary["status"], summary["assignee_id"]) == ("accepted", str(world.people["traffic_s1"]))
        assert phone.visible("work_order")[order_id]["data"]["assignee_id"] == str(world.people["traffic_s1"])
    events = second.visible("work_order_event")
    verdicts = fold(second.visible("work_order")[order_id]["data"],
                    ordered([{**record["data"], "id": key} for key, record in events.items()
                             if record["data"]["work_order_id"] == order_id])).verdicts
    assert verdicts[mine] is None
    assert verdicts[theirs] is not None and verdicts[theirs].by == str(world.people["traffic_s1"])


def test_the_wall_refuses_steps_outside_a_role_or_squad(app: Flask, client: Any, world: World) -> None:
    order_id = str(world.work_orders["A1"])

    def event(username: str, kind: str, **data: Any) -> dict[str, Any]:
        return mutation("work_order_event", "create", {
            "work_order_id": order_id, "kind": kind, "actor_id": str(world.people[username]),
            "actor_role": data.pop("as_role", ROLE.get(username, "officer")),
            "at": clock.now().astimezone(CHINA).isoformat(), **data})

    attempts = {
        "officer_a1": event("officer_a1", "accepted"),
        "traffic_s2": event("traffic_s2", "resolved", as_role="squad_lead", outcome="towed"),
        "lead_s": event("lead_s", "assigned", assignee_id=str(world.people["traffic_t"])),
        "traffic_t": event("traffic_t", "accepted"),
    }
    codes = {username: hostile_push(client, world, username, sent)[0].get("code")
             for username, sent in attempts.items()}
    assert codes == {"officer_a1": "not_your_step", "traffic_s2": "wrong_role", "lead_s": "invalid",
                     "traffic_t": "out_of_scope"}
    with app.app_context():
        assert db.session.scalars(select(WorkOrderEvent.id).where(
            WorkOrderEvent.work_order_id == uuid.UUID(order_id))).all() == [world.order_event]


ACTORS = ("officer_a1", "traffic_s1", "traffic_s2", "lead_s")
KINDS = ("assigned", "accepted", "contacting", "resolved", "verified", "reopened", "withdrawn")
ACTIONS = st.lists(st.one_of(
    st.tuples(st.just("step"), st.sampled_from(ACTORS), st.sampled_from(KINDS)),
    st.tuples(st.sampled_from(["sync", "sync_lost", "pull"]), st.sampled_from(ACTORS), st.just("")),
), min_size=1, max_size=12)
DETAILS = {"assigned": {"assignee_id": "traffic_s2"}, "contacting": {"contact_result": "unreachable"},
           "resolved": {"outcome": "ticketed", "ticket_number": "330100"}, "reopened": {"reason": "车还在"},
           "withdrawn": {"reason": "已离开"}}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS)
def test_officers_and_traffic_police_acting_offline_in_any_order_converge_on_the_servers_state(
        app: Flask, world: World, device: DeviceFactory, actions: list[tuple[str, str, str]]) -> None:
    phones = {username: device(username) for username in ACTORS}
    order_id = report(world, phones["officer_a1"])
    phones["officer_a1"].sync()
    made = []
    for action, username, kind in actions:
        phone = phones[username]
        if action == "step":
            details = {name: str(world.people[value]) if name == "assignee_id" else value
                       for name, value in DETAILS.get(kind, {}).items()}
            if order_id in phone.visible("work_order") and ROLE[username] in EVENT_ROLES[kind]:
                made.append(step(world, phone, username, order_id, kind, **details))
        elif action == "sync":
            phone.sync()
        elif action == "sync_lost":
            phone.push(lose_answer=True)
        else:
            phone.pull()
    for _ in range(2):
        for phone in phones.values():
            phone.sync()
    with app.app_context():
        row = db.session.get_one(WorkOrder, uuid.UUID(order_id))
        stored = {event.id for event in db.session.scalars(
            select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == row.id))}
        server_state = (row.status, row.assignee_id and str(row.assignee_id), row.reopen_count)
    assert stored == {uuid.UUID(event_id) for event_id in made}
    for username, phone in phones.items():
        summary = local_fold(phone, order_id)
        assert (summary["status"], summary["assignee_id"], summary["reopen_count"]) == server_state, username
        assert phone.pending() == 0


def test_a_resolutions_photo_is_read_by_the_squad_and_the_reporter_and_by_no_other_squad(
        client: Any, world: World) -> None:
    evidence = b"\x89PNG evidence of a towed car"
    sha = hashlib.sha256(evidence).hexdigest()
    url = f"/api/v1/blobs/{sha}?schema_version={SCHEMA_VERSION}"
    assert client.put(url, data=evidence, content_type="image/png",
                      headers=world.headers("traffic_s1")).status_code == 201
    order_id = str(world.work_orders["A1"])
    steps = [mutation("work_order_event", "create", {
        "work_order_id": order_id, "kind": kind, "actor_id": str(world.people["traffic_s1"]),
        "actor_role": "traffic", "at": clock.now().astimezone(CHINA).isoformat(), **details})
        for kind, details in (("accepted", {}), ("resolved", {"outcome": "towed", "photo_hashes": [sha]}))]
    assert [result["status"] for result in hostile_push(client, world, "traffic_s1", *steps)] == ["applied"] * 2
    seen = {username: client.get(url, headers=world.headers(username)).status_code
            for username in ("traffic_s2", "lead_s", "officer_a1", "chief_a", "traffic_t", "officer_b1")}
    assert seen == {"traffic_s2": 200, "lead_s": 200, "officer_a1": 200, "chief_a": 200, "traffic_t": 404,
                    "officer_b1": 404}


def test_an_admin_makes_traffic_accounts_in_a_squad_and_a_traffic_officer_never_becomes_a_community_one(
        client: Any, world: World) -> None:
    admin = world.headers("admin")
    created = client.post("/api/v1/people", headers=admin, json={
        "username": "new.traffic", "display_name": "新交警", "role": "traffic", "password": "long-enough-1",
        "squad_id": str(world.squads["T"])})
    assert created.status_code == 201, created.json
    stray = client.post("/api/v1/people", headers=admin, json={
        "username": "stray.officer", "display_name": "民警", "role": "officer", "password": "long-enough-1",
        "room_id": str(world.rooms["A1"]), "squad_id": str(world.squads["T"])})
    assert (stray.status_code, list(stray.json["fields"])) == (422, ["squad_id"])
    promoted = client.patch(f"/api/v1/people/{world.people['traffic_s2']}", headers=admin, json={"role": "squad_lead"})
    assert (promoted.status_code, promoted.json["role"]) == (200, "squad_lead")
    moved = client.patch(f"/api/v1/people/{world.people['traffic_s1']}", headers=admin,
                         json={"role": "officer", "room_id": str(world.rooms["A1"])})
    assert (moved.status_code, moved.json["code"]) == (409, "role_fixed")
