"""The handheld core against a real server process: offline work, merges, conflicts, reviews."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlparse

import pytest

from mobile.account import AccountState, WrongPassword
from mobile.autosync import AutoSync
from mobile.session import Offline, SyncError
from mobile.store import SyncState
from mobile.worklist import worklist
from sync import clock
from tests.e2e.conftest import LiveServer
from tests.e2e.handheld import Handheld, api, photo, venue_of
from tests.e2e.proxy import flaky_proxy


def test_an_inspection_recorded_offline_syncs_when_the_network_returns(
    live_server: LiveServer, enrol: Any
) -> None:
    with flaky_proxy(urlparse(live_server.url).port) as proxy:
        phone = enrol(proxy.url, "officer1")
        phone.sync()
        venue = venue_of(phone)
        proxy.offline = True
        inspection = phone.inspect(venue, "二楼安全出口堆放杂物", photo())
        with pytest.raises(Offline):
            phone.sync()
        assert phone.records.get("inspection", inspection).state is SyncState.QUEUED
        proxy.offline = False
        report = phone.sync()
    assert report.uploaded == 2 and report.pushed == {"applied": 1}
    assert {p.phase for p in phone.progress} >= {"upload", "push", "pull", "done"}
    record = phone.records.get("inspection", inspection)
    assert (record.state, record.version) == (SyncState.SYNCED, 1)
    chief = api(live_server.url, "chief1")
    on_server = chief.get(f"{live_server.url}/api/v1/inspections/{inspection}", timeout=10).json()
    assert on_server["findings"] == "二楼安全出口堆放杂物" and on_server["signature_hash"]
    blob = chief.get(f"{live_server.url}/api/v1/blobs/{on_server['photo_hashes'][0]}?schema_version=2", timeout=10)
    assert blob.status_code == 200 and blob.headers["Content-Type"] == "image/jpeg"


def test_two_handhelds_editing_one_venue_merge_and_then_conflict(live_server: LiveServer, enrol: Any) -> None:
    first = enrol(live_server.url, "officer1")
    second = enrol(live_server.url, "officer2")
    first.sync(), second.sync()
    venue = venue_of(first)
    first.records.save("venue", {"notes": "门口新装了监控"}, venue)
    second.records.save("venue", {"phone": "0573-82223333"}, venue)
    assert first.sync().pushed == {"applied": 1}
    assert second.sync().pushed == {"merged": 1}
    first.sync()
    assert first.records.get("venue", venue).data["phone"] == "0573-82223333"
    first.records.save("venue", {"responsible_person": "王海"}, venue)
    second.records.save("venue", {"responsible_person": "王海涛"}, venue)
    first.sync()
    assert second.sync().pushed == {"conflict": 1}
    shown = second.records.get("venue", venue)
    assert shown.state is SyncState.CONFLICT
    assert shown.data["responsible_person"] == "王海" and shown.detail["yours"] == {"responsible_person": "王海涛"}
    assert shown in worklist(second.records, clock.today()).needs_attention


@pytest.mark.parametrize("cut", ["refuse", "drop_response"])
def test_a_delete_after_a_sync_cut_off_mid_edit_is_not_a_conflict_with_the_phones_own_edit(
    live_server: LiveServer, enrol: Any, cut: str
) -> None:
    with flaky_proxy(urlparse(live_server.url).port) as proxy:
        phone = enrol(proxy.url, "officer1")
        venue = phone.records.save("venue", {"room_id": phone.user["room_id"], "name": f"删除测试{cut}",
                                             "kind": "shop", "address": "南湖路1号"}).id
        phone.sync()
        phone.records.save("venue", {"notes": "改了以后就关门了"}, venue)
        proxy.fail(lambda line: line.startswith("POST /api/v1/sync/push"), cut, times=2)
        with pytest.raises(SyncError):
            phone.sync()
        phone.records.delete("venue", venue)
        report = phone.sync()
    assert report.pushed == {"applied": 2} and phone.pending() == 0
    admin = api(live_server.url, "admin")
    conflicts = admin.get(f"{live_server.url}/api/v1/conflicts", timeout=10,
                          params={"status": "all", "record_type": "venue", "page_size": 500}).json()
    assert venue not in {conflict["record_id"] for conflict in conflicts}
    on_server = admin.get(f"{live_server.url}/api/v1/venues/{venue}", timeout=10).json()
    assert (on_server["deleted"], on_server["version"], on_server["notes"]) == (True, 3, "改了以后就关门了")


def test_a_returned_log_reaches_the_officer_who_amends_and_resubmits(live_server: LiveServer, enrol: Any) -> None:
    phone = enrol(live_server.url, "officer2")
    phone.sync()
    inspection = phone.inspect(venue_of(phone), "灭火器过期")
    phone.sync()
    chief = api(live_server.url, "chief1")
    review = chief.post(f"{live_server.url}/api/v1/inspections/{inspection}/review", timeout=10,
                        json={"decision": "return", "comment": "请写明灭火器的数量和过期日期。"})
    assert review.status_code == 200
    phone.sync()
    work = worklist(phone.records, clock.today(), officer_id=phone.user["id"])
    returned = next(r for r in work.returned if r.id == inspection)
    assert returned.data["review_comment"] == "请写明灭火器的数量和过期日期。"
    phone.records.save("inspection", {"findings": "灭火器2具，2025年10月过期", "status": "submitted"}, inspection)
    assert phone.sync().pushed == {"applied": 1}
    on_server = chief.get(f"{live_server.url}/api/v1/inspections/{inspection}", timeout=10).json()
    assert (on_server["status"], on_server["findings"]) == ("submitted", "灭火器2具，2025年10月过期")


def test_the_handheld_syncs_by_itself_when_the_network_returns(live_server: LiveServer, enrol: Any) -> None:
    with flaky_proxy(urlparse(live_server.url).port) as proxy:
        phone = enrol(proxy.url, "officer1")
        proxy.offline = True
        inspection = phone.inspect(venue_of_or_new(phone), "离线记录")
        finished: list[object] = []
        auto = AutoSync(phone.store, phone.account, probe_every=0.1, on_finished=lambda r, e: finished.append(r))
        auto.start()
        time.sleep(0.5)
        assert phone.records.get("inspection", inspection).state is SyncState.QUEUED
        proxy.offline = False
        deadline = time.monotonic() + 20
        while phone.records.get("inspection", inspection).state is not SyncState.SYNCED:
            assert time.monotonic() < deadline, "did not sync by itself"
            time.sleep(0.1)
        auto.stop()
    assert not auto.thread.is_alive() and any(finished)


def venue_of_or_new(phone: Handheld) -> str:
    """A venue to inspect: one in the room if pulled already, else one the officer records now."""
    venues = phone.records.all("venue")
    if venues:
        return venues[0].id
    return phone.records.save("venue", {"room_id": phone.user["room_id"], "name": "离线新增商铺", "kind": "shop",
                                        "address": "中山东路88号"}).id


def test_a_sign_in_ended_by_the_server_asks_for_the_password_and_keeps_unsynced_work(
    live_server: LiveServer, enrol: Any
) -> None:
    phone = enrol(live_server.url, "officer5")
    phone.sync()
    inspection = phone.inspect(venue_of(phone), "未同步的检查")
    done = live_server.flask("person", "set-password", "officer5", "--password", "new-password")
    assert done.returncode == 0, done.stderr
    with pytest.raises(Exception) as raised:
        phone.sync()
    assert phone.account.handle(raised.value) is AccountState.NEEDS_PASSWORD
    assert phone.records.get("inspection", inspection).state is SyncState.SENDING
    phone.account.reauthenticate("new-password")
    assert phone.account.state is AccountState.READY
    phone.sync()
    assert phone.records.get("inspection", inspection).state is SyncState.SYNCED
    phone.account.unlock("new-password")
    with pytest.raises(WrongPassword):
        phone.account.unlock("demo")


def test_a_revoked_handheld_wipes_its_data_on_next_contact(live_server: LiveServer, enrol: Any) -> None:
    phone = enrol(live_server.url, "officer6")
    phone.sync()
    assert phone.records.all("venue")
    done = live_server.flask("device", "revoke", phone.account.device_id, "--reason", "lost on patrol")
    assert done.returncode == 0, done.stderr
    with pytest.raises(Exception) as raised:
        phone.sync()
    assert phone.account.handle(raised.value) is AccountState.WIPED
    assert not phone.store.is_open and not phone.store.path.exists() and phone.store.get_meta("user") is None


def test_an_app_too_old_is_told_to_update_and_keeps_its_outbox(
    live_server: LiveServer, enrol: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    phone = enrol(live_server.url, "officer7")
    inspection = phone.inspect(venue_of_or_new(phone), "旧版本应用的记录")
    monkeypatch.setattr("mobile.session.SCHEMA_VERSION", 0)
    with pytest.raises(Exception) as raised:
        phone.sync()
    assert phone.account.handle(raised.value) is AccountState.UPGRADE_REQUIRED
    assert phone.pending() == 2 and phone.records.get("inspection", inspection) is not None
    monkeypatch.undo()
    monkeypatch.setattr("mobile.account.APP_VERSION", "1.0.1")
    assert phone.account.state is AccountState.READY
    phone.sync()
    assert phone.pending() == 0


def test_a_cursor_the_server_refuses_is_dropped_and_the_handheld_resyncs(live_server: LiveServer, enrol: Any) -> None:
    """A cursor from before cursors were signed (or signed with a key since changed) starts a full pull."""
    phone = enrol(live_server.url, "officer8")
    phone.sync()
    venues = {venue.id for venue in phone.records.all("venue")}
    assert venues
    phone.store.set_meta("cursor", phone.store.get_meta("cursor").split(".")[0])
    report = phone.sync()
    assert report.pulled >= len(venues)
    assert {venue.id for venue in phone.records.all("venue")} == venues
    assert phone.sync().pulled == 0
