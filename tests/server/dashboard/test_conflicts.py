"""The admin's conflict pages: side by side, a choice per field, stale pages refused, bulk rules."""

from __future__ import annotations

import re

from flask import Flask

from server.extensions import db
from server.models import SyncConflict, Venue
from tests.server.dashboard.conftest import Reviewer
from tests.server.dashboard.test_pages import change
from tests.world import World


def resolve_page(reviewer: Reviewer, world: World) -> tuple[str, str]:
    path = f"/dashboard/conflicts/{world.conflict}"
    page = reviewer.get(path).get_data(as_text=True)
    version = re.search(r'name="expected_version" value="(\d+)"', page).group(1)
    return path, version


def test_the_queue_lists_open_conflicts_for_admins_only(reviewer: Reviewer, world: World) -> None:
    reviewer.sign_in("chief_a")
    assert reviewer.get("/dashboard/conflicts").status_code == 403
    reviewer.sign_in("admin")
    page = reviewer.get("/dashboard/conflicts?record_type=venue").get_data(as_text=True)
    assert str(world.conflict) in page and "name" in page
    assert str(world.conflict) not in reviewer.get("/dashboard/conflicts?record_type=inspection").get_data(
        as_text=True)


def test_the_resolve_page_shows_base_server_and_phone_values_side_by_side(reviewer: Reviewer,
                                                                       world: World) -> None:
    reviewer.sign_in("admin")
    page = reviewer.get(f"/dashboard/conflicts/{world.conflict}").get_data(as_text=True)
    row = page[page.index('id="field-name"'):page.index("</tr>", page.index('id="field-name"'))]
    assert "Old name" in row and "Hotel in A1" in row and "Hotel A1" in row and "differs" in row
    assert "A1 Road 1" in page


def test_picking_the_phones_value_writes_it_and_closes_the_conflict(reviewer: Reviewer, world: World,
                                                                   app: Flask) -> None:
    reviewer.sign_in("admin")
    path, version = resolve_page(reviewer, world)
    done = reviewer.post(f"{path}/resolve", {"expected_version": version, "choice-name": "device"})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(Venue, world.venues["A1"]).name == "Hotel A1"
        assert db.session.get(SyncConflict, world.conflict).status == "resolved"


def test_a_typed_value_can_settle_a_conflict(reviewer: Reviewer, world: World, app: Flask) -> None:
    reviewer.sign_in("admin")
    path, version = resolve_page(reviewer, world)
    reviewer.post(f"{path}/resolve", {"expected_version": version, "choice-name": "typed",
                                      "typed-name": "Hotel A1 (Riverside)"})
    with app.app_context():
        assert db.session.get(Venue, world.venues["A1"]).name == "Hotel A1 (Riverside)"


def test_a_stale_page_is_refused_with_the_current_state(reviewer: Reviewer, world: World, app: Flask) -> None:
    reviewer.sign_in("admin")
    path, version = resolve_page(reviewer, world)
    change(app, Venue, world.venues["A1"], world.people["officer_a1"], name="Hotel in A1, renamed")
    refused = reviewer.post(f"{path}/resolve", {"expected_version": version, "choice-name": "device"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "Nothing was written" in page and "Hotel in A1, renamed" in page
    with app.app_context():
        assert db.session.get(SyncConflict, world.conflict).status == "open"


def test_a_conflict_over_a_record_deleted_since_says_so_and_closes_leaving_it_deleted(
        reviewer: Reviewer, world: World, app: Flask) -> None:
    change(app, Venue, world.venues["A1"], world.people["officer_a1"], deleted=True)
    reviewer.sign_in("admin")
    path, version = resolve_page(reviewer, world)
    assert 'id="deleted-since"' in reviewer.get(path).get_data(as_text=True)
    refused = reviewer.post(f"{path}/resolve", {"expected_version": version, "choice-name": "device"})
    assert refused.status_code == 409 and "it stays deleted" in refused.get_data(as_text=True)
    closed = reviewer.post(f"{path}/resolve", {"expected_version": version, "choice-name": "server"})
    assert closed.status_code == 302
    with app.app_context():
        assert db.session.get(Venue, world.venues["A1"]).deleted is True
        assert db.session.get(SyncConflict, world.conflict).status == "resolved"


def test_a_second_admin_resolving_the_same_conflict_is_told_it_is_done(
        reviewer: Reviewer, world: World, app: Flask) -> None:
    second = Reviewer(app.test_client())
    second.sign_in("admin")
    path, version = resolve_page(second, world)
    reviewer.sign_in("admin")
    reviewer.get(path)
    reviewer.post(f"{path}/resolve", {"expected_version": version, "choice-name": "device"})
    late = second.post(f"{path}/resolve", {"expected_version": version, "choice-name": "server"})
    assert late.status_code == 409 and "Someone resolved this conflict" in late.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Venue, world.venues["A1"]).name == "Hotel A1"


def test_a_bulk_rule_is_previewed_then_applied(reviewer: Reviewer, world: World, app: Flask) -> None:
    reviewer.sign_in("admin")
    preview = reviewer.get("/dashboard/conflicts/bulk?record_type=venue&field=name&side=device")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Hotel A1" in page
    picks = re.findall(r'name="picks" value="([^"]+)"', page)
    assert len(picks) == 1
    reviewer.client.post("/dashboard/conflicts/bulk", data={
        "csrf_token": reviewer.csrf, "record_type": "venue", "field": "name", "side": "device", "picks": picks})
    with app.app_context():
        assert db.session.get(Venue, world.venues["A1"]).name == "Hotel A1"
        assert db.session.get(SyncConflict, world.conflict).status == "resolved"
