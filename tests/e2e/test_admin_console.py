"""The admin console in real headless Chromium, with handhelds syncing against the same server."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from mobile.account import AccountState
from mobile.session import AuthError
from mobile.store import SyncState
from sync import vocab
from tests.e2e.browser import screenshot, signed_in_page
from tests.e2e.conftest import LiveServer, serve_demo
from tests.e2e.handheld import Handheld


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from serve_demo(tmp_path_factory, "admin-demo")


@pytest.fixture
def phones(demo: LiveServer, tmp_path: Path) -> Iterator[Any]:
    opened: list[Handheld] = []

    def enrol(username: str, second_phone: bool = False) -> Handheld:
        phone = Handheld.enrol(tmp_path / (username + ("-second" if second_phone else "")), demo.url, username)
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
    assert not phone.store.is_open and not phone.store.path.exists()
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
                       ("templates", "templates"), ("places", "places"), ("webhooks", "webhooks"),
                       ("notices", "notices-admin")):
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


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d|\+00:00|UTC")


def untranslated(page: Any, *data: str) -> list[str]:
    """What on the page's main part is not plain Chinese: ids, JSON, ISO times, field keys, codes, English.

    ``data`` are strings the officers typed (a device's name), taken out first, and so is the demo
    banner's list of user names.
    """
    text = page.inner_text("main")
    if page.locator("#demo-passwords").count():
        text = text.replace(page.inner_text("#demo-passwords"), "")
    for datum in data:
        text = text.replace(datum, "")
    return (UUID.findall(text) + ISO_TIME.findall(text) + re.findall(r"[{}\[\]\"]", text)
            + re.findall(r"[A-Za-z_]{2,}", text))


def pick_two(values: Any, besides: str) -> tuple[str, str]:
    first, second = [value for value in values if value != besides][:2]
    return first, second


def test_conflicts_read_in_chinese_and_a_checklist_is_resolved_item_by_item(
        chromium: Any, demo: LiveServer, phones: Any) -> None:
    first, second = phones("officer1"), phones("officer1", second_phone=True)
    device_names = ("officer1's handheld",)
    venue_id = sorted(v.id for v in first.records.all("venue"))[7]
    base_risk = first.records.get("venue", venue_id).data.get("risk_level")
    risk_first, risk_second = pick_two(vocab.RISK_LEVELS, base_risk)
    first.records.save("venue", {"risk_level": risk_first, "phone": "0573-3000 0003"}, venue_id)
    second.records.save("venue", {"risk_level": risk_second, "phone": "0573-4000 0004"}, venue_id)

    returned = next(r for r in first.records.all("inspection")
                    if r.data["officer_id"] == first.user["id"] and r.data["status"] == "returned"
                    and len(r.data["checklist"]) >= 3)
    checklist = returned.data["checklist"]
    noted, answered, untouched = list(checklist)[:3]
    new_result = "not_applicable" if checklist[answered]["result"] != "not_applicable" else "pass"
    first.records.save("inspection", {"checklist": {**checklist, noted: {**checklist[noted], "note": "登记本已补全"}}},
                       returned.id)
    second.records.save("inspection", {"checklist": {
        **checklist, noted: {**checklist[noted], "note": "登记本缺两页"},
        answered: {"result": new_result, "note": ""}}}, returned.id)
    first.sync()
    second.sync()
    venue_conflict = second.records.get("venue", venue_id).detail["conflict_id"]
    inspection_conflict = second.records.get("inspection", returned.id).detail["conflict_id"]

    page = admin_page(chromium, demo, "zh")
    page.goto(f"{demo.url}/dashboard/conflicts")
    assert untranslated(page) == []
    assert "电话" in page.inner_text(f"tr[data-id='{venue_conflict}']")
    fields_offered = page.locator("#bulk-field option").all_inner_texts()
    assert "电话" in fields_offered and "隐患等级" in fields_offered and "phone" not in fields_offered

    page.goto(f"{demo.url}/dashboard/conflicts/{venue_conflict}")
    assert untranslated(page, *device_names) == []
    risk_row = page.inner_text("#field-risk_level")
    assert "风险等级" in risk_row and vocab.RISK_LEVELS[risk_first][0] in risk_row
    assert vocab.RISK_LEVELS[risk_second][0] in risk_row
    assert page.locator("#typed-risk_level").evaluate("e => e.tagName") == "SELECT"
    assert page.locator("#typed-phone").evaluate("e => e.tagName + e.type") == "INPUTtext"
    assert "待处理" in page.inner_text("#conflict-status")
    page.check("#device-risk_level")
    page.check("#typed-choice-phone")
    page.fill("#typed-phone", "0573-5000 0005")
    page.click("#resolve-button")
    page.wait_for_selector(".flash.done")

    page.goto(f"{demo.url}/dashboard/conflicts/{inspection_conflict}")
    assert untranslated(page, *device_names) == []
    assert "登记本已补全" in page.inner_text(f"#item-{noted}") and "登记本缺两页" in page.inner_text(f"#item-{noted}")
    assert page.get_attribute(f"#item-{noted}", "class") == "differs"
    assert page.get_attribute(f"#item-{answered}", "class") == "differs"
    assert page.get_attribute(f"#item-{untouched}", "class") == "same"
    assert page.locator(f"#item-{untouched} input").count() == 0
    assert vocab.CHECK_RESULTS[new_result][0] in page.inner_text(f"#item-{answered}")
    screenshot(page, "zh", "conflict-checklist")
    page.check(f"#device-item-{answered}")
    page.click("#resolve-button")
    page.wait_for_selector(".flash.done")

    first.sync()
    venue = first.records.get("venue", venue_id).data
    assert (venue["risk_level"], venue["phone"]) == (risk_second, "0573-5000 0005")
    resolved = first.records.get("inspection", returned.id).data["checklist"]
    assert resolved[noted]["note"] == "登记本已补全"
    assert resolved[answered]["result"] == new_result
    assert resolved[untouched] == checklist[untouched]
    page.context.close()


def test_a_refused_change_reads_in_chinese_and_is_corrected_in_form_fields(
        chromium: Any, demo: LiveServer, phones: Any) -> None:
    phone = phones("officer2")
    engine = sa.create_engine(demo.env["DATABASE_URL"])
    with engine.begin() as connection:
        elsewhere = connection.execute(sa.text("SELECT id FROM room WHERE name = '中港警务室'")).scalar_one()
    engine.dispose()
    created = phone.records.save("venue", {"room_id": str(uuid.UUID(str(elsewhere))), "name": "江南网吧",
                                           "kind": "internet_cafe", "address": "江南路8号"})
    phone.sync()
    assert phone.records.get("venue", created.id).state is SyncState.REJECTED

    page = admin_page(chromium, demo, "zh")
    page.goto(f"{demo.url}/dashboard/quarantine")
    assert untranslated(page) == []
    row = page.locator("tr", has_text="江南网吧")
    assert "不在该民警的辖区内" in row.inner_text()
    row.locator("a").click()
    assert untranslated(page, "officer2's handheld") == []
    assert page.locator("#correct textarea[name=data], #correct .code").count() == 0
    assert page.locator("#field-kind").evaluate("e => e.tagName") == "SELECT"
    screenshot(page, "zh", "refused-change")
    page.select_option("#field-room_id", label="枫杨社区警务室")
    page.click("#apply")
    page.wait_for_selector(".flash.done")
    engine = sa.create_engine(demo.env["DATABASE_URL"])
    with engine.begin() as connection:
        written = connection.execute(sa.text(
            "SELECT venue.name, room.name FROM venue JOIN room ON room.id = venue.room_id WHERE venue.id = :id"),
            {"id": created.id if "sqlite" not in demo.env["DATABASE_URL"] else created.id.replace("-", "")}).one()
    engine.dispose()
    assert tuple(written) == ("江南网吧", "枫杨社区警务室")
    page.context.close()
