"""The chief's planning page (rules, assigning, the queue, coverage) and the notices page of chiefs and admins."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from server.extensions import db
from server.models import Assignment, Notice, ScheduleRule
from server.operations.notices import notify
from server.operations.people import update_person
from server.syncing.change import write_record
from server.upkeep.jobs import JOBS, run_job
from sync import clock
from tests.server.dashboard.conftest import Reviewer
from tests.world import CHINA, World


def test_the_planning_page_is_a_chiefs(reviewer: Reviewer) -> None:
    for username in ("admin", "lead_s"):
        reviewer.sign_in(username)
        assert reviewer.get("/dashboard/planning").status_code == 403, username


def test_a_chief_sets_a_rule_assigns_work_and_sees_it_planned(app: Flask, reviewer: Reviewer, world: World) -> None:
    today = clock.today(CHINA)
    reviewer.sign_in("chief_a")
    assert reviewer.get("/dashboard/planning").status_code == 200
    saved = reviewer.post("/dashboard/planning/rules", {"venue_kind": "hotel", "interval_days": "30",
                                                        "starts_on": today.isoformat(), "active": "true"})
    assert saved.status_code == 302
    with app.app_context():
        rule = db.session.scalars(select(ScheduleRule)).one()
        assert (rule.station_id, rule.interval_days, rule.active) == (world.stations["A"], 30, True)
        assert run_job(JOBS["plan-inspections"], app.config).counts == {"scheduled": 2}

    wrong = reviewer.post("/dashboard/planning/assignments", {
        "kind": "case_revisit", "officer_id": str(world.people["officer_a1"]), "venue_id": str(world.venues["A1"]),
        "due_date": today.isoformat()})
    assert wrong.status_code == 422 and "A case re-visit names its case number." in wrong.get_data(as_text=True)
    elsewhere = reviewer.post("/dashboard/planning/assignments", {
        "kind": "inspection", "officer_id": str(world.people["officer_b1"]), "venue_id": str(world.venues["B1"]),
        "due_date": today.isoformat()})
    assert elsewhere.status_code == 422
    assert "Choose an active officer of one of your rooms." in elsewhere.get_data(as_text=True)
    made = reviewer.post("/dashboard/planning/assignments", {
        "kind": "case_revisit", "officer_id": str(world.people["officer_a1"]), "venue_id": str(world.venues["A1"]),
        "case_number": "A3304-77",
        "visit_whom": "报案人王某", "due_date": (today + timedelta(days=2)).isoformat(), "note": "回访满意度"})
    assert made.status_code == 302
    page = reviewer.get("/dashboard/planning").get_data(as_text=True)
    assert "Assigned to Officer A1" in page and "A3304-77" in page and "Hotel in A1" in page
    assert 'id="officer-coverage"' in page and "Officer A1B" in page


def test_work_handed_back_waits_in_the_queue_and_is_assigned_again(app: Flask, reviewer: Reviewer,
                                                                   world: World) -> None:
    today = clock.today(CHINA)
    reviewer.sign_in("chief_a")
    reviewer.get("/dashboard/planning")
    reviewer.post("/dashboard/planning/assignments", {
        "kind": "inspection", "officer_id": str(world.people["officer_a1"]), "venue_id": str(world.venues["A1"]),
        "due_date": today.isoformat()})
    with app.app_context():
        update_person(db.session, world.people["officer_a1"], {"room_id": world.rooms["A2"]},
                      actor_id=world.people["admin"])
        db.session.commit()
        assignment_id = db.session.scalars(select(Assignment.id)).one()
    page = reviewer.get("/dashboard/planning").get_data(as_text=True)
    assert f'id="queue-{assignment_id}"' in page and "The officer moved to another room" in page
    assert reviewer.get("/dashboard/notices").get_data(as_text=True).count("An assignment was handed back") == 1
    again = reviewer.post(f"/dashboard/planning/assignments/{assignment_id}/reassign",
                          {"officer_id": str(world.people["officer_a1b"]), "due_date": today.isoformat()})
    assert again.status_code == 302
    with app.app_context():
        assert db.session.get_one(Assignment, assignment_id).officer_id == world.people["officer_a1b"]


def test_the_notices_page_lists_a_chiefs_notices_links_them_and_marks_them_read(
        app: Flask, reviewer: Reviewer, world: World) -> None:
    reviewer.sign_in("chief_a")
    with app.app_context():
        notify(db.session, [world.people["chief_a"], world.people["chief_b"]], "submitted", "inspection",
               world.inspections["A1"])
        db.session.commit()
    page = reviewer.get("/dashboard/notices").get_data(as_text=True)
    assert 'id="unread-notices">1<' in page
    assert f'href="/dashboard/inspections/{world.inspections["A1"]}"' in page
    assert reviewer.post("/dashboard/notices/read", {}).status_code == 302
    assert 'id="unread-notices"' not in reviewer.get("/dashboard/notices").get_data(as_text=True)
    with app.app_context():
        unread = db.session.scalars(select(Notice.person_id).where(Notice.read_at.is_(None))).all()
    assert unread == [world.people["chief_b"]]


def test_an_admin_registers_a_webhook_subscriber_sees_its_secret_once_and_its_deliveries(
        app: Flask, reviewer: Reviewer, world: World) -> None:
    reviewer.sign_in("chief_a")
    assert reviewer.get("/dashboard/webhooks").status_code == 403
    reviewer.sign_in("admin")
    reviewer.get("/dashboard/webhooks")
    refused = reviewer.post("/dashboard/webhooks", {"url": "ftp://city.example", "record_types": ["inspection"]})
    assert refused.status_code == 422 and "Give an http or https address." in refused.get_data(as_text=True)
    made = reviewer.post("/dashboard/webhooks", {"url": "http://127.0.0.1:9/hook", "description": "一网通",
                                                 "record_types": ["inspection", "assignment"]})
    assert made.status_code == 201 and 'id="new-secret"' in made.get_data(as_text=True)
    page = reviewer.get("/dashboard/webhooks").get_data(as_text=True)
    assert "一网通" in page and 'id="new-secret"' not in page
    with app.app_context():
        planned = Assignment(room_id=world.rooms["A1"], officer_id=world.people["officer_a1"], kind="inspection",
                             venue_id=world.venues["A1"], due_date=clock.today(CHINA))
        write_record(db.session, planned, "create", actor_id=world.people["chief_a"])
        notify(db.session, [world.people["admin"]], "under_attack", "person", world.people["officer_a1"])
        db.session.commit()
        assert run_job(JOBS["deliver-webhooks"], app.config).counts == {"webhook_deliveries_made": 1,
                                                                         "webhook_attempts_failed": 1}
    page = reviewer.get("/dashboard/webhooks").get_data(as_text=True)
    assert "assignment.create" in page and "ConnectionError" in page and "Try again now" in page


def test_the_figures_page_shows_a_chief_the_coverage_beside_the_existing_figures(reviewer: Reviewer) -> None:
    reviewer.sign_in("chief_a")
    page = reviewer.get("/dashboard/figures").get_data(as_text=True)
    assert 'id="room-coverage"' in page and 'id="officer-coverage"' in page and "Officer A1B" in page
    reviewer.sign_in("admin")
    assert 'id="officer-coverage"' not in reviewer.get("/dashboard/figures").get_data(as_text=True)
