"""What the officer is told when the server could not simply take a change, or turned the phone away."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mobile.store import LocalRecord, SyncState
from tests.e2e.handheld import Handheld, api
from tests.mobile.ui.driver import sign_in


def test_a_conflict_and_a_refusal_turn_the_sync_bar_to_a_count_that_opens_what_each_one_is(
        start_app: Any, network: Any, demo_server: Any, tmp_path: Path) -> None:
    officer = start_app(network.url, "zh")
    sign_in(officer, "officer1")
    me = officer.app.account.user["id"]
    colleague = Handheld.enrol(tmp_path / "colleague", demo_server.url, "officer2")
    try:
        colleague.sync()
        shared = min({v.id for v in colleague.records.all("venue")} &
                     {v.id for v in officer.app.records.all("venue")})
        theirs = next(i for i in officer.app.records.all("inspection")
                      if i.data["officer_id"] != me and i.data["status"] == "submitted")
        their_visit = next(f for f in officer.app.records.all("followup") if f.data["officer_id"] != me)
        network.offline = True
        officer.wait(lambda: not officer.app.online, "the phone to be offline")
        officer.app.go("venue", record_id=shared)
        officer.tap("edit")
        officer.on("venue_form")
        officer.type("phone", "0573-1111 2222")
        officer.tap("save")
        officer.on("venue")
        officer.app.records.save("inspection", {"findings": "代同事补记的情况"}, theirs.id)
        officer.app.records.save("followup", {"notes": "顺路看过，已整改"}, their_visit.id)
        colleague.records.save("venue", {"phone": "0573-3333 4444"}, shared)
        colleague.sync()
    finally:
        colleague.store.close()

    network.offline = False
    officer.wait(lambda: officer.app.records.get("venue", shared).state is SyncState.CONFLICT
                 and officer.app.records.get("inspection", theirs.id).state is SyncState.REJECTED
                 and officer.app.records.get("followup", their_visit.id).state is SyncState.REJECTED,
                 "the conflict and the refusals")
    officer.wait(lambda: officer.app.sync_text.startswith("在线 · 3 条需要处理"), "the bar to count them")
    assert "已全部发送" not in officer.app.sync_text
    officer.app.home()
    officer.wait(lambda: any(row.record_id == shared for row in officer.rows("work")),
                 "the conflict on the home screen")
    assert {row.subtitle for row in officer.rows("work") if row.record_id in (shared, theirs.id)} == {
        "场所 · 电话与他人修改冲突", "检查 · 检查发现未被服务器接受"}
    officer.screenshot("sync-bar-needs-you")
    officer.tap("sync_bar")
    officer.on("outbox")
    assert officer.row("records", "场所").subtitle == "场所 · 电话与他人修改冲突"
    assert officer.row("records", "检查").subtitle == "检查 · 检查发现未被服务器接受"
    shown = "\n".join(officer.texts())
    assert "有人同时修改了相同的内容。" in shown and "您填写的电话已妥善保存，等待管理员处理。" in shown
    officer.screenshot("sync-state-conflict")
    assert officer.app.records.get("venue", shared).data["phone"] == "0573-3333 4444"

    officer.app.go("venue", record_id=shared)
    officer.on("venue")
    assert officer.widget("conflict").text.startswith("场所 · 电话与他人修改冲突")
    officer.app.go("inspection", record_id=theirs.id)
    officer.on("inspection")
    assert officer.widget("conflict").text.startswith("检查 · 检查发现未被服务器接受")
    officer.tap("conflict")
    officer.on("outbox")
    officer.app.go("followup", record_id=their_visit.id)
    officer.on("followup")
    assert officer.widget("conflict").text.startswith("回访 · 备注未被服务器接受")


def test_each_record_that_needs_the_officer_says_in_one_line_what_it_is_and_what_happened(start_app: Any) -> None:
    start_app(language="zh")
    from mobile.ui.explain import attention_text

    def needing(record_type: str, state: SyncState, **detail: Any) -> str:
        return attention_text(LocalRecord(record_type, "id", 3, {}, state, detail))

    assert needing("venue", SyncState.CONFLICT, yours={"phone": "1", "address": "2"}) == \
        "场所 · 地址、电话与他人修改冲突"
    assert needing("inspection", SyncState.CONFLICT, reason="locked", yours={"findings": ""}) == \
        "检查 · 您的修改到达前已审核锁定"
    assert needing("followup", SyncState.CONFLICT, reason="deleted") == "回访 · 您的修改到达前已被他人删除"
    assert needing("inspection", SyncState.CONFLICT, yours={"photo_notes": {}, "signer_name": ""}) == \
        "检查 · 照片说明与标记、签名人与他人修改冲突"
    assert needing("venue", SyncState.REJECTED, code="out_of_scope", errors={}, left_scope=True) == \
        "场所 · 已不在本警务室辖区"
    assert needing("inspection", SyncState.REJECTED, code="not_yours", errors={}) == "检查 · 服务器未接受"


def test_a_rejected_change_names_the_fields_to_correct(start_app: Any) -> None:
    start_app(language="en")
    from mobile.ui.explain import sync_explanation

    rejected = LocalRecord("inspection", "id", 3, {}, SyncState.REJECTED,
                           {"code": "invalid", "errors": {"rectification_deadline": ["Not a valid date."]}})
    assert sync_explanation(rejected) == ("The server found details that are not valid.\n"
                                          "Check: Rectification deadline\n"
                                          "Correct it and save again to resend it.")



def test_a_refusal_no_correction_can_cure_says_an_administrator_has_it(start_app: Any) -> None:
    start_app(language="en")
    from mobile.ui.explain import sync_explanation

    purged = LocalRecord("venue", "id", 0, {}, SyncState.REJECTED, {"code": "purged", "errors": {}})
    assert sync_explanation(purged) == ("This record was deleted on the server long ago and cannot be created again.\n"
                                        "The server refused your change and keeps it for an administrator to decide.")



def test_a_change_the_full_quarantine_turned_away_stays_on_the_phone_and_says_so(start_app: Any) -> None:
    start_app(language="en")
    from mobile.ui.explain import sync_explanation

    turned_away = LocalRecord("venue", "id", 0, {}, SyncState.REJECTED, {"code": "quarantine_full", "errors": {}})
    assert sync_explanation(turned_away) == (
        "The server holds too many refused changes from this phone; this one stays here. "
        "Ask an administrator to decide the waiting ones.\n"
        "Correct it and save again to resend it.")


def test_a_revoked_phone_wipes_itself_and_asks_for_a_new_sign_in(
        start_app: Any, network: Any, demo_server: Any) -> None:
    officer = start_app(network.url, "en")
    sign_in(officer, "officer3")
    admin = api(demo_server.url, "admin")
    revoked = admin.post(f"{demo_server.url}/api/v1/devices/{officer.app.account.device_id}/revoke",
                         json={"reason": "reported lost"}, timeout=10)
    assert revoked.status_code == 200, revoked.text
    officer.tap("sync_bar")
    setup = officer.on("setup")
    assert setup.error.startswith("This phone was wiped")
    store = officer.app.store
    assert not store.is_open and not store.path.exists() and officer.app.account.user is None
    officer.screenshot("wiped")


def test_an_unsent_edit_of_a_venue_that_left_the_beat_is_shown_as_refused_work_not_as_a_venue(
        start_app: Any, network: Any, demo_server: Any) -> None:
    officer = start_app(network.url, "zh")
    sign_in(officer, "officer6")
    venue = min(officer.app.records.all("venue"), key=lambda v: v.data["name"])
    network.offline = True
    officer.wait(lambda: not officer.app.online, "the phone to be offline")
    officer.app.records.save("venue", {"notes": "调动前记下的整改情况"}, venue.id)
    admin = api(demo_server.url, "admin")
    people = admin.get(f"{demo_server.url}/api/v1/people", params={"page_size": 100}, timeout=10).json()
    me = officer.app.account.user
    elsewhere = next(p["room_id"] for p in people if p["username"] == "officer7")
    moved = admin.patch(f"{demo_server.url}/api/v1/people/{me['id']}", json={"room_id": elsewhere}, timeout=10)
    try:
        assert moved.status_code == 200, moved.text
        network.offline = False
        officer.wait(lambda: [r.state for r in officer.app.records.unsettled("venue")] == [SyncState.REJECTED]
                     and officer.app.records.get("venue", venue.id) is None, "the refusal and the venue leaving")
        assert venue.id not in {v.id for v in officer.app.records.search_venues(venue.data["name"])}
        officer.app.home()
        officer.wait(lambda: not officer.app.background.busy, "the home screen's work list")
        assert venue.id not in {row.record_id for row in officer.rows("work")}
        officer.tap("outbox")
        officer.on("outbox")
        row = officer.row("records", venue.data["name"])
        shown = "\n".join(officer.texts())
        assert "该记录已不在您警务室的辖区内" in shown and "服务器未接受您的修改" in shown
        officer.screenshot("sync-state-left-the-beat")
        officer.tap(row)
        officer.on("outbox")
    finally:
        admin.patch(f"{demo_server.url}/api/v1/people/{me['id']}", json={"room_id": me["room_id"]}, timeout=10)
