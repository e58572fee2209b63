"""Venues, checklist templates (with their history), stations and rooms, as an admin edits them."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from server.extensions import db
from server.models import ChecklistTemplate, ChecklistTemplateVersion, Followup, Inspection, Room, Station, Venue
from sync.links import venue_link
from tests.server.dashboard.conftest import Reviewer
from tests.world import World


def template_form(template: ChecklistTemplate, **changes: object) -> dict[str, object]:
    form: dict[str, object] = {"title_zh": template.title_zh, "title_en": template.title_en,
                               "key": [item["key"] for item in template.items],
                               "label_zh": [item["label_zh"] for item in template.items],
                               "label_en": [item["label_en"] for item in template.items],
                               "order": [str(n) for n in range(1, len(template.items) + 1)]}
    form.update(changes)
    return form


def test_an_admin_corrects_a_venue_and_bad_values_are_refused(reviewer: Reviewer, world: World,
                                                             app: Flask) -> None:
    reviewer.sign_in("admin")
    path = f"/dashboard/venues/{world.venues['A1']}"
    reviewer.get(path)
    form = {"name": "Hotel A1", "kind": "hotel", "address": "A1 Road 2", "phone": "not a phone!",
            "risk_level": "high"}
    assert reviewer.post(path, form).status_code == 422
    assert reviewer.post(path, {**form, "phone": "0573-1234"}).status_code == 302
    with app.app_context():
        venue = db.session.get(Venue, world.venues["A1"])
        assert (venue.address, venue.phone, venue.risk_level, venue.version) == ("A1 Road 2", "0573-1234", "high", 2)


def test_a_template_edit_is_a_new_version_and_old_logs_keep_their_labels(
        reviewer: Reviewer, world: World, app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        template = db.session.get(ChecklistTemplate, world.template)
        old_label = template.items[0]["label_en"]
        form = template_form(template, key=[*[item["key"] for item in template.items], "fire_drill"],
                             label_zh=[*[item["label_zh"] for item in template.items], "消防演练"],
                             label_en=["Renamed first item", *[item["label_en"] for item in template.items][1:],
                                       "Fire drill held"],
                             order=[*[str(n) for n in range(2, len(template.items) + 2)], "1"])
    reviewer.sign_in("admin")
    path = f"/dashboard/templates/{world.template}"
    reviewer.get(path)
    assert reviewer.post(path, {**form, "key": ["Bad Key", *form["key"][1:]]}).status_code == 422
    assert reviewer.post(path, form).status_code == 302
    with app.app_context():
        template = db.session.get(ChecklistTemplate, world.template)
        assert template.version == 2 and template.items[0]["key"] == "fire_drill"
        assert db.session.get(ChecklistTemplateVersion, (world.template, 1)).items[0]["label_en"] == old_label
    pulled = client.get("/api/v1/sync/pull", headers={**world.headers("officer_a1"), "X-Beatlog-Schema": "2"})
    sent = next(change for change in pulled.get_json()["changes"] if change["id"] == str(world.template))
    assert sent["version"] == 2 and sent["data"]["items"][0]["label_en"] == "Fire drill held"
    reviewer.sign_in("admin")
    old_log = reviewer.get(f"/dashboard/inspections/{world.inspections['A1']}").get_data(as_text=True)
    assert old_label in old_log and "Renamed first item" not in old_log


def test_an_admin_adds_a_station_and_a_room_and_renames_a_room(reviewer: Reviewer, world: World,
                                                              app: Flask) -> None:
    reviewer.sign_in("admin")
    reviewer.get("/dashboard/places")
    assert reviewer.post("/dashboard/places/stations", {"name": "Station A"}).status_code == 422
    assert reviewer.post("/dashboard/places/stations", {"name": "新丰派出所", "district": "南湖区"}).status_code == 302
    with app.app_context():
        station = db.session.scalars(select(Station).where(Station.name == "新丰派出所")).one()
    assert reviewer.post("/dashboard/places/rooms", {"station_id": str(station.id), "name": "竹林警务室",
                                                     "brand": "一室一品"}).status_code == 302
    assert reviewer.post(f"/dashboard/places/rooms/{world.rooms['A1']}", {"name": "Room A1 (renamed)"}
                         ).status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Room).where(Room.name == "竹林警务室")).one().station_id == station.id
        renamed = db.session.get(Room, world.rooms["A1"])
        assert (renamed.name, renamed.version) == ("Room A1 (renamed)", 2)


def test_catalog_pages_render_for_an_admin(reviewer: Reviewer, world: World) -> None:
    reviewer.sign_in("admin")
    for path in ("/dashboard/venues", "/dashboard/venues?q=A1", "/dashboard/templates", "/dashboard/places",
                 f"/dashboard/templates/{world.template}", f"/dashboard/venues/{world.venues['B1']}"):
        assert reviewer.get(path).status_code == 200, path


def test_an_admin_moves_a_venue_to_another_room_and_its_logs_go_with_it(reviewer: Reviewer, world: World,
                                                                        app: Flask) -> None:
    reviewer.sign_in("admin")
    path = f"/dashboard/venues/{world.venues['A1']}"
    assert str(world.rooms["B1"]) in reviewer.get(path).get_data(as_text=True)
    form = {"name": "Hotel in A1", "kind": "hotel", "address": "A1 Road 1", "risk_level": "low"}
    assert reviewer.post(path, {**form, "room_id": str(world.venues["A1"])}).status_code == 422
    assert reviewer.post(path, {**form, "room_id": str(world.rooms["B1"])}).status_code == 302
    with app.app_context():
        assert db.session.get(Venue, world.venues["A1"]).room_id == world.rooms["B1"]
        assert db.session.get(Inspection, world.inspections["A1"]).room_id == world.rooms["B1"]
        assert db.session.get(Followup, world.followups["A1"]).room_id == world.rooms["B1"]


def test_a_venues_qr_sheet_draws_its_code_without_printing_the_link_and_only_admins_print_it(
        reviewer: Reviewer, world: World) -> None:
    path = f"/dashboard/venues/{world.venues['A1']}/qr"
    reviewer.sign_in("chief_a")
    assert reviewer.get(path).status_code == 403
    reviewer.sign_in("admin")
    sheet = reviewer.get(path)
    assert sheet.status_code == 200 and "<svg" in sheet.text
    assert venue_link(world.venues["A1"]) not in sheet.text, "the link is for the handheld's reader, not for reading"
    assert f'href="{path}"' in reviewer.get(f"/dashboard/venues/{world.venues['A1']}").text
