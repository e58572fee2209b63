"""The rental registry on the dashboard: masked everywhere, a chief's reveal audited, the admin's page of accesses."""

from __future__ import annotations

import csv
import io

from flask import Flask
from sqlalchemy import select

from server.extensions import db
from server.models import AuditEntry
from tests.server.dashboard.conftest import Reviewer
from tests.world import RESIDENTS, World

NAME, NUMBER = RESIDENTS["A1"]
MASKED_NUMBER = NUMBER[:6] + "********" + NUMBER[-4:]


def personal(app: Flask, action: str) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_a_chief_sees_the_registry_of_the_stations_rooms_masked(reviewer: Reviewer, world: World) -> None:
    reviewer.sign_in("chief_a")
    page = reviewer.get("/dashboard/registry").get_data(as_text=True)
    assert "Room A1" in page and "Room A2" in page and "Room B1" not in page
    assert "房**" in page and "139****0000" in page and "13900000000" not in page
    assert "Not verified for 90 days" in page
    house = reviewer.get(f"/dashboard/registry/houses/{world.houses['A1']}").get_data(as_text=True)
    assert "测**" in house and MASKED_NUMBER in house and "138****1234" in house
    assert NAME not in house and NUMBER not in house and "13800001234" not in house
    assert reviewer.get(f"/dashboard/registry/houses/{world.houses['B1']}").status_code == 404


def test_officers_and_traffic_police_have_no_registry_page(reviewer: Reviewer, world: World) -> None:
    reviewer.sign_in("lead_s")
    assert reviewer.get("/dashboard/registry").status_code == 403
    assert reviewer.get(f"/dashboard/registry/houses/{world.houses['A1']}").status_code == 403


def test_a_chief_reveals_one_residents_data_for_a_reason_recorded_before_it_is_shown(
        app: Flask, reviewer: Reviewer, world: World) -> None:
    reviewer.sign_in("chief_a")
    house = f"/dashboard/registry/houses/{world.houses['A1']}"
    reviewer.get(house)
    target = f"{house}/reveal/occupant/{world.occupants['A1']}"
    refused = reviewer.post(target, {"reason": ""})
    assert refused.status_code == 422 and NUMBER not in refused.get_data(as_text=True)
    shown = reviewer.post(target, {"reason": "协查通报比对"})
    assert shown.status_code == 200
    text = shown.get_data(as_text=True)
    assert NUMBER in text and NAME in text and "协查通报比对" in text
    assert reviewer.get(house).get_data(as_text=True).count(NUMBER) == 0
    other = reviewer.post(f"{house}/reveal/occupant/{world.occupants['A2']}", {"reason": "协查通报比对"})
    assert other.status_code in (400, 422) and RESIDENTS["A2"][1] not in other.get_data(as_text=True)
    entry, = personal(app, "personal.reveal")
    assert (entry.actor_id, entry.record_id, entry.details["reason"]) == (
        world.people["chief_a"], world.occupants["A1"], "协查通报比对")


def test_an_admin_reads_the_registry_masked_reveals_nothing_and_sees_every_access(
        app: Flask, reviewer: Reviewer, world: World) -> None:
    chief = Reviewer(reviewer.client.application.test_client())
    chief.sign_in("chief_a")
    house = f"/dashboard/registry/houses/{world.houses['A1']}"
    chief.get(house)
    chief.post(f"{house}/reveal/rental_house/{world.houses['A1']}", {"reason": "联系房东核实"})
    exported = chief.get("/dashboard/registry.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(exported.lstrip("\ufeff"))))
    other = RESIDENTS["A2"][1]
    assert {row[6] for row in rows[1:]} == {MASKED_NUMBER, other[:6] + "********" + other[-4:]}
    assert NUMBER not in exported and NAME not in exported
    reviewer.sign_in("admin")
    page = reviewer.get(house).get_data(as_text=True)
    assert "13900000000" not in page and "reveal-form" not in page
    assert reviewer.post(f"{house}/reveal/rental_house/{world.houses['A1']}", {"reason": "看看"}).status_code == 403
    access = reviewer.get("/dashboard/personal-access").get_data(as_text=True)
    assert "联系房东核实" in access and "Exported the registry (masked)" in access and "A1 Lane 3" in access
    assert [entry.details["rows"] for entry in personal(app, "personal.export")] == [2]
    chief.get("/dashboard/inbox")
    assert chief.get("/dashboard/personal-access").status_code == 403
