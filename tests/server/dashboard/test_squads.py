"""The admin's traffic squads page: set up a squad, give it rooms, and see who is in it."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from server.extensions import db
from server.models import Room, TrafficSquad, WorkOrder
from tests.server.dashboard.conftest import Reviewer
from tests.world import World


def test_the_squads_page_is_for_admins_only(reviewer: Reviewer) -> None:
    for username in ("chief_a", "lead_s"):
        reviewer.sign_in(username)
        assert reviewer.get("/dashboard/squads").status_code == 403, username


def test_an_admin_sets_up_a_squad_and_gives_it_a_room_whose_waiting_orders_go_there(
        app: Flask, reviewer: Reviewer, world: World) -> None:
    with app.app_context():
        db.session.get_one(Room, world.rooms["B1"]).squad_id = None
        db.session.get_one(WorkOrder, world.work_orders["B1"]).status = "reported"
        db.session.commit()
    reviewer.sign_in("admin")
    page = reviewer.get("/dashboard/squads").get_data(as_text=True)
    assert "Squad S" in page and "Traffic S1" in page and "Room A1" in page
    taken = reviewer.post("/dashboard/squads", {"name": "Squad S"})
    assert taken.status_code == 422 and "A squad needs a name no other squad has." in taken.get_data(as_text=True)
    assert reviewer.post("/dashboard/squads", {"name": "Squad U"}).status_code == 302
    page = reviewer.get("/dashboard/squads").get_data(as_text=True)
    assert "Squad U is set up" in page
    with app.app_context():
        squad_id = db.session.scalars(select(TrafficSquad.id).where(TrafficSquad.name == "Squad U")).one()
    nothing_chosen = reviewer.post(f"/dashboard/squads/{squad_id}/rooms", {})
    assert nothing_chosen.status_code == 422
    assert "Choose at least one police room." in nothing_chosen.get_data(as_text=True)
    gone = reviewer.post(f"/dashboard/squads/{squad_id}/rooms", {"room_id": str(world.squads["S"])})
    assert gone.status_code == 422 and "That police room no longer exists." in gone.get_data(as_text=True)
    given = reviewer.post(f"/dashboard/squads/{squad_id}/rooms", {"room_id": str(world.rooms["B1"])})
    assert given.status_code == 302
    assert "New work orders of Room B1 now go to this squad." in reviewer.get("/dashboard/squads").get_data(
        as_text=True)
    with app.app_context():
        order = db.session.get_one(WorkOrder, world.work_orders["B1"])
        assert (order.squad_id, order.status) == (squad_id, "dispatched")
