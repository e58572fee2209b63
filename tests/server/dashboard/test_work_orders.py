"""Work orders on the dashboard: the squad leader's board and assignment, timelines, plate files, figures."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from server.extensions import db
from server.models import AuditEntry, Device, WorkOrder, WorkOrderEvent
from server.operations.records import locked
from server.syncing.change import write_record
from sync import clock
from tests.phone import DeviceFactory, hostile_push, mutation
from tests.server.dashboard.conftest import Reviewer
from tests.world import CHINA, World


def event(world: World, username: str, kind: str, role: str = "traffic", **data: object) -> dict[str, object]:
    return mutation("work_order_event", "create", {
        "work_order_id": str(world.work_orders["A2"]), "kind": kind, "actor_id": str(world.people[username]),
        "actor_role": role, "at": clock.now().astimezone(CHINA).isoformat(), **data})


def test_a_squad_leader_lands_on_the_board_of_their_squads_orders_and_sees_nothing_else(
        reviewer: Reviewer, world: World) -> None:
    signed_in = reviewer.sign_in("lead_s")
    assert signed_in.status_code == 302 and signed_in.headers["Location"].endswith("/dashboard/orders")
    board = reviewer.get("/dashboard/orders").get_data(as_text=True)
    assert "A1 Road 2" in board and "A2 Road 2" in board and "B1 Road 2" not in board
    assert "/dashboard/inbox" not in board
    assert reviewer.get("/dashboard/inbox").status_code == 403
    assert reviewer.get(f"/dashboard/orders/{world.work_orders['B1']}").status_code == 404


def test_traffic_officers_do_not_sign_in_to_the_dashboard(reviewer: Reviewer) -> None:
    assert reviewer.sign_in("traffic_s1").status_code == 403


def test_the_leader_assigns_from_the_board_as_an_event_from_the_browser(
        app: Flask, reviewer: Reviewer, world: World) -> None:
    reviewer.sign_in("lead_s")
    reviewer.get("/dashboard/orders")
    order_id = world.work_orders["A2"]
    answer = reviewer.post(f"/dashboard/orders/{order_id}/assign",
                           {"assignee_id": str(world.people["traffic_s2"]), "back": "board"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/dashboard/orders")
    with app.app_context():
        order = db.session.get_one(WorkOrder, order_id)
        assert (order.status, order.assignee_id) == ("dispatched", world.people["traffic_s2"])
        step = db.session.scalars(select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == order_id)).one()
        device = db.session.scalar(select(Device.platform).join(AuditEntry, AuditEntry.device_id == Device.id)
                                   .where(AuditEntry.record_id == step.id))
    assert (step.kind, step.actor_id, step.position, device) == ("assigned", world.people["lead_s"], 1, "web")
    page = reviewer.get(f"/dashboard/orders/{order_id}").get_data(as_text=True)
    assert "Assigned to Traffic S2" in page


def test_an_assignment_outside_the_squad_is_refused_and_nothing_is_written(
        app: Flask, reviewer: Reviewer, world: World) -> None:
    reviewer.sign_in("lead_s")
    reviewer.get("/dashboard/orders")
    order_id = world.work_orders["A2"]
    answer = reviewer.post(f"/dashboard/orders/{order_id}/assign", {"assignee_id": str(world.people["traffic_t"])})
    assert answer.status_code == 302
    shown = reviewer.get(answer.headers["Location"]).get_data(as_text=True)
    assert "the officer is not a traffic officer of this order" in shown
    assert reviewer.post(f"/dashboard/orders/{order_id}/assign", {"assignee_id": "nobody"}).status_code == 422
    with app.app_context():
        assert db.session.scalars(select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == order_id)).all() == []


def test_a_chief_sees_the_stations_orders_without_assigning(reviewer: Reviewer, world: World) -> None:
    reviewer.sign_in("chief_a")
    board = reviewer.get("/dashboard/orders").get_data(as_text=True)
    assert "A2 Road 2" in board and "B1 Road 2" not in board and 'name="assignee_id"' not in board
    assert reviewer.post(f"/dashboard/orders/{world.work_orders['A2']}/assign",
                         {"assignee_id": str(world.people["traffic_s2"])}).status_code == 403


def test_the_timeline_tells_who_was_first_when_a_step_took_no_effect(
        client: FlaskClient, reviewer: Reviewer, world: World) -> None:
    hostile_push(client, world, "traffic_s1", event(world, "traffic_s1", "accepted"))
    hostile_push(client, world, "traffic_s2", event(world, "traffic_s2", "accepted"))
    reviewer.sign_in("chief_a")
    page = reviewer.get(f"/dashboard/orders/{world.work_orders['A2']}").get_data(as_text=True)
    assert page.count("Accepted</strong>") == 2
    assert "No effect: Already accepted by Traffic S1 at" in page


def test_an_overdue_order_is_marked_on_the_board(app: Flask, reviewer: Reviewer, world: World) -> None:
    with app.app_context():
        order = locked(db.session, WorkOrder, world.work_orders["A2"])
        write_record(db.session, order, "update", {"accept_due": clock.now() - timedelta(minutes=5)},
                     actor_id=None)
        db.session.commit()
    reviewer.sign_in("lead_s")
    board = reviewer.get("/dashboard/orders").get_data(as_text=True)
    assert "1 overdue" in board and "Acceptance overdue since" in board


def test_a_plates_file_shows_what_was_filed_and_lists_its_orders_in_scope(
        reviewer: Reviewer, world: World, device: DeviceFactory) -> None:
    officer = device("officer_b1")
    officer.create("work_order", {
        "room_id": str(world.rooms["B1"]), "officer_id": str(world.people["officer_b1"]), "kind": "illegal_parking",
        "plate": "浙F12345", "vehicle_colour": "白", "vehicle_make": "大众", "address": "B1 Road 3",
        "reported_at": clock.now().astimezone(CHINA).isoformat()})
    officer.sync()
    reviewer.sign_in("chief_a")
    page = reviewer.get("/dashboard/plates/浙F12345").get_data(as_text=True)
    assert "2 orders on this plate" in page and "浙F·12345" in page
    assert "3 reports everywhere" in page and "白 大众" in page
    assert reviewer.get("/dashboard/plates/not-a-plate").status_code == 404
    assert reviewer.get("/dashboard/plates/浙F67890").status_code == 404


def test_the_figures_count_what_was_dealt_with_against_the_same_weeks_a_year_before(
        app: Flask, client: FlaskClient, reviewer: Reviewer, world: World) -> None:
    for step in (event(world, "traffic_s1", "accepted"),
                 event(world, "traffic_s1", "resolved", outcome="ticketed", ticket_number="330401")):
        assert hostile_push(client, world, "traffic_s1", step)[0]["status"] == "applied"
    with app.app_context():
        old = WorkOrder(room_id=world.rooms["A1"], officer_id=world.people["officer_a1"], kind="illegal_parking",
                        plate="浙F11111", address="旧址", squad_id=world.squads["S"], status="closed",
                        outcome="moved_by_owner", resolved_at=clock.now() - timedelta(weeks=52, hours=1))
        old.reported_at = clock.now().astimezone(CHINA) - timedelta(weeks=52, hours=3)
        old_id = write_record(db.session, old, "create", actor_id=None).id
        db.session.commit()
    reviewer.sign_in("lead_s")
    page = reviewer.get("/dashboard/orders/figures").get_data(as_text=True)
    assert '<tr id="cleared-parking_enforced">' in page
    row = page.split('<tr id="cleared-parking_enforced">')[1].split("</tr>")[0]
    assert "<td>1</td><td>1</td><td>+0%</td>" in row
    exported = reviewer.get("/dashboard/orders.csv")
    table = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert table[0][:3] == ["ID", "Reported (station time)", "What"]
    assert {row[0] for row in table[1:]} == {str(world.work_orders["A1"]), str(world.work_orders["A2"]),
                                            str(old_id)}
    assert datetime.fromisoformat(f"{table[1][1]}:00") and uuid.UUID(table[1][0])
