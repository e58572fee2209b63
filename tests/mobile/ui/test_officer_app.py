"""An officer's day in the real app, against the demo server, offline and back online."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import requests

from mobile.store import LocalRecord, SyncState
from tests.e2e.handheld import api
from tests.mobile.ui.driver import Officer, sign_in


def hotel_in_beat(officer: Officer) -> LocalRecord:
    hotels = [venue for venue in officer.app.records.all("venue") if venue.data["kind"] == "hotel"]
    return min(hotels, key=lambda venue: venue.data["name"])


def open_venue(officer: Officer, venue: LocalRecord, query: str) -> None:
    officer.tap("find_venue")
    officer.on("venue_search")
    officer.type("query", query)
    officer.tap(officer.row("results", venue.data["name"]))
    officer.on("venue")


def pick_photo(officer: Officer) -> None:
    officer.tap(officer.widget("photos").ids.take)
    officer.pick("exit-blocked.jpg")
    photos = officer.widget("photos")
    officer.wait(lambda: photos.hashes and not photos.working, "the photo to be stored")


def the_inspection(officer: Officer, venue: LocalRecord) -> LocalRecord:
    mine = [i for i in officer.app.records.all("inspection") if i.data["venue_id"] == venue.id
            and i.data["officer_id"] == officer.app.account.user["id"]]
    return max(mine, key=lambda inspection: inspection.data["inspected_at"])


def test_an_officer_records_an_inspection_offline_and_it_syncs_when_the_network_returns(
        start_app: Any, network: Any, demo_server: Any, photo_folder: Path) -> None:
    officer = start_app(network.url, "zh")
    sign_in(officer)
    officer.screenshot("home")
    network.offline = True
    officer.wait(lambda: not officer.app.online, "the app to notice it is offline")

    venue = hotel_in_beat(officer)
    open_venue(officer, venue, venue.data["name"][:2])
    officer.tap("inspect")
    form = officer.on("inspection")
    officer.tap("all_pass")
    failed = form.items[6]
    officer.choose(failed.ids.result, "fail")
    officer.type(failed.ids.note, "二楼安全出口堆放杂物")
    officer.tap("submit")
    assert "二楼安全出口堆放杂物" not in form.errors.values()
    assert set(form.errors) == {"findings", "photo_hashes", "signature_hash"}, form.errors
    assert officer.widget("error_findings").text == "请填写检查发现的问题。"
    assert officer.widget("error_signature_hash").text == "请场所负责人在此签名。"
    assert "需" in form.summary or "fix" in form.summary
    officer.screenshot("inspection-problems")

    officer.type("findings", "安全出口堵塞，已责令立即清理")
    assert officer.widget("error_findings").text == "" and "photo_hashes" in form.errors
    officer.choose("hazard_level", "minor")
    pick_photo(officer)
    officer.sign("signature")
    officer.screenshot("inspection-form")
    officer.tap("submit")
    officer.on("venue")

    inspection = the_inspection(officer, venue)
    assert inspection.state is SyncState.QUEUED
    assert inspection.data["checklist"][failed.key] == {"result": "fail", "note": "二楼安全出口堆放杂物"}
    assert inspection.data["status"] == "submitted" and len(inspection.data["photo_hashes"]) == 1
    done = [a for a in officer.app.records.all("assignment") if a.data.get("inspection_id") == inspection.id]
    assert all(a.data["status"] == "done" for a in done), "the venue's scheduled inspection is done by it"
    officer.wait(lambda: officer.app.pending == 1 + len(done), "the inspection (and the work it did) waiting")
    officer.screenshot("venue")
    officer.back()
    officer.back()
    officer.on("home")
    officer.tap("outbox")
    officer.on("outbox")
    officer.row("records", venue.data["name"])
    officer.screenshot("sync-state-offline")

    network.offline = False
    officer.tap("sync_bar")
    officer.wait(lambda: officer.app.pending == 0 and not officer.app.syncing, "the inspection to be sent")
    assert the_inspection(officer, venue).state is SyncState.SYNCED
    chief = api(demo_server.url, "chief1")
    on_server = chief.get(f"{demo_server.url}/api/v1/inspections/{inspection.id}", timeout=10).json()
    assert on_server["findings"] == "安全出口堵塞，已责令立即清理" and on_server["status"] == "submitted"
    assert on_server["signer_name"] == venue.data["responsible_person"] != ""
    assert chief.get(f"{demo_server.url}/api/v1/blobs/{on_server['photo_hashes'][0]}",
                     headers={"X-Beatlog-Schema": "2"}, timeout=10).status_code == 200


def test_an_officer_amends_and_resubmits_a_log_the_chief_returned(
        start_app: Any, network: Any, demo_server: Any) -> None:
    officer = start_app(network.url, "en")
    sign_in(officer, "officer2")
    mine = [i for i in officer.app.records.all("inspection") if i.data["officer_id"] == officer.app.account.user["id"]
            and i.data["status"] == "submitted"]
    target = max(mine, key=lambda inspection: inspection.data["inspected_at"])
    chief = api(demo_server.url, "chief1")
    returned = chief.post(f"{demo_server.url}/api/v1/inspections/{target.id}/review", timeout=10,
                          json={"decision": "return", "comment": "Photo of the fire exit is missing"})
    assert returned.status_code == 200, returned.text

    officer.tap("sync_bar")
    officer.wait(lambda: officer.app.records.get("inspection", target.id).data["status"] == "returned",
                 "the returned log to arrive")
    row = officer.wait(lambda: not officer.app.background.busy and next(
        (r for r in officer.rows("work") if r.record_id == target.id), None), "the returned log on the home screen")
    assert row.subtitle == "Photo of the fire exit is missing"
    officer.screenshot("home")
    officer.tap(row)
    form = officer.on("inspection")
    assert form.returned_comment == "Photo of the fire exit is missing"
    officer.screenshot("inspection-returned")
    officer.type("findings", "Fire exit cleared and photographed on the second visit")
    officer.tap("submit")
    officer.wait(lambda: officer.app.pending == 0 and officer.app.records.get("inspection", target.id).state
                 is SyncState.SYNCED, "the amended log to be sent")
    on_server = chief.get(f"{demo_server.url}/api/v1/inspections/{target.id}", timeout=10).json()
    assert on_server["status"] == "submitted"
    assert on_server["findings"] == "Fire exit cleared and photographed on the second visit"
    assert datetime.fromisoformat(on_server["updated_at"]) > datetime.fromisoformat(target.data["inspected_at"])
    assert isinstance(requests, object)
