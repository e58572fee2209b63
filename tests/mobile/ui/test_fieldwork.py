"""Field work in the real app: unlocking offline, follow-up visits, new venues, work off the UI thread."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import requests
import segno

from mobile.services.photos import Media
from mobile.store import Records, SyncState
from tests.e2e.handheld import api
from tests.mobile.ui.driver import sign_in
from tests.mobile.ui.test_officer_app import hotel_in_beat, open_venue, pick_photo, the_inspection


def test_after_a_restart_the_officer_unlocks_offline_with_the_password(
        start_app: Any, network: Any, tmp_path: Path) -> None:
    phone = tmp_path / "phone"
    officer = start_app(network.url, "zh", data_dir=phone)
    sign_in(officer)
    officer.close()
    network.offline = True

    officer = start_app(network.url, "zh", data_dir=phone)
    officer.on("unlock")
    assert officer.screen.officer == "李持忠"
    officer.screenshot("unlock")
    officer.type("password", "wrong")
    officer.tap("unlock")
    assert officer.screen.error == "密码不正确。"
    officer.type("password", "demo")
    officer.tap("unlock")
    officer.on("home")
    officer.wait(lambda: officer.rows("work"), "today's work from the phone's own records")
    assert officer.app.sync_text.startswith("离线")


def test_an_officer_records_an_overdue_follow_up_visit_from_the_home_screen(
        start_app: Any, network: Any, demo_server: Any) -> None:
    officer = start_app(network.url, "en")
    sign_in(officer)
    overdue = officer.row("work", "")
    followup_id = overdue.record_id
    officer.tap(overdue)
    form = officer.on("followup")
    subject = form.ids.subject_kind.value
    assert form.existing and form.ids.subject_kind.disabled
    officer.tap("record_visit")
    officer.tap("visit_done")
    assert set(form.errors) >= {"outcome", "satisfaction"}
    assert officer.widget("error_outcome").text == "Fill this in."
    officer.type("outcome", "Exit cleared, extinguishers replaced")
    if subject == "rectification":
        officer.choose("rectified", "yes")
    officer.choose("satisfaction", "satisfied")
    officer.screenshot("followup-visit")
    officer.tap("visit_done")
    officer.on("home")
    officer.wait(lambda: officer.app.records.get("followup", followup_id).state is SyncState.SYNCED
                 and officer.app.pending == 0, "the visit to be sent")
    assert followup_id not in {row.record_id for row in officer.rows("work")}
    chief = api(demo_server.url, "chief1")
    on_server = chief.get(f"{demo_server.url}/api/v1/followups/{followup_id}", timeout=10).json()
    assert on_server["status"] == "done" and on_server["satisfaction"] == "satisfied"
    assert on_server["outcome"] == "Exit cleared, extinguishers replaced" and on_server["visited_at"]


def test_a_typed_date_that_is_not_a_date_is_shown_beside_its_field_and_the_form_stays_open(
        start_app: Any, network: Any, demo_server: Any) -> None:
    officer = start_app(network.url, "en")
    sign_in(officer)
    network.offline = True
    venue = hotel_in_beat(officer)
    open_venue(officer, venue, venue.data["name"][:2])
    officer.tap("inspect")
    form = officer.on("inspection")
    officer.tap("all_pass")
    officer.tap("rectification_required")
    officer.type("deadline", "next Friday")
    officer.sign("signature")
    officer.tap("submit")
    assert form.errors == {"rectification_deadline": "This value is not valid."}
    assert officer.widget("error_rectification_deadline").text == "This value is not valid."
    officer.screenshot("inspection-deadline-not-a-date")
    officer.choose("deadline_days", "7")
    officer.tap("submit")
    officer.on("venue")
    inspection = the_inspection(officer, venue)
    assert inspection.data["rectification_required"] and inspection.state is SyncState.QUEUED

    officer.tap("plan_followup")
    followup = officer.on("followup")
    officer.choose("subject_kind", "case")
    officer.type("case_number", "南公(刑)字2026-118")
    officer.type("due_date", "2026/13/45")
    officer.tap("save_plan")
    assert followup.errors == {"due_date": "This value is not valid."}
    assert officer.widget("error_due_date").text == "This value is not valid."
    officer.screenshot("followup-due-date-not-a-date")


def test_a_venue_found_in_the_field_is_added_offline_and_found_by_search(
        start_app: Any, network: Any, demo_server: Any) -> None:
    officer = start_app(network.url, "zh")
    sign_in(officer)
    network.offline = True
    officer.tap("find_venue")
    officer.on("venue_search")
    officer.tap("new_venue")
    form = officer.on("venue_form")
    officer.tap("save")
    assert set(form.errors) == {"name", "kind", "address"}
    assert officer.texts().count("此项必填。") == 3
    officer.screenshot("venue-new-problems")
    officer.type("name", "南湖新开民宿")
    officer.choose("kind", "hotel")
    officer.type("address", "嘉兴市南湖区新兴路18号")
    officer.type("phone", "0573-8888 1234")
    officer.tap("save")
    venue_screen = officer.on("venue")
    assert venue_screen.name_text == "南湖新开民宿"
    officer.back()
    officer.on("venue_search")
    officer.type("query", "新开")
    venue_id = officer.row("results", "南湖新开民宿").record_id
    assert officer.app.records.get("venue", venue_id).state is SyncState.QUEUED

    network.offline = False
    officer.wait(lambda: officer.app.records.get("venue", venue_id).state is SyncState.SYNCED,
                 "the new venue to be sent")
    chief = api(demo_server.url, "chief1")
    assert chief.get(f"{demo_server.url}/api/v1/venues/{venue_id}", timeout=10).json()["name"] == "南湖新开民宿"


def test_searching_and_processing_photos_happen_off_the_ui_thread(
        start_app: Any, network: Any, photo_folder: Path, monkeypatch: Any) -> None:
    threads: dict[str, set[str]] = {"search": set(), "photo": set()}
    search, add_photo = Records.search_venues, Media.add_photo

    def watched_search(records: Records, *args: Any, **kwargs: Any) -> Any:
        threads["search"].add(threading.current_thread().name)
        return search(records, *args, **kwargs)

    def watched_photo(media: Media, *args: Any, **kwargs: Any) -> Any:
        threads["photo"].add(threading.current_thread().name)
        return add_photo(media, *args, **kwargs)

    monkeypatch.setattr(Records, "search_venues", watched_search)
    monkeypatch.setattr(Media, "add_photo", watched_photo)
    officer = start_app(network.url, "en")
    sign_in(officer)
    officer.tap("find_venue")
    officer.on("venue_search")
    officer.type("query", "七星")
    first = officer.wait(lambda: officer.rows("results") and officer.rows("results")[0], "search results")
    officer.tap(first)
    officer.on("venue")
    officer.tap("inspect")
    officer.on("inspection")
    pick_photo(officer)
    assert threads["search"] and threads["photo"]
    assert threading.main_thread().name not in threads["search"] | threads["photo"]


def test_a_phone_is_enrolled_with_a_code_from_an_admins_qr_code(start_app: Any, network: Any,
                                                                 demo_server: Any, photo_folder: Path) -> None:
    """The admin issues a code on the dashboard; the phone reads its QR code and the officer picks a password."""

    browser = requests.Session()
    page = browser.get(f"{demo_server.url}/dashboard/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    browser.post(f"{demo_server.url}/dashboard/login", data={"username": "admin", "password": "demo",
                                                             "csrf_token": token})
    people = browser.get(f"{demo_server.url}/dashboard/people").text
    officer_page = re.search(r'data-username="officer5"><td><a href="([^"]+)"', people).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get(demo_server.url + officer_page).text).group(1)
    issued = browser.post(f"{demo_server.url}{officer_page}/enrolment", data={"csrf_token": token}).text
    code = re.search(r'id="code">([A-Z0-9-]+)<', issued).group(1)

    segno.make(f"beatlog:enrol?server={network.url}&code={code}").save(str(photo_folder / "qr.png"), scale=6)
    officer = start_app("http://127.0.0.1:9", "en")
    officer.on("setup")
    officer.choose("way", "code")
    officer.tap("scan")
    officer.pick("qr.png")
    officer.wait(lambda: officer.widget("code").text == code, "the QR code to be read")
    assert officer.widget("server").text == network.url
    assert any("the same on all your devices" in text and "not a common password" in text
               for text in officer.texts())
    assert officer.widget("password_policy").height > 0
    officer.type("password", "12345678")
    officer.type("repeat", "12345678")
    officer.tap("sign_in")
    officer.wait(lambda: "refused this password" in officer.screen.error, "the server to refuse 12345678")
    officer.on("setup")
    officer.type("password", "my-own-pass")
    officer.type("repeat", "not-the-same")
    officer.tap("sign_in")
    assert officer.screen.error == "The two passwords are not the same."
    officer.type("repeat", "my-own-pass")
    officer.screenshot("sign-in-with-code")
    officer.tap("sign_in")
    officer.on("home")
    assert officer.app.account.user["username"] == "officer5"
    officer.close()
    officer = start_app(network.url, "en", data_dir=officer.app.data_dir)
    officer.on("unlock")
    officer.type("password", "my-own-pass")
    officer.tap("unlock")
    officer.on("home")


def in_window(officer: Any, kind: type) -> Any:
    return officer.wait(lambda: next((w for w in officer.window.children if isinstance(w, kind)), None),
                        f"a {kind.__name__}")


def drag(officer: Any, points: list[tuple[float, float]], *fingers: list[tuple[float, float]]) -> None:
    """One finger along ``points`` (window coordinates), with more fingers moving at the same time."""
    from kivy.tests.common import UnitTestTouch

    touches = [UnitTestTouch(*path[0]) for path in (points, *fingers)]
    for touch in touches:
        touch.touch_down()
    for step in range(1, len(points)):
        for touch, path in zip(touches, (points, *fingers), strict=True):
            touch.touch_move(*path[step])
    for touch in touches:
        touch.touch_up()
    officer.touches += 1
    officer.pump()


def test_a_tapped_photo_opens_as_evidence_to_zoom_caption_and_mark_and_deleting_it_asks_first(
        start_app: Any, network: Any, photo_folder: Path) -> None:
    from mobile.ui.evidence import ConfirmDelete, PhotoViewer

    officer = start_app(network.url, "zh")
    sign_in(officer)
    venue = hotel_in_beat(officer)
    officer.app.go("venue", record_id=venue.id)
    officer.tap("inspect")
    form = officer.on("inspection")
    pick_photo(officer)
    photos = officer.widget("photos")
    photo = photos.hashes[0]
    officer.tap(photos.ids.strip.children[0])
    viewer = in_window(officer, PhotoViewer)
    assert photos.hashes == [photo]
    taken = photos.notes[photo]["taken_at"]
    assert taken and viewer.ids.taken.text == f"拍摄于 {officer.app.clock_text(taken)}"

    zoom = viewer.ids.zoom
    cx, cy = viewer.ids.frame.center
    drag(officer, [(cx - 20, cy), (cx - 60, cy), (cx - 120, cy)], [(cx + 20, cy), (cx + 60, cy), (cx + 120, cy)])
    assert zoom.scale > 2
    officer.tap(viewer.ids.draw)
    mark = viewer.ids.mark
    picture = mark.picture
    across = [mark.to_window(picture[0] + picture[2] * f, picture[1] + picture[3] / 2) for f in (0.45, 0.5, 0.55)]
    drag(officer, across)
    officer.type(viewer.ids.caption, "二楼安全出口被纸箱堵塞")
    officer.screenshot("photo-evidence")
    officer.tap(viewer.ids.done)
    officer.wait(lambda: viewer.parent is None, "the viewer to close")
    note = photos.notes[photo]
    assert note["caption"] == "二楼安全出口被纸箱堵塞" and note["taken_at"] == taken
    [stroke] = note["mark"]
    assert [round(x, 2) for x, _ in stroke] == [0.45, 0.5, 0.55] and {round(y, 2) for _, y in stroke} == {0.5}
    officer.tap("save_draft")
    officer.wait(lambda: the_inspection(officer, venue).data["photo_notes"], "the draft with its photo note")
    assert the_inspection(officer, venue).data["photo_notes"] == {photo: note}

    officer.app.go("inspection", record_id=the_inspection(officer, venue).id)
    form = officer.on("inspection")
    photos = officer.widget("photos")
    officer.tap(photos.ids.strip.children[0])
    viewer = in_window(officer, PhotoViewer)
    assert viewer.ids.caption.text == "二楼安全出口被纸箱堵塞" and viewer.ids.mark.strokes == note["mark"]
    officer.tap(viewer.ids.delete)
    officer.tap(in_window(officer, ConfirmDelete).ids.cancel)
    assert photos.hashes == [photo]
    officer.tap(viewer.ids.delete)
    officer.tap(in_window(officer, ConfirmDelete).ids.confirm)
    officer.wait(lambda: viewer.parent is None, "the viewer to close")
    assert photos.hashes == [] and photos.wire_notes() == {}
    assert form.gather()["photo_notes"] == {}


def test_the_signature_sheet_names_the_signer_starting_from_the_venues_person_in_charge(
        start_app: Any, network: Any) -> None:
    from mobile.ui.capture import SignatureSheet

    officer = start_app(network.url, "zh")
    sign_in(officer)
    venue = hotel_in_beat(officer)
    officer.app.go("venue", record_id=venue.id)
    officer.tap("inspect")
    officer.on("inspection")
    signature = officer.widget("signature")
    officer.tap(signature.ids.sign)
    sheet = in_window(officer, SignatureSheet)
    assert sheet.ids.signer_name.text == venue.data["responsible_person"] != ""
    officer.tap(sheet.ids.cancel)
    officer.wait(lambda: sheet.parent is None, "the cancelled pad to close")
    officer.sign(signature)
    assert signature.signer_name == venue.data["responsible_person"]
    officer.tap(signature.ids.sign)
    sheet = in_window(officer, SignatureSheet)
    assert sheet.ids.signer_name.text == venue.data["responsible_person"]
    officer.type(sheet.ids.signer_name, "值班经理 周敏")
    drag(officer, [sheet.ids.pad.to_window(*sheet.ids.pad.center), sheet.ids.pad.to_window(*sheet.ids.pad.pos)])
    officer.tap(sheet.ids.done)
    officer.wait(lambda: signature.signer_name == "值班经理 周敏", "the signer's name")
    assert signature.ids.signer.text == "签名人：值班经理 周敏"
    officer.tap("save_draft")
    officer.wait(lambda: the_inspection(officer, venue).data.get("signer_name") == "值班经理 周敏",
                 "the draft with the signer's name")
