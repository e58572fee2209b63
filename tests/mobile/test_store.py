"""The local store: saves, the outbox and its states, answers and pulled changes landing."""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest
from marshmallow import ValidationError

from mobile.store import FormDrafts, Records, Replica, Store, SyncState, database
from tests.phone import STORE_KEY

ROOM = str(uuid.uuid4())


def venue(**changes: Any) -> dict[str, Any]:
    return {"room_id": ROOM, "name": "月河宾馆", "kind": "hotel", "address": "中山东路1号", **changes}


def outbox(store: Store) -> list[dict[str, Any]]:
    return [dict(row) for row in store.query("SELECT * FROM outbox ORDER BY seq")]


def pulled(record_id: str, version: int, data: dict[str, Any], deleted: bool = False, **extra: Any) -> dict:
    return {"type": "venue", "id": record_id, "version": version, "deleted": deleted, "updated_at": "x",
            "updated_by": None, "data": data, **extra}


def page(*changes: dict, reset: bool = False, has_more: bool = False, cursor: str = "c1") -> dict[str, Any]:
    return {"changes": list(changes), "cursor": cursor, "has_more": has_more, "reset": reset}


def synced_venue(replica: Replica, **data: Any) -> str:
    record_id = str(uuid.uuid4())
    full = {**venue(), "responsible_person": "", "phone": "", "location": None, "risk_level": "low",
            "notes": "", **data}
    replica.apply_page(page(pulled(record_id, 3, full)))
    return record_id


def test_a_new_record_is_validated_filled_with_defaults_and_queued(records: Records, store: Store) -> None:
    saved = records.save("venue", venue())
    assert (saved.state, saved.version, saved.data["risk_level"]) == (SyncState.QUEUED, 0, "low")
    [entry] = outbox(store)
    assert (entry["op"], entry["state"], json.loads(entry["data"])["name"]) == ("create", "queued", "月河宾馆")


def test_an_invalid_record_is_refused_with_field_errors_and_nothing_kept(records: Records, store: Store) -> None:
    with pytest.raises(ValidationError) as raised:
        records.save("venue", venue(kind="spaceport", phone="call me"))
    assert set(raised.value.messages) == {"kind", "phone"}
    assert outbox(store) == [] and store.query("SELECT * FROM record") == []


def test_listeners_hear_of_each_save_and_acknowledgement_but_not_of_a_refused_save(
    records: Records, replica: Replica, store: Store
) -> None:
    heard: list[str] = []
    store.changed.add(lambda: heard.append("changed"))
    saved = records.save("venue", venue())
    assert heard == ["changed"]
    with pytest.raises(ValidationError):
        records.save("venue", venue(kind="spaceport"))
    assert heard == ["changed"]
    [mutation] = replica.take_batch(10)
    replica.apply_results([{"mutation_id": mutation["mutation_id"], "status": "applied", "id": saved.id,
                            "version": 1}])
    assert len(heard) == 3


def test_edits_before_sending_coalesce_into_one_mutation_keeping_the_first_base(
    records: Records, replica: Replica, store: Store
) -> None:
    record_id = synced_venue(replica, notes="旧")
    records.save("venue", {"notes": "新一"}, record_id)
    records.save("venue", {"notes": "新二", "phone": "0573-1"}, record_id)
    [entry] = outbox(store)
    assert (entry["op"], entry["base_version"]) == ("update", 3)
    assert json.loads(entry["data"]) == {"notes": "新二", "phone": "0573-1"}
    assert json.loads(entry["base"]) == {"notes": "旧", "phone": ""}


def test_an_edit_while_a_push_is_in_flight_becomes_a_new_mutation_based_on_it(
    records: Records, replica: Replica, store: Store
) -> None:
    record_id = synced_venue(replica)
    records.save("venue", {"notes": "第一次"}, record_id)
    replica.take_batch(10)
    records.save("venue", {"notes": "第二次"}, record_id)
    first, second = outbox(store)
    assert (first["state"], second["state"]) == ("sending", "queued")
    assert json.loads(second["base"]) == {"notes": "第一次"}
    assert records.get("venue", record_id).state is SyncState.SENDING


def test_a_draft_stays_on_the_device_until_submitted(records: Records, replica: Replica) -> None:
    draft = records.save("venue", venue(), submit=False)
    assert draft.state is SyncState.DRAFT and replica.take_batch(10) == []
    assert records.save("venue", {"notes": "提交"}, draft.id).state is SyncState.QUEUED
    assert len(replica.take_batch(10)) == 1


def test_deleting_a_record_never_sent_forgets_it(records: Records, store: Store) -> None:
    saved = records.save("venue", venue())
    records.delete("venue", saved.id)
    assert outbox(store) == [] and records.get("venue", saved.id) is None


def test_deleting_a_synced_record_queues_a_delete_and_hides_it(
    records: Records, replica: Replica, store: Store
) -> None:
    record_id = synced_venue(replica)
    records.save("venue", {"notes": "改了又删"}, record_id)
    records.delete("venue", record_id)
    [entry] = outbox(store)
    assert (entry["op"], entry["base_version"]) == ("delete", 3)
    assert records.get("venue", record_id) is None and records.search_venues("月河") == []


def unanswered_edit_then_delete(records: Records, replica: Replica) -> tuple[str, dict[str, Any]]:
    """A synced venue (version 3) edited, its push cut off before the answer, then deleted."""
    record_id = synced_venue(replica)
    records.save("venue", {"notes": "改了还没收到回复"}, record_id)
    [edit] = replica.take_batch(10)
    records.delete("venue", record_id)
    return record_id, edit


def test_a_delete_waits_for_the_answer_to_an_edit_in_flight_and_is_based_on_the_version_it_made(
    records: Records, replica: Replica
) -> None:
    record_id, edit = unanswered_edit_then_delete(records, replica)
    assert [m["mutation_id"] for m in replica.take_batch(10)] == [edit["mutation_id"]]
    replica.apply_results([{"mutation_id": edit["mutation_id"], "status": "duplicate", "first_status": "applied",
                            "id": record_id, "version": 4}])
    [delete] = replica.take_batch(10)
    assert (delete["op"], delete["base_version"]) == ("delete", 4)
    assert records.get("venue", record_id) is None


def test_a_delete_behind_an_edit_that_met_someone_elses_change_stays_on_the_version_the_officer_saw(
    records: Records, replica: Replica
) -> None:
    record_id, edit = unanswered_edit_then_delete(records, replica)
    replica.take_batch(10)
    replica.apply_results([{"mutation_id": edit["mutation_id"], "status": "merged", "id": record_id,
                            "version": 5}])
    [delete] = replica.take_batch(10)
    assert (delete["op"], delete["base_version"]) == ("delete", 3)


def test_an_applied_answer_takes_the_mutation_out_and_records_the_version(
    records: Records, replica: Replica, store: Store
) -> None:
    saved = records.save("venue", venue())
    [mutation] = replica.take_batch(10)
    replica.apply_results([{"mutation_id": mutation["mutation_id"], "status": "applied", "id": saved.id,
                            "version": 1}])
    after = records.get("venue", saved.id)
    assert (after.state, after.version, outbox(store)) == (SyncState.SYNCED, 1, [])


def test_a_conflict_answer_shows_the_officers_values_beside_the_servers(
    records: Records, replica: Replica
) -> None:
    record_id = synced_venue(replica, name="月河宾馆")
    records.save("venue", {"name": "月河大酒店"}, record_id)
    [mutation] = replica.take_batch(10)
    replica.apply_results([{"mutation_id": mutation["mutation_id"], "status": "conflict", "id": record_id,
                            "version": 4, "conflict_id": "c-1", "reason": "field_conflict"}])
    record = records.get("venue", record_id)
    assert record.state is SyncState.CONFLICT and record.data["name"] == "月河宾馆"
    assert record.detail == {"conflict_id": "c-1", "reason": "field_conflict", "version": 4,
                             "yours": {"name": "月河大酒店"}}
    replica.apply_page(page(pulled(record_id, 5, {**record.data, "name": "月河大酒店"})))
    assert records.get("venue", record_id).state is SyncState.SYNCED


def test_a_rejection_keeps_the_change_for_the_officer_to_fix_and_resend(
    records: Records, replica: Replica, store: Store
) -> None:
    saved = records.save("venue", venue())
    [mutation] = replica.take_batch(10)
    replica.apply_results([{"mutation_id": mutation["mutation_id"], "status": "rejected", "id": saved.id,
                            "code": "out_of_scope", "errors": {}, "retryable": False}])
    record = records.get("venue", saved.id)
    assert record.state is SyncState.REJECTED and record.detail["code"] == "out_of_scope"
    assert record.data["name"] == "月河宾馆" and replica.take_batch(10) == []
    records.save("venue", {"notes": "已更正"}, saved.id)
    [resent] = replica.take_batch(10)
    assert resent["mutation_id"] != mutation["mutation_id"] and resent["op"] == "create"


def refused_delete(records: Records, replica: Replica) -> str:
    """A synced venue the officer deleted and the server refused to delete."""
    record_id = synced_venue(replica)
    records.delete("venue", record_id)
    [deletion] = replica.take_batch(10)
    replica.apply_results([{"mutation_id": deletion["mutation_id"], "status": "rejected", "id": record_id,
                            "version": None, "conflict_id": None, "code": "not_yours", "message": "Not yours.",
                            "errors": {"deleted": ["Not yours."]}, "retryable": False}])
    return record_id


def test_a_refused_delete_brings_the_record_back_as_refused_work(records: Records, replica: Replica) -> None:
    record_id = refused_delete(records, replica)
    record = records.get("venue", record_id)
    assert record is not None and record.state is SyncState.REJECTED and record.detail["code"] == "not_yours"
    assert [found.id for found in records.unsettled("venue")] == [record_id]
    assert [found.id for found in records.search_venues("月河")] == [record_id]


def test_editing_a_record_whose_delete_was_refused_sends_the_edit_not_the_delete(
    records: Records, replica: Replica, store: Store
) -> None:
    record_id = refused_delete(records, replica)
    records.save("venue", {"notes": "还在营业"}, record_id)
    [entry] = outbox(store)
    assert (entry["op"], json.loads(entry["data"]), entry["state"]) == ("update", {"notes": "还在营业"}, "queued")


def test_a_retryable_rejection_goes_back_in_the_queue(records: Records, replica: Replica) -> None:
    saved = records.save("venue", venue())
    [mutation] = replica.take_batch(10)
    replica.apply_results([{"mutation_id": mutation["mutation_id"], "status": "rejected", "id": saved.id,
                            "code": "missing_blob", "errors": {}, "retryable": True}])
    assert records.get("venue", saved.id).state is SyncState.QUEUED
    assert [m["mutation_id"] for m in replica.take_batch(10)] == [mutation["mutation_id"]]


def test_a_pulled_change_is_rebased_under_unsent_edits(records: Records, replica: Replica, store: Store) -> None:
    record_id = synced_venue(replica, notes="旧", phone="")
    records.save("venue", {"notes": "我的备注"}, record_id)
    current = records.get("venue", record_id).data
    replica.apply_page(page(pulled(record_id, 4, {**current, "notes": "旧", "phone": "0573-9"})))
    record = records.get("venue", record_id)
    assert (record.version, record.data["notes"], record.data["phone"]) == (4, "我的备注", "0573-9")
    [entry] = outbox(store)
    assert json.loads(entry["base"]) == {"notes": "旧"} and entry["base_version"] == 3


def test_a_record_that_left_scope_is_removed_but_unsent_edits_are_kept(
    records: Records, replica: Replica, store: Store
) -> None:
    record_id = synced_venue(replica)
    records.save("venue", {"notes": "离开前的修改"}, record_id)
    replica.apply_page(page({"type": "venue", "id": record_id, "version": 3, "deleted": True, "left_scope": True,
                             "data": None}))
    assert len(outbox(store)) == 1


def left_scope(record_id: str) -> dict[str, Any]:
    return {"type": "venue", "id": record_id, "version": 3, "deleted": True, "left_scope": True, "data": None}


def test_an_unsent_edit_of_a_record_that_left_scope_is_shown_as_refused_work_not_as_a_record(
    records: Records, replica: Replica
) -> None:
    record_id = synced_venue(replica)
    records.save("venue", {"notes": "离开前的修改"}, record_id)
    replica.apply_page(page(left_scope(record_id)))
    assert records.get("venue", record_id) is None and records.all("venue") == []
    assert records.search_venues("月河") == [] and records.search_venues("") == []
    [waiting] = records.unsettled("venue")
    assert (waiting.state, waiting.detail, waiting.data["name"]) == (SyncState.QUEUED, {"left_scope": True}, "月河宾馆")
    [edit] = replica.take_batch(10)
    replica.apply_results([{"mutation_id": edit["mutation_id"], "status": "rejected", "id": record_id,
                            "code": "out_of_scope", "errors": {}, "retryable": False}])
    [refused] = records.unsettled("venue")
    assert refused.state is SyncState.REJECTED
    assert refused.detail == {"code": "out_of_scope", "errors": {}, "left_scope": True}
    assert records.all("venue") == []


def test_a_record_that_comes_back_into_scope_is_a_record_again_with_its_unsent_edit(
    records: Records, replica: Replica
) -> None:
    record_id = synced_venue(replica)
    records.save("venue", {"notes": "离开前的修改"}, record_id)
    back = records.get("venue", record_id).data
    replica.apply_page(page(left_scope(record_id)))
    replica.apply_page(page(pulled(record_id, 4, {**back, "notes": ""})))
    record = records.get("venue", record_id)
    assert (record.state, record.detail, record.data["notes"]) == (SyncState.QUEUED, {}, "离开前的修改")


def test_a_set_aside_edit_the_server_accepted_after_all_leaves_nothing_behind(
    records: Records, replica: Replica, store: Store
) -> None:
    record_id = synced_venue(replica)
    records.save("venue", {"notes": "离开前的修改"}, record_id)
    replica.apply_page(page(left_scope(record_id)))
    [edit] = replica.take_batch(10)
    replica.apply_results([{"mutation_id": edit["mutation_id"], "status": "applied", "id": record_id,
                            "version": 4}])
    assert records.unsettled("venue") == [] and records.all("venue") == []
    assert store.query("SELECT * FROM record") == []


def test_a_full_resync_drops_what_the_server_no_longer_sends(records: Records, replica: Replica) -> None:
    kept, dropped = synced_venue(replica), synced_venue(replica)
    edited = synced_venue(replica)
    records.save("venue", {"notes": "未同步"}, edited)
    full = records.get("venue", kept).data
    replica.apply_page(page(pulled(kept, 3, full), reset=True, has_more=True))
    assert records.get("venue", dropped) is not None
    replica.apply_page(page())
    assert records.get("venue", kept) and records.get("venue", edited) and records.get("venue", dropped) is None


def test_the_cursor_is_stored_with_the_page(replica: Replica, store: Store) -> None:
    replica.apply_page(page(cursor="abc"))
    assert store.get_meta("cursor") == "abc"


@pytest.mark.parametrize("text", ["宾馆", "月河宾", "中山东路", "zhong"])
def test_venues_are_found_by_any_part_of_their_name_or_address(records: Records, text: str) -> None:
    records.save("venue", venue())
    records.save("venue", venue(name="zhongshan shop", kind="shop", address="建设路2号"))
    names = [v.data["name"] for v in records.search_venues(text)]
    assert names and all(text in v.data["name"] or text in v.data["address"]
                         for v in records.search_venues(text))


def test_an_upgrade_keeps_every_unsynced_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = tmp_path / "device"
    first = Store(directory, key=STORE_KEY)
    saved = Records(first).save("venue", venue())
    Records(first).save("venue", venue(name="草稿"), submit=False)
    first.close()
    monkeypatch.setattr(database, "MIGRATIONS",
                        (*database.MIGRATIONS, "ALTER TABLE record ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0"))
    upgraded = Store(directory, key=STORE_KEY)
    assert upgraded.query("PRAGMA user_version")[0][0] == len(database.MIGRATIONS)
    assert {row["state"] for row in upgraded.query("SELECT state FROM outbox")} == {"queued", "draft"}
    assert Records(upgraded).get("venue", saved.id).data["name"] == "月河宾馆"
    upgraded.close()


def test_a_failed_save_leaves_nothing_behind(records: Records, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from mobile.store import records as module

    def crash(*args: Any) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(module, "refresh_local", crash)
    with pytest.raises(sqlite3.OperationalError):
        records.save("venue", venue())
    assert outbox(store) == [] and store.query("SELECT * FROM record") == []


def test_the_search_index_forgets_venues_that_leave(records: Records, replica: Replica) -> None:
    gone = synced_venue(replica, name="离开的宾馆")
    replica.apply_page(page({"type": "venue", "id": gone, "version": 3, "deleted": True, "left_scope": True,
                             "data": None}))
    arrived = synced_venue(replica, name="新来的网吧")
    assert records.search_venues("离开的") == []
    assert [v.id for v in records.search_venues("新来的")] == [arrived]
    replica.apply_page(page(pulled(arrived, 4, {**records.get("venue", arrived).data, "name": "改名网吧"})))
    assert records.search_venues("新来的") == [] and len(records.search_venues("改名网")) == 1


def test_a_page_that_repeats_a_venue_lands_it_once_in_its_last_state(records: Records, replica: Replica) -> None:
    """A page sent a record twice (issue 13: after a scope change, the enter and live phases of one page);
    the pull must not stick on it."""
    record_id = synced_venue(replica, name="搬来的宾馆")
    moved = records.get("venue", record_id).data
    replica.apply_page(page(pulled(record_id, 4, {**moved, "name": "搬来的宾馆"}),
                            pulled(record_id, 4, {**moved, "name": "搬来的宾馆"})))
    assert [v.id for v in records.search_venues("搬来的")] == [record_id]
    assert records.get("venue", record_id).version == 4


def test_unsettled_records_are_those_waiting_or_in_conflict(records: Records, replica: Replica) -> None:
    settled = synced_venue(replica, name="平安旅馆")
    in_conflict = synced_venue(replica, name="月河宾馆")
    records.save("venue", {"name": "月河大酒店"}, in_conflict)
    [mutation] = replica.take_batch(10)
    replica.apply_results([{"mutation_id": mutation["mutation_id"], "status": "conflict", "id": in_conflict,
                            "version": 4, "conflict_id": "c-1", "reason": "field_conflict"}])
    draft = records.save("venue", venue(name="新开网吧"), submit=False).id
    queued = records.save("venue", venue(name="东栅客栈")).id
    states = {record.id: record.state for record in records.unsettled("venue")}
    assert states == {in_conflict: SyncState.CONFLICT, draft: SyncState.DRAFT, queued: SyncState.QUEUED}
    assert settled not in states and records.unsettled("inspection") == []


def test_a_venues_records_are_picked_out_by_venue(records: Records, replica: Replica) -> None:
    hotel, cafe = synced_venue(replica, name="平安旅馆"), synced_venue(replica, name="星空网吧")
    officer = str(uuid.uuid4())
    inspection = {"officer_id": officer, "inspected_at": "2026-11-20T10:00:00+08:00"}
    at_hotel = records.save("inspection", {**inspection, "venue_id": hotel}).id
    records.save("inspection", {**inspection, "venue_id": cafe})
    assert [record.id for record in records.of_venue("inspection", hotel)] == [at_hotel]
    assert records.of_venue("followup", hotel) == []


def test_a_venue_is_found_by_the_pinyin_initials_or_a_full_pinyin_prefix_of_its_name(records: Records) -> None:
    wanted = records.save("venue", venue(name="凤桥商务酒店", address="凤桥镇1号")).id
    records.save("venue", venue(name="南湖网吧", address="南湖路2号"))

    for typed in ("fqsw", "FQSWJD", "swjd", "fengqiao", "Feng Qiao", "jiudian", "jiud"):
        assert [v.id for v in records.search_venues(typed)] == [wanted], typed
    assert records.search_venues("fqx") == []
    assert [v.data["name"] for v in records.search_venues("nhwb")] == ["南湖网吧"]


def test_venues_stored_before_pinyin_keys_existed_are_spelled_once_off_the_ui_thread(store: Store) -> None:
    Records(store).save("venue", venue(name="凤桥商务酒店"))
    with store.transaction() as db:
        db.execute("DELETE FROM venue_spelling")

    opened = Records(store)
    assert opened.search_venues("fqsw") == [], "spelling waits for the background, not the opening"
    opened.spell_older_venues()
    assert [v.data["name"] for v in opened.search_venues("fqsw")] == ["凤桥商务酒店"]


def test_a_form_draft_holds_half_typed_values_and_never_enters_the_outbox(
        records: Records, replica: Replica, store: Store) -> None:
    drafts = FormDrafts(store)
    record_id = synced_venue(replica)
    params = {"record_id": record_id}
    drafts.keep("venue_form", params, {"name": "", "phone": "0573-"}, base=records.get("venue", record_id).data)
    assert outbox(store) == [] and replica.take_batch(10) == []
    assert records.get("venue", record_id).data["name"] == "月河宾馆"
    reopened = drafts.open_form()
    assert reopened is not None and (reopened.screen, reopened.params) == ("venue_form", params)
    assert reopened.fields == {"name": "", "phone": "0573-"}


def test_a_kept_form_draft_stays_for_the_form_but_is_not_reopened_at_start(store: Store) -> None:
    drafts = FormDrafts(store)
    drafts.keep("inspection", {"venue_id": "v1"}, {"findings": "消防通道"}, None, still_open=False)
    assert drafts.open_form() is None
    draft = drafts.get("inspection", {"venue_id": "v1"})
    assert draft is not None and draft.fields == {"findings": "消防通道"}
    drafts.discard("inspection", {"venue_id": "v1"})
    assert drafts.get("inspection", {"venue_id": "v1"}) is None


def test_a_form_draft_fits_only_the_record_data_it_was_made_over(
        records: Records, replica: Replica, store: Store) -> None:
    drafts = FormDrafts(store)
    record_id = synced_venue(replica)
    params = {"record_id": record_id}
    opened = records.get("venue", record_id).data
    drafts.keep("venue_form", params, {"name": "月河宾馆二店"}, base=opened)
    draft = drafts.get("venue_form", params)
    assert draft is not None and draft.base == opened and draft.fits(records.get("venue", record_id))
    replica.apply_page(page(pulled(record_id, 4, dict(opened))))
    assert draft.fits(records.get("venue", record_id)), "a new version holding the same data (an acknowledged save)"
    replica.apply_page(page(pulled(record_id, 5, {**opened, "notes": "所长改过"})))
    assert not draft.fits(records.get("venue", record_id)), "someone else's change was pulled over the record"
    replica.apply_page(page(pulled(record_id, 6, {}, deleted=True)))
    assert records.get("venue", record_id) is None and not draft.fits(None), "the record is gone"


def test_a_form_draft_of_a_new_record_fits_while_there_is_no_record(store: Store) -> None:
    drafts = FormDrafts(store)
    drafts.keep("venue_form", {}, {"name": "新开网吧"}, base=None)
    draft = drafts.open_form()
    assert draft is not None and draft.base is None and draft.fits(None)
