"""A chief reviews in real headless Chromium what an officer pushed through the sync API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sync.links import venue_link
from tests.e2e.browser import screenshot, signed_in_page
from tests.e2e.conftest import LiveServer, serve_demo
from tests.e2e.handheld import Handheld, photo, venue_of

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
    page.click("table.logs tbody tr:first-child a")
    page.wait_for_url(re.compile(r".*/inspections/.*"))
    screenshot(page, language, "inspection")
    for path, name in (("deadlines", "deadlines"), ("figures", "figures"), ("reports/week", "week-report"),
                       ("inbox?kind=followup", "inbox-followups")):
        page.goto(f"{demo.url}/dashboard/{path}")
        screenshot(page, language, name)
    if language == "zh":
        assert not re.search(r"\b(Inbox|Deadlines|Figures|Sign out)\b", page.inner_text("header"))
    page.click("#logout")
    page.wait_for_url(re.compile(r".*/dashboard/login"))
    context.close()


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
