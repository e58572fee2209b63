"""Planning the beat on the server: assignments reach phones, go back when an officer leaves, are missed
when their day passes; schedule rules plan each venue's next inspection; notices reach only their person."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from server.access import Scope
from server.extensions import db
from server.models import Assignment, Inspection, Notice, Person
from server.operations.conflicts import resolve_conflict
from server.operations.people import update_person
from server.operations.planning import assign, cancel, save_rule
from server.operations.review import review_inspection
from server.refusals import Refused
from server.upkeep.jobs import JOBS, run_job
from sync import clock
from tests.phone import DeviceFactory
from tests.server.test_sync_push import inspection_data
from tests.world import CHINA, World

Later = Any


def today() -> date:
    return clock.today(CHINA)


def inspected_now(world: World) -> dict[str, Any]:
    """A submitted inspection of room A1's hotel by officer A1, made now."""
    return inspection_data(world, officer="officer_a1", status="submitted", inspected_at=clock.now().isoformat())


def chief_scope(world: World) -> Scope:
    person = db.session.get_one(Person, world.people["chief_a"])
    return Scope.of(db.session, person)


def assign_to(app: Flask, world: World, officer: str = "officer_a1", due_in: int = 3, **values: Any) -> str:
    """Chief A assigns an inspection of room A1's hotel to ``officer``; the assignment's id."""
    with app.app_context():
        assignment = assign(db.session, {"officer_id": world.people[officer], "kind": "inspection",
                                         "venue_id": world.venues["A1"], "due_date": today() + timedelta(days=due_in),
                                         "note": "节前检查", **values},
                            scope=chief_scope(world), actor_id=world.people["chief_a"])
        db.session.commit()
        return str(assignment.id)


def assignment(app: Flask, assignment_id: str) -> Assignment:
    with app.app_context():
        row = db.session.get_one(Assignment, uuid.UUID(assignment_id))
        db.session.expunge(row)
        return row


def notices(app: Flask, world: World, username: str) -> list[tuple[str, str]]:
    with app.app_context():
        return [(notice.kind, str(notice.subject_id)) for notice in db.session.scalars(
            select(Notice).where(Notice.person_id == world.people[username]).order_by(Notice.seq))]


def run(app: Flask, job: str) -> dict[str, int]:
    with app.app_context():
        done = run_job(JOBS[job], app.config)
    assert done.error is None, done.error
    return done.counts


def test_a_chiefs_assignment_reaches_the_officers_phone_with_a_notice_and_is_done_by_a_linked_inspection(
    app: Flask, world: World, device: DeviceFactory,
) -> None:
    assignment_id = assign_to(app, world)
    phone = device("officer_a1")
    phone.pull()
    mine = phone.records.get("assignment", assignment_id)
    assert mine is not None and mine.data["status"] == "open" and mine.data["note"] == "节前检查"
    assert [notice.data["kind"] for notice in phone.records.all("notice")] == ["assigned"]

    inspection_id = phone.create("inspection", inspected_now(world))
    phone.edit("assignment", assignment_id, status="done", inspection_id=inspection_id,
               done_at=clock.now().isoformat())
    phone.push()
    assert [result["status"] for result in phone.results] == ["applied", "applied"]
    done = assignment(app, assignment_id)
    assert (done.status, str(done.inspection_id)) == ("done", inspection_id)
    assert ("submitted", inspection_id) in notices(app, world, "chief_a")


def test_an_officer_cannot_assign_work_nor_mark_it_missed(app: Flask, world: World, device: DeviceFactory) -> None:
    assignment_id = assign_to(app, world)
    phone = device("officer_a1")
    phone.pull()
    phone.edit("assignment", assignment_id, comment="店主下周才回来", commented_at=clock.now().isoformat())
    phone.push()
    phone.edit("assignment", assignment_id, due_date=(today() + timedelta(days=30)).isoformat())
    phone.push()
    assert [(result["status"], result.get("code")) for result in phone.results] == [
        ("applied", None), ("rejected", "chief_assigns")]
    assert assignment(app, assignment_id).comment == "店主下周才回来"
    assert ("change_refused", assignment_id) in notices(app, world, "officer_a1")


def test_a_chief_assigns_only_to_an_officer_of_their_station_and_a_venue_of_the_officers_room(
    app: Flask, world: World,
) -> None:
    with pytest.raises(Exception, match="officer") as elsewhere:
        assign_to(app, world, officer="officer_b1")
    assert elsewhere.value.fields == {"officer_id": ["Choose an active officer of one of your rooms."]}  # type: ignore[attr-defined]
    with pytest.raises(Exception, match="venue") as wrong_room:
        assign_to(app, world, officer="officer_a2")
    assert "venue_id" in wrong_room.value.fields  # type: ignore[attr-defined]


@pytest.mark.parametrize(("changes", "reason"), [({"room_id": "A2"}, "moved"), ({"active": False}, "disabled")])
def test_an_officer_who_moves_or_is_disabled_hands_their_open_assignments_back_to_the_chief(
    app: Flask, world: World, device: DeviceFactory, changes: dict[str, Any], reason: str,
) -> None:
    assignment_id = assign_to(app, world)
    phone = device("officer_a1")
    phone.pull()
    with app.app_context():
        update_person(db.session, world.people["officer_a1"],
                      {name: world.rooms[value] if name == "room_id" else value for name, value in changes.items()},
                      actor_id=world.people["admin"])
        db.session.commit()
    back = assignment(app, assignment_id)
    assert (back.status, back.officer_id, back.handed_back_reason, back.handed_back_from) == (
        "handed_back", None, reason, world.people["officer_a1"])
    assert ("handed_back", assignment_id) in notices(app, world, "chief_a")
    if reason == "moved":
        phone.pull()
        assert phone.records.get("assignment", assignment_id) is None


def test_the_chief_gives_a_handed_back_assignment_to_another_officer_of_its_room(
    app: Flask, world: World, device: DeviceFactory,
) -> None:
    from server.operations.planning import reassign

    assignment_id = assign_to(app, world)
    with app.app_context():
        update_person(db.session, world.people["officer_a1"], {"active": False}, actor_id=world.people["admin"])
        reassign(db.session, uuid.UUID(assignment_id), world.people["officer_a1b"], today() + timedelta(days=5),
                 scope=chief_scope(world), actor_id=world.people["chief_a"])
        db.session.commit()
    again = assignment(app, assignment_id)
    assert (again.status, again.officer_id, again.handed_back_reason) == ("open", world.people["officer_a1b"], None)
    phone = device("officer_a1b")
    phone.pull()
    assert ("assigned", assignment_id) in [(n.data["kind"], n.data["subject_id"]) for n in phone.records.all("notice")]


def test_the_upkeep_marks_an_assignment_missed_once_its_day_has_passed_and_tells_officer_and_chief(
    app: Flask, world: World, later: Later,
) -> None:
    assignment_id = assign_to(app, world, due_in=1)
    assert run(app, "mark-missed") == {}
    later(timedelta(days=2))
    assert run(app, "mark-missed") == {"assignments_missed": 1}
    assert run(app, "mark-missed") == {}
    missed = assignment(app, assignment_id)
    assert (missed.status, missed.missed_on) == ("missed", missed.due_date)
    assert ("missed", assignment_id) in notices(app, world, "officer_a1")
    assert ("missed", assignment_id) in notices(app, world, "chief_a")


def test_a_schedule_rule_plans_each_venues_next_inspection_from_its_last_submitted_one(
    app: Flask, world: World, device: DeviceFactory,
) -> None:
    with app.app_context():
        save_rule(db.session, {"venue_kind": "hotel", "interval_days": 30, "starts_on": today() - timedelta(days=60)},
                  scope=chief_scope(world), actor_id=world.people["chief_a"])
        db.session.commit()
    assert run(app, "plan-inspections") == {"scheduled": 2}
    assert run(app, "plan-inspections") == {}
    with app.app_context():
        planned = {row.venue_id: row for row in db.session.scalars(select(Assignment))}
    assert set(planned) == {world.venues["A1"], world.venues["A2"]}
    assert planned[world.venues["A1"]].due_date == today() - timedelta(days=12) + timedelta(days=30)
    assert (planned[world.venues["A1"]].origin, planned[world.venues["A1"]].officer_id) == ("schedule", None)

    phone = device("officer_a1")
    phone.create("inspection", inspected_now(world))
    phone.push()
    assert run(app, "plan-inspections") == {"scheduled_done": 1, "scheduled": 1}
    with app.app_context():
        of_a1 = sorted(db.session.scalars(select(Assignment).where(Assignment.venue_id == world.venues["A1"])),
                       key=lambda row: row.due_date)
    assert [row.status for row in of_a1] == ["done", "open"]
    assert of_a1[1].due_date == today() + timedelta(days=30)


def test_a_notice_reaches_only_the_person_it_is_for_and_never_an_old_app(
    app: Flask, world: World, device: DeviceFactory,
) -> None:
    with app.app_context():
        review_inspection(db.session, world.inspections["A1"], "return", "照片不清楚", scope=chief_scope(world),
                          reviewer_id=world.people["chief_a"])
        resolve_conflict(db.session, world.conflict, {}, 1, admin_id=world.people["admin"])
        db.session.commit()
    owner, colleague = device("officer_a1"), device("officer_a1b")
    owner.pull()
    colleague.pull()
    assert [(n.data["kind"], n.data["summary"]) for n in owner.records.all("notice")] == [
        ("log_returned", "照片不清楚")]
    assert [n.data["kind"] for n in colleague.records.all("notice")] == ["conflict_resolved"]


def test_a_conflict_open_over_two_days_is_told_once_to_admins_and_the_rooms_chiefs(
    app: Flask, world: World, later: Later,
) -> None:
    assert run(app, "raise-notices") == {}
    later(timedelta(days=3))
    assert run(app, "raise-notices") == {"conflicts_waiting": 1}
    assert run(app, "raise-notices") == {}
    told = ("conflict_waiting", str(world.conflict))
    assert told in notices(app, world, "admin") and told in notices(app, world, "chief_a")
    assert told not in notices(app, world, "chief_b")


def test_an_account_under_attack_is_told_to_the_admins_when_the_alarm_rings(
    app: Flask, client: Any, world: World,
) -> None:
    app.config["LOGIN_ALARM_FAILURES_PER_ACCOUNT"] = 3
    for attempt in range(5):
        client.post("/api/v1/auth/login", json={"username": "officer_a1", "password": "wrong",
                                                "device_id": str(uuid.uuid4()), "device_name": "x"},
                    environ_base={"REMOTE_ADDR": f"10.6.6.{attempt}"})
    assert notices(app, world, "admin") == [("under_attack", str(world.people["officer_a1"]))]


def test_a_venue_whose_scheduled_inspection_was_missed_comes_round_once_not_once_per_interval(
    app: Flask, world: World,
) -> None:
    with app.app_context():
        save_rule(db.session, {"venue_kind": "hotel", "interval_days": 7, "starts_on": today() - timedelta(days=60)},
                  scope=chief_scope(world), actor_id=world.people["chief_a"])
        db.session.commit()
    assert run(app, "plan-inspections") == {"scheduled": 2}
    assert run(app, "mark-missed") == {"assignments_missed": 2}
    assert [kind for kind, _ in notices(app, world, "chief_a") if kind == "missed"] == [], \
        "a missed scheduled inspection is counted in the coverage, not told venue by venue"
    assert run(app, "plan-inspections") == {"scheduled": 2}
    assert run(app, "mark-missed") == {}
    with app.app_context():
        dates = sorted({row.due_date for row in db.session.scalars(select(Assignment).where(
            Assignment.status == "open"))})
    assert dates == [today() + timedelta(days=2)]


def test_only_the_assignee_completes_work_with_their_own_record_made_since_and_its_time_is_the_records(
    app: Flask, world: World, device: DeviceFactory,
) -> None:
    assignment_id = assign_to(app, world)
    colleague, owner = device("officer_a1b"), device("officer_a1")
    colleagues_log = colleague.create("inspection", inspection_data(
        world, officer="officer_a1b", status="submitted", inspected_at=clock.now().isoformat()))
    colleague.push()
    colleague.pull()
    colleague.edit("assignment", assignment_id, status="done", inspection_id=colleagues_log,
                   done_at=clock.now().isoformat())
    colleague.push()
    assert (colleague.results[-1]["status"], colleague.results[-1]["code"]) == ("rejected", "not_yours")

    owner.pull()
    old_log = str(world.inspections["A1"])
    owner.edit("assignment", assignment_id, status="done", inspection_id=old_log, done_at=clock.now().isoformat())
    owner.push()
    refused = owner.results[-1]
    assert (refused["status"], refused["code"]) == ("rejected", "invalid")
    assert refused["errors"] == {"inspection_id": ["Link a record made since this work was planned."]}

    fresh = device("officer_a1")
    fresh.pull()
    log = fresh.create("inspection", inspected_now(world))
    fresh.edit("assignment", assignment_id, status="done", inspection_id=log,
               done_at=(clock.now() - timedelta(days=20)).isoformat())
    fresh.push()
    assert [result["status"] for result in fresh.results] == ["applied", "applied"]
    done = assignment(app, assignment_id)
    with app.app_context():
        inspected = db.session.get_one(Inspection, uuid.UUID(log)).inspected_at
    assert done.done_at == inspected, "done when the inspection was made, not when the phone said"


def test_work_cancelled_or_handed_back_is_not_completed_from_a_phone(
    app: Flask, world: World, device: DeviceFactory,
) -> None:
    assignment_id = assign_to(app, world)
    phone = device("officer_a1")
    phone.pull()
    with app.app_context():
        cancel(db.session, uuid.UUID(assignment_id), scope=chief_scope(world), actor_id=world.people["chief_a"])
        db.session.commit()
    log = phone.create("inspection", inspected_now(world))
    phone.edit("assignment", assignment_id, status="done", inspection_id=log, done_at=clock.now().isoformat())
    phone.push()
    assert (phone.results[-1]["status"], phone.results[-1].get("code")) == ("rejected", "not_open")
    assert ("withdrawn", assignment_id) in notices(app, world, "officer_a1")


def test_a_scheduled_inspection_is_not_cancelled_by_hand_its_rules_decide(app: Flask, world: World) -> None:
    with app.app_context():
        save_rule(db.session, {"venue_kind": "hotel", "interval_days": 30, "starts_on": today()},
                  scope=chief_scope(world), actor_id=world.people["chief_a"])
        db.session.commit()
    run(app, "plan-inspections")
    with app.app_context():
        scheduled = db.session.scalars(select(Assignment.id)).first()
        with pytest.raises(Refused) as refused:
            cancel(db.session, scheduled, scope=chief_scope(world), actor_id=world.people["chief_a"])
    assert refused.value.code == "scheduled"


def test_a_stations_schedule_rules_reach_its_own_officers_only(
    app: Flask, world: World, device: DeviceFactory, client: Any,
) -> None:
    with app.app_context():
        rule = save_rule(db.session, {"venue_kind": "hotel", "interval_days": 30, "starts_on": today()},
                         scope=chief_scope(world), actor_id=world.people["chief_a"])
        db.session.commit()
        rule_id = str(rule.id)
    mine, elsewhere = device("officer_a2"), device("officer_b1")
    mine.pull()
    elsewhere.pull()
    assert [r.id for r in mine.records.all("schedule_rule")] == [rule_id]
    assert elsewhere.records.all("schedule_rule") == []
    for username, seen in (("chief_a", 200), ("chief_b", 404), ("traffic_s1", 404), ("admin", 200)):
        got = client.get(f"/api/v1/schedule-rules/{rule_id}", headers=world.headers(username))
        assert got.status_code == seen, username


def test_a_rule_changed_or_switched_off_moves_or_cancels_the_scheduled_inspections_not_yet_due(
    app: Flask, world: World, device: DeviceFactory,
) -> None:
    rule_values = {"venue_kind": "hotel", "interval_days": 30, "starts_on": today() - timedelta(days=60)}
    with app.app_context():
        rule = save_rule(db.session, rule_values, scope=chief_scope(world), actor_id=world.people["chief_a"])
        db.session.commit()
        rule_id = rule.id
    run(app, "plan-inspections")

    def open_dates() -> list[date]:
        with app.app_context():
            return sorted(db.session.scalars(select(Assignment.due_date).where(Assignment.status == "open")))

    assert open_dates() == [today() + timedelta(days=18)] * 2
    with app.app_context():
        save_rule(db.session, {**rule_values, "interval_days": 14}, scope=chief_scope(world),
                  actor_id=world.people["chief_a"], rule_id=rule_id)
        db.session.commit()
    assert run(app, "plan-inspections") == {"rescheduled": 2}
    assert open_dates() == [today() + timedelta(days=2)] * 2
    with app.app_context():
        save_rule(db.session, {**rule_values, "active": False}, scope=chief_scope(world),
                  actor_id=world.people["chief_a"], rule_id=rule_id)
        db.session.commit()
    phone = device("officer_a1")
    phone.create("inspection", inspected_now(world))
    phone.push()
    assert run(app, "plan-inspections") == {"unscheduled": 1, "scheduled_done": 1}
    assert open_dates() == []
