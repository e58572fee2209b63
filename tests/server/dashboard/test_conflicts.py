"""The admin's conflict pages: side by side, a choice per field, stale pages refused, bulk rules."""

from __future__ import annotations

import re
import uuid

from flask import Flask

from server.extensions import db
from server.models import Inspection, SyncConflict, Venue
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


def checklist_conflict(app: Flask, world: World) -> uuid.UUID:
    """The server holds A1's log with three items and a minor hazard; officer A1b's phone answered otherwise."""
    server = {"register": {"result": "pass", "note": ""}, "exit": {"result": "pass", "note": "通道畅通"},
              "lamp": {"result": "fail", "note": "应急灯不亮"}}
    device = {**server, "exit": {"result": "fail", "note": "通道堆放杂物"}, "lamp": {"result": "pass", "note": ""}}
    change(app, Inspection, world.inspections["A1"], world.people["officer_a1"], checklist=server,
           hazard_level="minor")
    with app.app_context():
        conflict = SyncConflict(
            record_type="inspection", record_id=world.inspections["A1"], room_id=world.rooms["A1"],
            mutation_id=uuid.uuid4(), device_id=world.devices["officer_a1b"], person_id=world.people["officer_a1b"],
            reason="field_conflict", base_version=1, server_version=2,
            fields={"checklist": {"base": {"register": server["register"]}, "server": server, "device": device},
                    "hazard_level": {"base": "none", "server": "minor", "device": "major"}})
        db.session.add(conflict)
        db.session.commit()
        return conflict.id


def test_a_checklist_conflict_is_shown_item_by_item_in_chinese_and_resolved_per_item(
        reviewer: Reviewer, world: World, app: Flask) -> None:
    conflict_id = checklist_conflict(app, world)
    reviewer.sign_in("admin")
    path = f"/dashboard/conflicts/{conflict_id}"
    page = reviewer.get(f"{path}?lang=zh").get_data(as_text=True)
    hazard = page[page.index('id="field-hazard_level"'):page.index("</tr>", page.index('id="field-hazard_level"'))]
    assert "隐患等级" in hazard and "一般隐患" in hazard and "较大隐患" in hazard and ">minor<" not in hazard
    assert '<select name="typed-hazard_level"' in hazard
    assert re.search(r'id="item-register" class="same"', page) and 'name="choice-checklist.register"' not in page
    assert re.search(r'id="item-exit" class="differs"', page) and re.search(r'id="item-lamp" class="differs"', page)
    assert "不合格 · 通道堆放杂物" in page and "待处理" in page and "{&#34;" not in page
    version = re.search(r'name="expected_version" value="(\d+)"', page).group(1)
    done = reviewer.post(f"{path}/resolve", {"expected_version": version, "choice-checklist.exit": "device",
                                             "choice-checklist.lamp": "server", "choice-hazard_level": "typed",
                                             "typed-hazard_level": "severe"})
    assert done.status_code == 302
    with app.app_context():
        inspection = db.session.get(Inspection, world.inspections["A1"])
        assert inspection.checklist == {"register": {"result": "pass", "note": ""},
                                        "exit": {"result": "fail", "note": "通道堆放杂物"},
                                        "lamp": {"result": "fail", "note": "应急灯不亮"}}
        assert inspection.hazard_level == "severe"
        assert db.session.get(SyncConflict, conflict_id).status == "resolved"


def test_a_typed_value_outside_the_fields_vocabulary_is_refused_and_writes_nothing(
        reviewer: Reviewer, world: World, app: Flask) -> None:
    conflict_id = checklist_conflict(app, world)
    reviewer.sign_in("admin")
    path = f"/dashboard/conflicts/{conflict_id}"
    version = re.search(r'name="expected_version" value="(\d+)"', reviewer.get(path).get_data(as_text=True)).group(1)
    refused = reviewer.post(f"{path}/resolve", {"expected_version": version, "choice-hazard_level": "typed",
                                                "typed-hazard_level": "apocalyptic"})
    assert refused.status_code == 422
    with app.app_context():
        assert db.session.get(Inspection, world.inspections["A1"]).hazard_level == "minor"


def test_the_bulk_rule_picks_a_labelled_field_from_a_list(reviewer: Reviewer, world: World) -> None:
    reviewer.sign_in("admin")
    page = reviewer.get("/dashboard/conflicts?lang=zh").get_data(as_text=True)
    assert '<select name="field" id="bulk-field" required>' in page and 'placeholder="phone"' not in page
    assert '<option value="phone">电话</option>' in page and '<option value="hazard_level">隐患等级</option>' in page
    assert '<option value="room_id">' not in page
    row = page[page.index(f'data-id="{world.conflict}"'):page.index("</tr>", page.index(f'data-id="{world.conflict}"'))]
    assert "<td>名称</td>" in row
