"""The admin console in real headless Chromium, with handhelds syncing against the same server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from mobile.account import AccountState
from mobile.session import AuthError
from mobile.store import SyncState
from tests.e2e.browser import screenshot, signed_in_page
from tests.e2e.conftest import LiveServer, serve_demo
from tests.e2e.handheld import Handheld


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from serve_demo(tmp_path_factory, "admin-demo")


@pytest.fixture
def phones(demo: LiveServer, tmp_path: Path) -> Iterator[Any]:
    opened: list[Handheld] = []

    def enrol(username: str) -> Handheld:
        phone = Handheld.enrol(tmp_path / username, demo.url, username)
        phone.sync()
        opened.append(phone)
        return phone

    yield enrol
    for phone in opened:
        phone.store.close()


def admin_page(chromium: Any, demo: LiveServer, language: str = "en") -> Any:
    return signed_in_page(chromium, demo.url, "admin", language)


def test_an_admin_resolves_a_conflict_by_the_phones_value_and_a_stale_second_admin_is_refused(
        chromium: Any, demo: LiveServer, phones: Any) -> None:
    first, second = phones("officer1"), phones("officer2")
    venue_id = sorted({v.id for v in first.records.all("venue")} & {v.id for v in second.records.all("venue")})[3]
    first.records.save("venue", {"phone": "0573-1000 0001"}, venue_id)
    second.records.save("venue", {"phone": "0573-2000 0002"}, venue_id)
    first.sync()
    second.sync()
    conflicted = second.records.get("venue", venue_id)
    assert conflicted.state is SyncState.CONFLICT
    conflict_id = conflicted.detail["conflict_id"]

    one, two = admin_page(chromium, demo), admin_page(chromium, demo)
    one.goto(f"{demo.url}/dashboard/conflicts?record_type=venue")
    assert one.locator(f"tr[data-id='{conflict_id}']").count() == 1
    one.click(f"tr[data-id='{conflict_id}'] a")
    two.goto(one.url)
    row = one.inner_text("#field-phone")
    assert "0573-1000 0001" in row and "0573-2000 0002" in row
    screenshot(one, "en", "conflict")
    one.check("#device-phone")
    one.click("#resolve-button")
    one.wait_for_selector(".flash.done")

    two.click("#resolve-button")
    assert "Nothing was written" in two.inner_text("#problem")
    assert "0573-2000 0002" in two.inner_text("#field-phone")
    assert "resolved" in two.inner_text("#conflict-status").lower()
    screenshot(two, "en", "conflict-stale")

    first.sync()
    second.sync()
    for phone in (first, second):
        assert phone.records.get("venue", venue_id).data["phone"] == "0573-2000 0002"
    assert second.records.get("venue", venue_id).state is SyncState.SYNCED
    one.context.close()
    two.context.close()


def test_revoking_a_phone_makes_its_next_sync_fail_and_wipe_it(chromium: Any, demo: LiveServer,
                                                              phones: Any) -> None:
    phone = phones("officer3")
    page = admin_page(chromium, demo)
    page.goto(f"{demo.url}/dashboard/devices")
    row = page.locator(f"#device-{phone.account.device_id}")
    row.locator("input[name=reason]").fill("lost on patrol")
    row.locator("button").click()
    page.wait_for_selector(".flash.done")
    with pytest.raises(AuthError) as refused:
        phone.sync()
    assert refused.value.code == "device_revoked"
    assert phone.account.handle(refused.value) is AccountState.WIPED
    assert phone.records.all("venue") == []
    page.context.close()


def test_moving_an_officer_changes_what_their_next_pull_brings(chromium: Any, demo: LiveServer,
                                                              phones: Any) -> None:
    phone = phones("officer4")
    before = {venue.id for venue in phone.records.all("venue")}
    page = admin_page(chromium, demo)
    page.goto(f"{demo.url}/dashboard/people")
    page.click("tr[data-username='officer4'] a")
    page.select_option("#room", label="枫杨社区警务室")
    page.click("#save-person")
    page.wait_for_selector(".flash.done")
    phone.sync()
    after = {venue.id for venue in phone.records.all("venue")}
    assert after and not after & before
    rooms = {venue.data["room_id"] for venue in phone.records.all("venue")}
    assert rooms == {phone.account.user["room_id"]} or len(rooms) == 1
    page.context.close()


def test_tampering_with_an_audit_row_is_detected(chromium: Any, demo: LiveServer) -> None:
    page = admin_page(chromium, demo)
    page.goto(f"{demo.url}/dashboard/audit")
    page.click("#verify")
    assert page.inner_text("#verdict").startswith("Intact")
    engine = sa.create_engine(demo.env["DATABASE_URL"])
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE audit_entry SET details = '{\"forged\": true}' WHERE id = 5"))
    engine.dispose()
    page.goto(f"{demo.url}/dashboard/audit")
    page.click("#verify")
    assert page.inner_text("#verdict").startswith("Tampered")
    screenshot(page, "en", "audit-tampered")
    page.context.close()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_admin_page_in_both_languages(chromium: Any, demo: LiveServer, language: str) -> None:
    page = admin_page(chromium, demo, language)
    for path, name in (("conflicts", "conflicts"), ("quarantine", "refused-changes"), ("people", "people"),
                       ("devices", "devices"), ("audit", "audit"), ("venues", "venues"),
                       ("templates", "templates"), ("places", "places")):
        page.goto(f"{demo.url}/dashboard/{path}")
        screenshot(page, language, name)
    page.goto(f"{demo.url}/dashboard/templates")
    page.click("#templates tbody tr:first-child a")
    screenshot(page, language, "template")
    page.goto(f"{demo.url}/dashboard/people")
    page.click("tr[data-username='officer2'] a")
    screenshot(page, language, "person")
    page.click("#enrol-phone")
    page.wait_for_selector("#qr svg")
    screenshot(page, language, "enrolment")
    if language == "zh":
        assert not re.search(r"\b(Conflicts|People|Devices|Audit trail)\b", page.inner_text("header"))
    page.context.close()
