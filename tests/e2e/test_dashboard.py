"""A chief reviews in real headless Chromium what an officer pushed through the sync API."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from sync import clock
from sync.links import venue_link
from sync.protocol import SCHEMA_VERSION
from tests.e2e.browser import screenshot, signed_in_page
from tests.e2e.conftest import LiveServer, serve_demo
from tests.e2e.handheld import CHINA, Handheld, api, photo, venue_of
from tests.e2e.tour import DEMO_NAME, READ_PAGE, RESIDENT_ID, Tour

HOSTILE = "出口堵塞 <script>document.title='owned'</script>"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from serve_demo(tmp_path_factory, "dashboard-demo")


@pytest.fixture
def officer(demo: LiveServer, tmp_path: Path) -> Iterator[Handheld]:
    phone = Handheld.enrol(tmp_path / "officer1", demo.url, "officer1")
    phone.sync()
    yield phone
    phone.store.close()


def refuse_a_change(server_url: str) -> None:
    """A phone's change the server refuses for good, so the refused-change pages have one to show."""
    device_id = str(uuid.uuid4())
    http = requests.Session()
    signed_in = http.post(f"{server_url}/api/v1/auth/login", timeout=10, json={
        "username": "officer2", "password": "demo", "device_id": device_id, "device_name": "陈晓燕的警务通"}).json()
    http.headers["Authorization"] = f"Bearer {signed_in['token']}"
    pushed = http.post(f"{server_url}/api/v1/sync/push", timeout=10, json={
        "device_id": device_id, "schema_version": SCHEMA_VERSION, "mutations": [{
            "mutation_id": str(uuid.uuid4()), "type": "inspection", "id": str(uuid.uuid4()), "op": "create",
            "base_version": None, "base": {}, "data": {
                "venue_id": str(uuid.uuid4()), "officer_id": signed_in["user"]["id"], "status": "submitted",
                "inspected_at": clock.now().astimezone(CHINA).isoformat(), "findings": "场所已注销"}}]})
    assert pushed.json()["results"][0]["status"] == "rejected"


TOUR_STARTS = {
    "chief1": ["/dashboard/inbox?hazard=major", "/dashboard/inbox", "/dashboard/inbox?kind=followup",
               "/dashboard/registry"],
    "admin": ["/dashboard/inbox", "/dashboard/conflicts", "/dashboard/quarantine", "/dashboard/devices?browsers=true",
              "/dashboard/personal-access"],
    "squadlead1": ["/dashboard/orders"],
}
EVERY_KIND_OF_PAGE = {"/dashboard/inbox", "/dashboard/inspections/:id", "/dashboard/inspections/:id/print",
                      "/dashboard/inspections/:id/photos/:n", "/dashboard/followups/:id", "/dashboard/deadlines",
                      "/dashboard/figures", "/dashboard/reports/week", "/dashboard/conflicts",
                      "/dashboard/conflicts/:id", "/dashboard/conflicts/bulk", "/dashboard/quarantine",
                      "/dashboard/quarantine/:id", "/dashboard/people", "/dashboard/people/:id",
                      "/dashboard/people/new", "/dashboard/venues", "/dashboard/venues/:id", "/dashboard/templates",
                      "/dashboard/templates/:id", "/dashboard/places", "/dashboard/devices", "/dashboard/audit",
                      "/dashboard/orders", "/dashboard/orders/:id", "/dashboard/orders/figures", "/dashboard/squads",
                      "/dashboard/registry", "/dashboard/registry/houses/:id", "/dashboard/personal-access",
                      "/dashboard/planning", "/dashboard/notices", "/dashboard/webhooks"}


def test_a_tour_of_every_chief_and_admin_page_in_chinese_finds_no_code_words_ids_or_english(
        chromium: Any, demo: LiveServer) -> None:
    """First in the module, so it reads the demo as ``make run`` shows it, not the English text
    the tests below type into logs (a script in a finding, say)."""
    refuse_a_change(demo.url)
    tour = Tour(demo.url)
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    tour.walk(page, ["/dashboard/login"])
    reached = set(tour.kinds)
    for username, starts in TOUR_STARTS.items():
        page.goto(f"{demo.url}/dashboard/login")
        page.fill("#username", username)
        page.fill("#password", "demo")
        page.click("#sign-in")
        page.wait_for_url(re.compile(r".*/dashboard/(inbox|orders).*"))
        tour.kinds = {kind for kind in tour.kinds if kind[0] == "/dashboard/login"}
        tour.walk(page, starts)
        reached |= tour.kinds
        if username == "admin":
            page.goto(f"{demo.url}/dashboard/conflicts")
            page.evaluate("""() => { const rule = document.getElementById('bulk-rule');
                rule.elements.field.value = 'phone'; rule.requestSubmit(); }""")
            page.wait_for_url(re.compile(r".*/dashboard/conflicts/bulk\?.*"))
            tour.read(page.url, page.evaluate(READ_PAGE)["text"])
            reached.add(tour.kind_of(page.url))
            page.goto(f"{demo.url}/dashboard/audit")
            page.click("#verify")
            page.wait_for_selector("#verdict")
            tour.read(page.url, page.evaluate(READ_PAGE)["text"])
            assert page.locator("#audit tbody tr").count() > 0
        page.click("#logout")
        page.wait_for_url(re.compile(r".*/dashboard/login"))
    context.close()
    paths = {path for path, _query in reached}
    findings = "\n".join(str(finding) for finding in tour.findings)
    assert EVERY_KIND_OF_PAGE <= paths, f"not reached: {sorted(EVERY_KIND_OF_PAGE - paths)}\n{findings}"
    assert not tour.findings, f"{len(tour.visited)} pages walked:\n{findings}"


def test_a_chief_returns_a_synced_log_and_the_officers_next_pull_carries_it(
        chromium: Any, demo: LiveServer, officer: Handheld) -> None:
    logged = officer.inspect(venue_of(officer), HOSTILE, photo())
    officer.sync()
    venue = officer.records.get("venue", officer.records.get("inspection", logged).data["venue_id"]).data
    page = signed_in_page(chromium, demo.url, "chief1", "zh")
    alerts: list[str] = []
    page.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))

    page.select_option("#filter-officer", label="李持忠")
    page.select_option("#filter-status", value="submitted")
    page.select_option("#filter-venue-kind", value=venue["kind"])
    page.click("#apply-filters")
    page.wait_for_url(re.compile(r".*officer=.*"))
    rows = page.locator("table.logs tbody tr")
    assert rows.count() >= 1
    assert all("李持忠" in text for text in rows.all_inner_texts())
    page.click(f"tr[data-id='{logged}'] a")
    page.wait_for_url(re.compile(rf".*/inspections/{logged}"))
    assert page.inner_text("#findings") == HOSTILE
    assert page.title() != "owned" and alerts == []
    assert page.locator(".photos img").count() == 2
    assert page.evaluate("document.querySelector('.photos img').naturalWidth") > 0

    page.fill("#comment", "请补拍安全出口照片")
    page.click("#return")
    page.wait_for_selector(".flash.done")
    assert page.inner_text("#status").startswith("已退回")

    officer.sync()
    returned = officer.records.get("inspection", logged)
    assert returned.data["status"] == "returned" and returned.data["review_comment"] == "请补拍安全出口照片"

    forged = page.request.post(f"{demo.url}/dashboard/inspections/{logged}/review",
                               form={"decision": "approve", "expected_version": "2"})
    assert forged.status == 400
    page.context.close()

    other = signed_in_page(chromium, demo.url, "chief2", "en")
    assert other.goto(f"{demo.url}/dashboard/inspections/{logged}").status == 404
    other.goto(f"{demo.url}/dashboard/inbox?status=returned")
    assert venue["name"] not in other.content()
    other.context.close()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_dashboard_page_in_both_languages(chromium: Any, demo: LiveServer, language: str) -> None:
    context = chromium.new_context(locale="zh-CN" if language == "zh" else "en-GB",
                                   viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{demo.url}/dashboard/login")
    assert page.inner_text("h1") == ("登录" if language == "zh" else "Sign in")
    screenshot(page, language, "sign-in")
    page.fill("#username", "chief1")
    page.fill("#password", "demo")
    page.click("#sign-in")
    page.wait_for_url(re.compile(r".*/dashboard/inbox.*"))
    screenshot(page, language, "inbox")
    page.goto(f"{demo.url}/dashboard/inbox?hazard=major")
    page.click("table.logs tbody tr:first-child a")
    page.wait_for_url(re.compile(r".*/inspections/.*"))
    screenshot(page, language, "inspection")
    for path, name in (("deadlines", "deadlines"), ("figures", "figures"), ("reports/week", "week-report"),
                       ("inbox?kind=followup", "inbox-followups"), ("planning", "planning"), ("notices", "notices")):
        page.goto(f"{demo.url}/dashboard/{path}")
        screenshot(page, language, name)
    if language == "zh":
        assert not re.search(r"\b(Inbox|Deadlines|Figures|Sign out)\b", page.inner_text("header"))
    page.click("#logout")
    page.wait_for_url(re.compile(r".*/dashboard/login"))
    context.close()


def amend_as_returned(officer: Handheld, log_id: str) -> dict[str, Any]:
    """The officer corrects a returned log on the phone: a failed item's note, one more photo; sends it again."""
    officer.sync()
    log = officer.records.get("inspection", log_id).data
    venue = officer.records.get("venue", log["venue_id"]).data
    template = next(t for t in officer.records.all("checklist_template") if t.data["venue_kind"] == venue["kind"])
    item = template.data["items"][2]
    amended = {**{k: v for k, v in log.items() if k not in ("review_comment", "reviewer_id", "reviewed_at")},
               "template_id": template.id, "template_version": template.version,
               "checklist": {item["key"]: {"result": "fail", "note": "已当场整改"}},
               "photo_hashes": [*log["photo_hashes"], officer.media.add_photo(photo((30, 90, 160)))],
               "status": "submitted"}
    officer.records.save("inspection", amended, record_id=log_id)
    officer.sync()
    return item


def chief_opens_a_new_log(chromium: Any, demo: LiveServer, officer: Handheld, findings: str,
                          *evidence: bytes, **details: Any) -> tuple[str, Any]:
    """The officer logs an inspection of their venue and syncs; chief1 opens it on the dashboard in Chinese."""
    logged = officer.inspect(venue_of(officer), findings, *evidence, **details)
    officer.sync()
    page = signed_in_page(chromium, demo.url, "chief1", "zh")
    page.goto(f"{demo.url}/dashboard/inspections/{logged}")
    return logged, page


def test_the_chief_sees_who_sent_a_returned_log_again_and_what_changed(
        chromium: Any, demo: LiveServer, officer: Handheld) -> None:
    logged, page = chief_opens_a_new_log(chromium, demo, officer, "安全出口堵塞", photo())
    page.fill("#comment", "请写明整改情况")
    page.click("#return")
    page.wait_for_selector(".flash.done")
    item = amend_as_returned(officer, logged)

    page.goto(f"{demo.url}/dashboard/inspections/{logged}")
    assert re.search(r"李持忠 于 \d{4}-\d\d-\d\d \d\d:\d\d 重新提交", page.inner_text("#status"))
    newest = page.locator("#history tbody tr").last.inner_text()
    assert "照片 +1" in newest and f"“{item['label_zh']}”备注：（空） → 已当场整改" in newest
    assert f"“{item['label_zh']}”结果：" in newest and "状态：由 已退回 改为 已提交" in newest
    assert item["key"] not in page.inner_text("main")
    screenshot(page, "zh", "inspection-resubmitted")
    page.context.close()


def test_a_photo_opens_full_size_with_its_time_for_the_station_only(
        chromium: Any, demo: LiveServer, officer: Handheld) -> None:
    logged, page = chief_opens_a_new_log(chromium, demo, officer, "灭火器过期", photo())
    page.click("a.photo-link")
    page.wait_for_url(re.compile(rf".*/inspections/{logged}/photos/1$"))
    assert page.evaluate("document.getElementById('full-photo').naturalWidth") == 640
    shown = page.inner_text("#photo-time")
    assert re.search(r"拍摄于 \d{4}-\d\d-\d\d \d\d:\d\d 的现场检查 · 服务器收到于 ", shown)
    assert page.locator("#photo-mark").count() == 0
    page.click("#back-to-log")
    page.wait_for_url(re.compile(rf".*/inspections/{logged}$"))
    assert page.goto(f"{demo.url}/dashboard/inspections/{logged}/photos/2").status == 404
    page.context.close()
    other = signed_in_page(chromium, demo.url, "chief2", "en")
    assert other.goto(f"{demo.url}/dashboard/inspections/{logged}/photos/1").status == 404
    other.context.close()


def test_a_photo_shows_the_officers_capture_time_caption_and_mark_over_the_untouched_photo(
        chromium: Any, demo: LiveServer, officer: Handheld) -> None:
    taken = datetime.combine(clock.today(CHINA) - timedelta(days=2), time(9, 41), CHINA)
    logged, page = chief_opens_a_new_log(chromium, demo, officer, "安全出口堵塞", photo((30, 90, 160)), photo_note={
        "taken_at": taken.isoformat(), "caption": "二楼安全出口堆放纸箱",
        "mark": [[[0.2, 0.3], [0.5, 0.35], [0.6, 0.7]], [[0.1, 0.1], [0.15, 0.2]]]})
    page.goto(f"{demo.url}/dashboard/inspections/{logged}/photos/1")
    assert page.inner_text("#photo-caption") == "二楼安全出口堆放纸箱"
    assert page.inner_text("#photo-time").startswith(f"拍摄于 {taken:%Y-%m-%d} 09:41 · 服务器收到于 ")
    assert page.locator("#photo-mark polyline").count() == 2
    photo_box = page.locator("#full-photo").bounding_box()
    mark_box = page.locator("#photo-mark").bounding_box()
    assert photo_box is not None and mark_box is not None
    assert abs(photo_box["width"] - mark_box["width"]) < 2 and abs(photo_box["height"] - mark_box["height"]) < 2
    page.context.close()


def test_a_phone_time_reads_in_station_time_and_counts_on_that_station_day(
        chromium: Any, demo: LiveServer, officer: Handheld) -> None:
    """A phone left on UTC logs at 15:30 its time: 23:30 at the station, which is the day it counts on."""
    day = clock.today(CHINA) - timedelta(days=3)
    on_the_phone = datetime.combine(day, time(15, 30), UTC)
    logged, page = chief_opens_a_new_log(chromium, demo, officer, "深夜检查", inspected_at=on_the_phone)
    shown = page.locator("#device-time time")
    assert shown.inner_text() == f"{day} 23:30" and "15:30 (UTC+0000)" in shown.get_attribute("title")
    row = f"tr[data-id='{logged}']"
    page.goto(f"{demo.url}/dashboard/inbox?date_from={day}&date_to={day}")
    assert page.locator(row).count() == 1 and f"{day} 23:30" in page.inner_text(row)
    page.goto(f"{demo.url}/dashboard/inbox?date_from={day + timedelta(days=1)}")
    assert page.locator(row).count() == 0
    page.goto(f"{demo.url}/dashboard/reports/week?start={day}")
    assert f"{day} 23:30" in page.inner_text("#week")
    assert page.evaluate("document.getElementById('week').getBoundingClientRect().width") > 1100
    page.context.close()


def test_the_address_make_run_prints_leads_to_the_dashboard_and_the_tab_has_an_icon(
        chromium: Any, demo: LiveServer) -> None:
    page = chromium.new_page(locale="zh-CN")
    page.goto(f"{demo.url}/")
    page.wait_for_url(re.compile(r".*/dashboard/login.*"))
    assert page.inner_text("h1") == "登录"
    icon = page.request.get(f"{demo.url}{page.get_attribute('link[rel=icon]', 'href')}")
    assert icon.ok and icon.headers["content-type"].startswith("image/") and icon.body()[:4] == b"\0\0\1\0"
    page.context.close()


def test_returning_without_a_comment_is_said_at_the_comment_box_which_takes_the_focus(
        chromium: Any, demo: LiveServer, officer: Handheld) -> None:
    _, page = chief_opens_a_new_log(chromium, demo, officer, "消防通道堵塞", photo())
    page.click("#return")
    page.wait_for_selector("#comment-error")
    assert page.evaluate("document.activeElement.id") == "comment"
    assert page.inner_text("#comment-error") == "请说明民警需要改正的内容。"
    box = page.locator("#comment-error").bounding_box()
    assert box is not None and 0 <= box["y"] < 900
    assert page.inner_text("#status").startswith("已提交")
    page.context.close()


def test_a_resolved_conflict_is_one_entry_in_the_logs_history(chromium: Any, demo: LiveServer) -> None:
    admin = api(demo.url, "admin")
    conflicts = admin.get(f"{demo.url}/api/v1/conflicts?status=open&record_type=inspection", timeout=10).json()
    locked = conflicts[0]
    resolved = admin.post(f"{demo.url}/api/v1/conflicts/{locked['id']}/resolve", timeout=10,
                          json={"expected_version": locked["server_version"], "values": {}})
    assert resolved.status_code == 200, resolved.text
    page = signed_in_page(chromium, demo.url, "chief1", "zh")
    page.goto(f"{demo.url}/dashboard/inspections/{locked['record_id']}")
    rows = page.locator("#history tbody tr").all_inner_texts()
    assert len([row for row in rows if "冲突已处理" in row]) == 1 and any("产生同步冲突" in row for row in rows)
    page.context.close()


def test_an_admin_prints_a_venues_qr_code_that_names_the_venue_for_the_handheld(
        chromium: Any, demo: LiveServer) -> None:
    import io

    import zxingcpp
    from PIL import Image

    page = signed_in_page(chromium, demo.url, "admin", "zh")
    page.goto(f"{demo.url}/dashboard/venues")
    page.click("table tbody tr:first-child a")
    page.wait_for_url(re.compile(r".*/venues/[0-9a-f-]+$"))
    venue_id = page.url.rsplit("/", 1)[1]
    name = page.inner_text("h1").split(" ")[0]
    page.click("#venue-qr")
    page.wait_for_url(re.compile(rf".*/venues/{venue_id}/qr"))
    assert page.inner_text("#venue-name") == name

    shot = Image.open(io.BytesIO(page.locator("#qr svg").screenshot())).convert("L")
    assert [found.text for found in zxingcpp.read_barcodes(shot)] == [venue_link(venue_id)]
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible() and not page.locator("#print-qr").is_visible()
    assert page.locator("#qr svg").is_visible()
    screenshot(page, "zh", "venue-qr")
    page.context.close()


def test_the_squad_leader_assigns_a_waiting_order_and_reads_who_took_a_collided_one_first(
        chromium: Any, demo: LiveServer) -> None:
    page = signed_in_page(chromium, demo.url, "squadlead1", "zh")
    assert page.locator("#overdue-count").is_visible()
    screenshot(page, "zh", "dispatch-board")
    waiting = page.locator("#waiting + table tr.order", has_text="浙F·9A276")
    assert "自" in waiting.inner_text() and "超时未接单" in waiting.inner_text()
    waiting.locator("select").select_option(label="王建军")
    waiting.locator("button").click()
    page.wait_for_selector(".flash.done")
    assert "已指派" in page.inner_text(".flash.done")
    assert page.locator("#waiting + table tr.order", has_text="浙F·9A276").count() == 0
    page.locator("tr.order", has_text="浙F·52K88").locator("a").first.click()
    page.wait_for_url(re.compile(r".*/dashboard/orders/[0-9a-f-]{36}$"))
    collided = page.locator("#timeline li.no-effect")
    assert collided.count() == 1 and "已由 王建军 于" in collided.inner_text() and "接单" in collided.inner_text()
    screenshot(page, "zh", "work-order")
    page.goto(f"{demo.url}/dashboard/orders/figures")
    assert page.locator("#cleared-parking_enforced td").count() == 3
    screenshot(page, "zh", "traffic-figures")
    english = signed_in_page(chromium, demo.url, "squadlead1", "en")
    assert "Work orders to traffic police" in english.inner_text("h1")
    screenshot(english, "en", "dispatch-board")
    english.goto(f"{demo.url}/dashboard/orders/figures")
    screenshot(english, "en", "traffic-figures")


def test_a_chief_reads_the_registry_masked_reveals_one_resident_for_a_reason_and_the_admin_sees_it(
        chromium: Any, demo: LiveServer) -> None:
    page = signed_in_page(chromium, demo.url, "chief1", "zh")
    page.click("#nav-registry")
    page.wait_for_selector(".registry")
    assert page.locator(".registry h2").all_inner_texts() == ["枫杨社区警务室"]
    screenshot(page, "zh", "registry")
    page.locator(".houses a").first.click()
    page.wait_for_selector(".residents")
    house = page.url
    masked = page.locator(".residents tbody tr").first.inner_text()
    assert "****" in masked and not DEMO_NAME.search(masked)
    form = page.locator(".residents .reveal-form").first
    form.locator("input[name=reason]").fill("协查通报比对")
    form.locator("button").click()
    shown = page.wait_for_selector(".revealed")
    revealed = shown.inner_text()
    assert "协查通报比对" in revealed and DEMO_NAME.search(revealed) and RESIDENT_ID.search(revealed)
    screenshot(page, "zh", "registry_reveal")
    page.goto(house)
    assert not RESIDENT_ID.search(page.locator("body").inner_text())
    page.context.close()
    admin = signed_in_page(chromium, demo.url, "admin", "zh")
    admin.click("#nav-personal-access")
    row = admin.wait_for_selector("tr.personal-reveal")
    assert "协查通报比对" in row.inner_text() and "周卫东" in row.inner_text()
    admin.context.close()


def test_no_resident_id_number_or_name_reaches_the_servers_log(demo: LiveServer) -> None:
    """Last in the module: the log holds every request the tests above made (tour, reveals, searches)."""
    officer = api(demo.url, "officer1")
    searched = officer.post(f"{demo.url}/api/v1/residents/search", timeout=10, json={
        "document_kind": "resident_id", "document_number": "330402199001011230", "purpose": "日志检查"})
    assert searched.status_code == 200
    logged = demo.log.read_text()
    assert "/residents/search" in logged and "330402199001011230" not in logged
    assert not RESIDENT_ID.search(logged) and not DEMO_NAME.search(logged)


def test_a_chief_assigns_an_inspection_in_the_browser_and_the_officers_phone_gets_it_with_a_notice(
        chromium: Any, demo: LiveServer, officer: Handheld) -> None:
    officer.sync()
    venue_id = venue_of(officer)
    venue = officer.records.get("venue", venue_id).data
    page = signed_in_page(chromium, demo.url, "chief1", "zh")
    page.goto(f"{demo.url}/dashboard/planning")
    queue = page.inner_text("#queue")
    assert "民警调离警务室 · 王志刚" in queue
    page.select_option("#assign-kind", value="inspection")
    page.select_option("#assign-officer", label="李持忠 · 枫杨社区警务室")
    page.select_option("#assign-venue", value=venue_id)
    page.fill("#assign-note", "请核查消防通道")
    page.click("#assign-submit")
    page.wait_for_selector(".flash.done")
    assert "李持忠" in page.inner_text(".flash.done")
    assert "请核查消防通道" in page.inner_text("#assigned")
    screenshot(page, "zh", "planning-assigned")
    page.context.close()

    officer.sync()
    given = [a for a in officer.records.all("assignment") if a.data["note"] == "请核查消防通道"]
    assert len(given) == 1 and given[0].data["venue_id"] == venue_id and given[0].data["status"] == "open"
    told = [n for n in officer.records.all("notice") if n.data["subject_id"] == given[0].id]
    assert [n.data["kind"] for n in told] == ["assigned"], venue["name"]
