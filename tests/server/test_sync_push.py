"""Push: idempotent, merged field by field, refused whole into quarantine, never half-applied.

Phones here are the real handheld core (``tests.phone``). A push that no handheld would send
is posted raw with ``hostile_push``, so the server's own defence is what is tested.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from server.extensions import db
from server.ledger import verify_audit
from server.models import AuditEntry, QuarantinedMutation, SyncConflict, SyncMutation, Venue
from tests.phone import DeviceFactory, Phone, hostile_push, mutation
from tests.world import World


def venue_data(world: World, room: str = "A1", **changes: Any) -> dict[str, Any]:
    return {"room_id": str(world.rooms[room]), "name": "月河宾馆", "kind": "hotel", "address": "中山东路1号",
            **changes}


def inspection_data(world: World, officer: str = "officer_a1", room: str = "A1", **changes: Any) -> dict[str, Any]:
    return {"venue_id": str(world.venues[room]), "officer_id": str(world.people[officer]),
            "inspected_at": "2026-11-27T09:30:00+08:00", "status": "submitted",
            "checklist": {"register": {"result": "pass", "note": ""}}, **changes}


def last(phone: Phone) -> dict[str, Any]:
    return phone.results[-1]


def count(app: Flask, model: type, *conditions: Any) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def test_a_created_venue_is_applied_and_pulled_back(device: DeviceFactory, world: World) -> None:
    phone = device("officer_a1")
    venue_id = phone.create("venue", venue_data(world))
    phone.sync()
    assert last(phone)["status"] == "applied" and last(phone)["version"] == 1
    assert phone.visible("venue")[venue_id]["data"]["name"] == "月河宾馆"
    assert phone.visible("venue")[venue_id]["data"]["risk_level"] == "low"


def test_a_replayed_push_is_a_duplicate_with_the_first_answer(app: Flask, device: DeviceFactory, world: World) -> None:
    phone = device("officer_a1")
    venue_id = phone.create("venue", venue_data(world))
    phone.push(lose_answer=True)
    phone.push()
    assert last(phone)["status"] == "duplicate"
    assert (last(phone)["first_status"], last(phone)["version"], last(phone)["id"]) == ("applied", 1, venue_id)
    assert count(app, Venue, Venue.id == uuid.UUID(venue_id)) == 1
    assert count(app, SyncMutation) == 1


def test_edits_of_different_fields_from_the_same_base_merge(device: DeviceFactory, world: World) -> None:
    first, second = device("officer_a1"), device("officer_a1b")
    first.pull(), second.pull()
    venue = str(world.venues["A1"])
    first.edit("venue", venue, phone="0573-82345678")
    second.edit("venue", venue, notes="夜间营业至凌晨两点")
    first.sync(), second.sync()
    assert last(first)["status"] == "applied" and last(second)["status"] == "merged"
    first.pull()
    data = first.visible("venue")[venue]["data"]
    assert (data["phone"], data["notes"]) == ("0573-82345678", "夜间营业至凌晨两点")


def test_edits_of_the_same_field_conflict_and_the_rest_still_applies(
    app: Flask, device: DeviceFactory, world: World
) -> None:
    first, second = device("officer_a1"), device("officer_a1b")
    first.pull(), second.pull()
    venue = str(world.venues["A1"])
    first.edit("venue", venue, name="月河宾馆（新）")
    second.edit("venue", venue, name="月河旅馆", notes="更换了负责人")
    first.sync(), second.sync()
    result = last(second)
    assert result["status"] == "conflict" and result["conflict_id"] and result["reason"] == "field_conflict"
    second.pull()
    data = second.visible("venue")[venue]["data"]
    assert (data["name"], data["notes"]) == ("月河宾馆（新）", "更换了负责人")
    with app.app_context():
        conflict = db.session.get(SyncConflict, uuid.UUID(result["conflict_id"]))
        assert conflict.fields == {"name": {"base": "Hotel in A1", "server": "月河宾馆（新）", "device": "月河旅馆"}}
        assert (conflict.status, conflict.device_id, conflict.person_id) == (
            "open", world.devices["officer_a1b"], world.people["officer_a1b"])
        assert (conflict.base_version, conflict.server_version) == (1, 3)


def test_an_invalid_mutation_is_quarantined_with_its_errors_and_the_batch_goes_on(
    app: Flask, client: FlaskClient, world: World
) -> None:
    bad = mutation("venue", "create", venue_data(world, kind="spaceport", colour="red"))
    good = mutation("venue", "create", venue_data(world, name="禾兴网吧", kind="internet_cafe"))
    results = hostile_push(client, world, "officer_a1", bad, good)
    bad, good = bad["id"], good["id"]
    by_id = {result["id"]: result for result in results}
    assert by_id[bad]["status"] == "rejected" and by_id[bad]["code"] == "invalid"
    assert set(by_id[bad]["errors"]) == {"kind", "colour"} and by_id[bad]["retryable"] is False
    assert by_id[good]["status"] == "applied"
    with app.app_context():
        quarantined = db.session.scalars(select(QuarantinedMutation)).one()
        assert (quarantined.code, quarantined.record_id, quarantined.status) == ("invalid", uuid.UUID(bad), "open")
        assert quarantined.payload["data"]["kind"] == "spaceport"
    assert count(app, Venue, Venue.id == uuid.UUID(bad)) == 0


def test_a_device_over_its_quarantine_quota_is_told_and_nothing_more_is_stored(
    app: Flask, client: FlaskClient, world: World
) -> None:
    app.config["QUARANTINE_MAX_PER_DEVICE"] = 2
    results = hostile_push(client, world, "officer_a1",
                           *(mutation("venue", "create", venue_data(world, kind="spaceport")) for _ in range(3)))
    assert [r["code"] for r in results] == ["invalid", "invalid", "quarantine_full"]
    assert results[-1]["retryable"] is False and "quarantine" in results[-1]["message"]
    assert count(app, QuarantinedMutation) == 2
    assert count(app, SyncMutation, SyncMutation.mutation_id == uuid.UUID(results[-1]["mutation_id"])) == 0
    other = hostile_push(client, world, "officer_a1b", mutation("venue", "create", venue_data(world, kind="spaceport")))
    assert other[-1]["code"] == "invalid" and count(app, QuarantinedMutation) == 3


def test_every_refusal_for_good_is_in_the_audit_trail(app: Flask, device: DeviceFactory, world: World) -> None:
    phone = device("officer_a1")
    refused = phone.create("venue", venue_data(world, room="B1"))
    phone.push()
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "sync.refused")).one()
        assert (entry.record_type, str(entry.record_id), entry.details["code"]) == ("venue", refused, "out_of_scope")
        assert entry.actor_id == world.people["officer_a1"] and entry.device_id == world.devices["officer_a1"]
        assert verify_audit(db.session).intact


def test_a_rejection_is_remembered_for_replays(client: FlaskClient, world: World) -> None:
    invalid = mutation("venue", "create", venue_data(world, kind="spaceport"))
    hostile_push(client, world, "officer_a1", invalid)
    replayed = hostile_push(client, world, "officer_a1", invalid)[-1]
    assert (replayed["status"], replayed["first_status"], replayed["code"]) == ("duplicate", "rejected", "invalid")


def test_an_officer_cannot_write_review_fields(device: DeviceFactory, world: World) -> None:
    phone = device("officer_a1")
    phone.pull()
    inspection = str(world.inspections["A1"])
    phone.edit("inspection", inspection, status="approved")
    phone.push()
    assert (last(phone)["status"], last(phone)["code"], list(last(phone)["errors"])) == (
        "rejected", "reviewer_only", ["status"])
    phone.create("inspection", inspection_data(world, review_comment="自己批准"))
    phone.push()
    assert last(phone)["code"] == "reviewer_only" and list(last(phone)["errors"]) == ["review_comment"]


def test_an_officer_records_only_their_own_work_in_their_own_room(device: DeviceFactory, world: World) -> None:
    phone = device("officer_a1")
    phone.create("inspection", inspection_data(world, officer="officer_a1b"))
    phone.create("venue", venue_data(world, room="B1"))
    phone.create("inspection", inspection_data(world, room="A2", officer="officer_a2"))
    phone.push()
    assert [(r["status"], r["code"]) for r in phone.results] == [
        ("rejected", "not_yours"), ("rejected", "out_of_scope"), ("rejected", "out_of_scope")]


def test_an_update_outside_scope_or_of_an_unknown_record_is_refused(client: FlaskClient, world: World) -> None:
    results = hostile_push(client, world, "officer_a1", *(
        mutation("venue", "update", {"notes": "x"}, record_id, base_version=1, base={"notes": ""})
        for record_id in (str(world.venues["B1"]), str(uuid.uuid4()))))
    assert [r["code"] for r in results] == ["out_of_scope", "not_found"]


def test_an_approved_inspection_is_locked_against_device_edits(
    client: Any, device: DeviceFactory, world: World
) -> None:
    phone = device("officer_a1")
    phone.pull()
    inspection = str(world.inspections["A1"])
    client.post(f"/api/v1/inspections/{inspection}/review", json={"decision": "approve"},
                headers=world.headers("chief_a"))
    phone.edit("inspection", inspection, findings="补充：消防通道已清理")
    phone.sync()
    assert (last(phone)["status"], last(phone)["reason"]) == ("conflict", "locked")
    assert phone.visible("inspection")[inspection]["data"]["findings"] == ""


def test_editing_a_deleted_record_or_deleting_a_changed_one_is_a_conflict(
    device: DeviceFactory, world: World
) -> None:
    first, colleague, chief = device("officer_a1"), device("officer_a1b"), device("chief_a")
    first.pull(), colleague.pull(), chief.pull()
    venue, followup = str(world.venues["A1"]), str(world.followups["A1"])
    first.delete("venue", venue)
    first.edit("followup", followup, notes="约好下周二回访")
    first.sync()
    colleague.edit("venue", venue, notes="还在营业")
    colleague.push()
    chief.delete("followup", followup)
    chief.push()
    assert [(r["status"], r["reason"]) for r in colleague.results + chief.results] == [
        ("conflict", "deleted"), ("conflict", "changed_since_base")]
    chief.pull()
    assert venue not in chief.visible("venue") and followup in chief.visible("followup")


def test_a_delete_becomes_a_tombstone_that_syncs(device: DeviceFactory, world: World) -> None:
    first, second = device("officer_a1"), device("officer_a1b")
    first.pull(), second.pull()
    first.delete("venue", str(world.venues["A1"]))
    first.sync()
    changes = second.pull()
    assert [(c["type"], c["deleted"]) for c in changes] == [("venue", True)]
    assert str(world.venues["A1"]) not in second.visible("venue")


def test_an_immutable_field_cannot_change(device: DeviceFactory, world: World) -> None:
    phone = device("officer_a1")
    phone.pull()
    phone.edit("venue", str(world.venues["A1"]), room_id=str(world.rooms["A2"]))
    phone.push()
    assert (last(phone)["code"], list(last(phone)["errors"])) == ("immutable_field", ["room_id"])


def test_records_created_and_edited_in_one_batch_land_as_their_last_version(
    device: DeviceFactory, world: World
) -> None:
    phone = device("officer_a1")
    venue = phone.create("venue", venue_data(world))
    phone.push(lose_answer=True)
    phone.edit("venue", venue, notes="第二次编辑")
    inspection = phone.create("inspection", inspection_data(world, venue_id=venue))
    phone.sync()
    assert [r["status"] for r in phone.results] == ["duplicate", "applied", "applied"]
    assert phone.visible("venue")[venue] == {"version": 2, "data": {**phone.visible("venue")[venue]["data"],
                                                                    "notes": "第二次编辑"}}
    assert phone.visible("inspection")[inspection]["data"]["venue_id"] == venue


def test_a_mutation_id_reused_for_another_change_is_refused(
    client: FlaskClient, device: DeviceFactory, world: World
) -> None:
    phone = device("officer_a1")
    phone.create("venue", venue_data(world))
    phone.push()
    another = mutation("venue", "create", venue_data(world, name="另一家"), mutation_id=last(phone)["mutation_id"])
    result = hostile_push(client, world, "officer_a1", another)[-1]
    assert (result["status"], result["code"]) == ("rejected", "mutation_id_reused")


def test_an_update_that_changes_nothing_keeps_the_version(device: DeviceFactory, world: World) -> None:
    """A name changed and changed back before it was sent is one update that sets the value it found."""
    phone = device("officer_a1")
    phone.pull()
    phone.edit("venue", str(world.venues["A1"]), name="月河宾馆")
    phone.edit("venue", str(world.venues["A1"]), name="Hotel in A1")
    assert phone.pending() == 1
    phone.push()
    assert [(m["data"], m["base"]) for m in phone.sent] == [({"name": "Hotel in A1"}, {"name": "Hotel in A1"})]
    assert (last(phone)["status"], last(phone)["version"]) == ("applied", 1)


def test_a_record_inconsistent_after_the_merge_is_refused_whole(
    client: FlaskClient, device: DeviceFactory, world: World
) -> None:
    inspection = str(world.inspections["A1"])
    update = mutation("inspection", "update", {"rectification_required": True, "findings": "通道堵塞"}, inspection,
                      base_version=1, base={"rectification_required": False, "findings": ""})
    result = hostile_push(client, world, "officer_a1", update)[-1]
    assert (result["code"], list(result["errors"])) == ("invalid", ["rectification_deadline"])
    phone = device("officer_a1")
    phone.pull()
    assert phone.visible("inspection")[str(world.inspections["A1"])]["data"]["findings"] == ""


def test_every_applied_change_and_conflict_is_audited(app: Flask, device: DeviceFactory, world: World) -> None:
    first, second = device("officer_a1"), device("officer_a1b")
    first.pull(), second.pull()
    venue = str(world.venues["A1"])
    first.edit("venue", venue, name="甲")
    second.edit("venue", venue, name="乙")
    first.sync(), second.sync()
    with app.app_context():
        assert verify_audit(db.session).intact
        actions = db.session.scalars(select(SyncMutation.result)).all()
        assert len(actions) == 2
        from server.models import AuditEntry
        audited = db.session.scalars(select(AuditEntry.action).where(AuditEntry.record_id == uuid.UUID(venue))).all()
        assert audited == ["venue.create", "venue.update", "conflict.open"]


def test_the_stored_change_entry_always_matches_the_columns(app: Flask, device: DeviceFactory, world: World) -> None:
    import json

    from server.syncing.wire import MAPPINGS, change_entry

    first, second = device("officer_a1"), device("officer_a1b")
    first.pull(), second.pull()
    venue = first.create("venue", venue_data(world, location={"lat": 30.7, "lon": 120.7, "fixed_at": None}))
    first.create("inspection", inspection_data(world, inspected_at="2026-11-27T22:30:00-05:00"))
    first.edit("followup", str(world.followups["A1"]), status="done", visited_at="2026-11-28T09:00:00+08:00",
               satisfaction="satisfied")
    second.edit("venue", str(world.venues["A1"]), risk_level="high")
    first.delete("inspection", str(world.inspections["A1"]))
    first.sync(), second.sync()
    with app.app_context():
        for mapping in MAPPINGS.values():
            for record in db.session.scalars(select(mapping.model)):
                expected = change_entry(mapping.name, record.id, record.version, record.deleted, record.updated_at,
                                        record.updated_by, mapping.wire_of(record))
                assert json.loads(mapping.entry(record.wire)) == json.loads(expected), (mapping.name, record.id)
        assert db.session.get(Venue, uuid.UUID(venue)).location["lat"] == 30.7


def test_a_create_of_an_id_whose_tombstone_was_purged_is_refused_not_resurrected(
    app: Flask, runner: object, device: DeviceFactory, world: World
) -> None:
    officer, offline_for_months = device("officer_a1"), device("officer_a1b")
    venue_id = officer.create("venue", venue_data(world, name="已关停的网吧"))
    officer.sync()
    officer.delete("venue", venue_id)
    officer.sync()
    app.config["TOMBSTONE_RETENTION_DAYS"] = 0
    purged = runner.invoke(args=["upkeep", "run", "purge-tombstones"])
    assert purged.exit_code == 0 and "tombstones: 1," in purged.output, purged.output
    offline_for_months.create("venue", venue_data(world, name="已关停的网吧"), record_id=venue_id)
    offline_for_months.push()
    result = last(offline_for_months)
    assert (result["status"], result["code"], result["retryable"]) == ("rejected", "purged", False)
    assert count(app, Venue, Venue.id == uuid.UUID(venue_id)) == 0
    assert count(app, QuarantinedMutation, QuarantinedMutation.record_id == uuid.UUID(venue_id)) == 1
