"""How many touches an everyday inspection takes, counted on the real widgets.

Kivy's screens are imported inside the tests: importing them opens the window, which must wait
for the handheld size the fixtures give it.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import segno

from sync.links import venue_link
from tests.mobile.ui.driver import Officer, sign_in
from tests.mobile.ui.test_officer_app import hotel_in_beat, pick_photo

TAP_BUDGET = 20
FAILED = {2: "灭火器过期", 6: "安全出口堆放杂物"}


def find_hotel(officer: Officer) -> Any:
    """From Today to the venue's page the long way, for a venue never opened on this phone: typing 酒店."""
    officer.tap("find_venue")
    officer.on("venue_search")
    officer.type("query", "酒店")
    search = officer.screen
    first = officer.wait(lambda: not search.pending_search.is_triggered and not officer.app.background.busy
                         and officer.rows("results") and officer.rows("results")[0], "the hotels of the beat")
    venue = officer.app.records.get("venue", first.record_id)
    officer.tap(first)
    officer.on("venue")
    return venue


def recent_venue_rows(officer: Officer) -> list[Any]:
    officer.on("home")
    officer.settle()
    return officer.rows("venue_chips")


def test_a_realistic_inspection_with_two_failures_a_photo_and_a_signature_takes_at_most_20_touches(
        start_app: Any, network: Any, photo_folder: Path) -> None:
    from mobile.ui.main import HANDHELD_SIZE
    from mobile.ui.screens.inspection import checklist_template

    officer = start_app(network.url, "zh")
    assert tuple(officer.window.size) == HANDHELD_SIZE, "touches are counted on a handheld-sized window"
    sign_in(officer, "officer1")
    before = {inspection.id for inspection in officer.app.records.all("inspection")}
    officer.touches = 0

    venue = find_hotel(officer)
    assert len(checklist_template(officer.app.records, venue.data["kind"]).data["items"]) == 10
    officer.tap("inspect")
    form = officer.on("inspection")
    officer.tap("all_pass")
    for number, note in FAILED.items():
        row = form.items[number - 1]
        officer.choose(row.ids.result, "fail")
        officer.type(row.ids.note, note)
    officer.type("findings", "两项不合格，已当场告知负责人。")
    officer.choose("hazard_level", "minor")
    officer.choose("deadline_days", "15")
    pick_photo(officer)
    officer.sign("signature")
    officer.tap("submit")
    officer.on("venue")

    submitted = [i for i in officer.app.records.all("inspection") if i.id not in before]
    assert len(submitted) == 1 and submitted[0].data["status"] == "submitted"
    data = submitted[0].data
    results = [answer["result"] for answer in data["checklist"].values()]
    assert results.count("fail") == 2 and results.count("pass") == 8
    assert sorted(answer["note"] for answer in data["checklist"].values() if answer["result"] == "fail") \
        == sorted(FAILED.values())
    assert data["hazard_level"] == "minor" and data["rectification_required"] and data["rectification_deadline"]
    assert len(data["photo_hashes"]) == 1 and data["signature_hash"]
    print(f"touches from Today to submitted: {officer.touches}")
    assert officer.touches <= TAP_BUDGET

    officer.back()
    officer.on("venue_search")
    officer.back()
    recent = recent_venue_rows(officer)
    assert recent[0].record_id == venue.id, "the venue just inspected comes first among the recent ones"
    officer.touches = 0
    officer.tap(recent[0])
    officer.on("venue")
    assert officer.screen.params["record_id"] == venue.id and officer.touches == 1


def test_scanning_a_venues_printed_qr_code_on_today_opens_the_venue_and_a_foreign_code_says_why_not(
        start_app: Any, network: Any, photo_folder: Path) -> None:
    officer = start_app(network.url, "zh")
    sign_in(officer, "officer1")
    hotel = hotel_in_beat(officer)
    for name, text in (("hotel.png", venue_link(hotel.id)), ("elsewhere.png", venue_link(uuid.uuid4())),
                       ("shop.png", "https://example.com/coupon")):
        segno.make(text, error="m").save(str(photo_folder / name), scale=6)

    for name, message in (("elsewhere.png", "不在您的辖区"), ("shop.png", "不是 Beatlog 场所码")):
        officer.tap("scan_venue")
        officer.pick(name)
        officer.wait(lambda expected=message: expected in officer.screen.scan_message, f"the message for {name}")
        assert officer.screen.name == "home"
    officer.touches = 0
    officer.tap("scan_venue")
    officer.pick("hotel.png")
    officer.on("venue")
    assert officer.screen.params["record_id"] == hotel.id and officer.screen.name_text == hotel.data["name"]
    assert officer.touches == 3


def test_with_a_gps_fix_the_nearest_venue_is_one_tap_away_on_today(start_app: Any, network: Any) -> None:
    officer = start_app(network.url, "zh")
    sign_in(officer, "officer1")
    placed = [venue for venue in officer.app.records.all("venue") if venue.data.get("location")]
    here = max(placed, key=lambda venue: venue.data["name"])
    officer.app.location.on_location(lat=here.data["location"]["lat"], lon=here.data["location"]["lon"],
                                     accuracy=6.0)
    officer.tap("settings")
    officer.on("settings")
    officer.back()
    chips = recent_venue_rows(officer)
    assert chips[0].record_id == here.id
    officer.touches = 0
    officer.tap(chips[0])
    officer.on("venue")
    assert officer.screen.params["record_id"] == here.id and officer.touches == 1


def test_answering_the_last_checklist_item_brings_the_findings_into_view(start_app: Any, network: Any) -> None:
    officer = start_app(network.url, "zh")
    sign_in(officer, "officer1")
    find_hotel(officer)
    officer.tap("inspect")
    form = officer.on("inspection")
    for row in form.items[:-1]:
        row.ids.result.value = "pass"
    officer.choose(form.items[-1].ids.result, "pass")
    assert officer.in_view(officer.widget("findings"))
