"""The dashboard through the test client: who gets in, what each sees, what the forms accept."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import datetime, time, timedelta

import pytest
from flask import Flask

from server.dashboard import inbox
from server.extensions import db
from server.models import Followup, Inspection
from server.operations.records import locked
from server.syncing.change import write_record
from sync import clock
from tests.server.dashboard.conftest import Reviewer
from tests.world import CHINA, World


def change(app: Flask, model: type, record_id: object, actor: object, **values: object) -> None:
    """A change made elsewhere (a phone's sync, say) while the chief has the page open."""
    with app.app_context():
        record = locked(db.session, model, record_id)
        write_record(db.session, record, "update", values, actor_id=actor)
        db.session.commit()


def test_a_chief_signs_in_and_lands_on_the_inbox_of_their_station(reviewer: Reviewer, world: World) -> None:
    signed_in = reviewer.sign_in("chief_a")
    assert signed_in.status_code == 302 and signed_in.headers["Location"].endswith("/dashboard/inbox")
    page = reviewer.get("/dashboard/inbox").get_data(as_text=True)
    assert "Hotel in A1" in page and "Hotel in A2" in page and "Hotel in B1" not in page


def test_pages_send_a_stranger_to_the_sign_in_page(reviewer: Reviewer) -> None:
    for path in ("/dashboard/inbox", "/dashboard/deadlines", "/dashboard/figures", "/dashboard/reports/week",
                 "/dashboard/inbox.csv"):
        answer = reviewer.get(path)
        assert answer.status_code == 302 and "/dashboard/login" in answer.headers["Location"], path


def test_an_officer_cannot_open_the_dashboard(reviewer: Reviewer) -> None:
    refused = reviewer.sign_in("officer_a1")
    assert refused.status_code == 403
    said = refused.get_data(as_text=True)
    assert "The dashboard is for station chiefs, traffic squad leaders and administrators." in said
    assert reviewer.get("/dashboard/inbox").status_code == 302


def test_a_wrong_password_is_refused_on_the_form(reviewer: Reviewer) -> None:
    refused = reviewer.sign_in("chief_a", "not-the-password")
    assert refused.status_code == 401 and "The user name or password is wrong." in refused.get_data(as_text=True)


def test_forms_without_a_csrf_token_are_refused(reviewer: Reviewer, world: World, app: Flask) -> None:
    reviewer.get("/dashboard/login")
    assert reviewer.post("/dashboard/login", {"username": "chief_a", "password": "secret-pass"},
                         with_token=False).status_code == 400
    reviewer.sign_in("chief_a")
    inspection = world.inspections["A1"]
    refused = reviewer.post(f"/dashboard/inspections/{inspection}/review",
                            {"decision": "approve", "expected_version": "1"}, with_token=False)
    assert refused.status_code == 400 and "did not come from this site" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Inspection, inspection).status == "submitted"


def test_every_page_carries_security_headers(reviewer: Reviewer) -> None:
    headers = reviewer.get("/dashboard/login").headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
    assert "HttpOnly" in reviewer.sign_in("chief_a").headers["Set-Cookie"]


def test_a_chief_of_another_station_sees_none_of_it(reviewer: Reviewer, world: World) -> None:
    reviewer.sign_in("chief_b")
    assert reviewer.get(f"/dashboard/inspections/{world.inspections['A1']}").status_code == 404
    assert reviewer.get(f"/dashboard/followups/{world.followups['A1']}").status_code == 404
    assert reviewer.get(f"/dashboard/blobs/{world.photos['A1']}").status_code == 404
    assert "Hotel in A1" not in reviewer.get("/dashboard/inbox.csv").get_data(as_text=True)


def test_returning_needs_a_comment_and_reaches_the_log(reviewer: Reviewer, world: World, app: Flask) -> None:
    reviewer.sign_in("chief_a")
    path = f"/dashboard/inspections/{world.inspections['A1']}"
    reviewer.get(path)
    missing = reviewer.post(f"{path}/review", {"decision": "return", "comment": " ", "expected_version": "1"})
    assert missing.status_code == 422 and "Say what the officer must correct." in missing.get_data(as_text=True)
    returned = reviewer.post(f"{path}/review", {"decision": "return", "comment": "Photo of the exit",
                                                "expected_version": "1"})
    assert returned.status_code == 302
    with app.app_context():
        inspection = db.session.get(Inspection, world.inspections["A1"])
        assert (inspection.status, inspection.review_comment, inspection.version) == ("returned",
                                                                                     "Photo of the exit", 2)


def test_a_review_from_a_stale_page_changes_nothing(reviewer: Reviewer, world: World, app: Flask) -> None:
    reviewer.sign_in("chief_a")
    path = f"/dashboard/inspections/{world.inspections['A1']}"
    reviewer.get(path)
    change(app, Inspection, world.inspections["A1"], world.people["officer_a1"],
           findings="Changed on the phone meanwhile")
    stale = reviewer.post(f"{path}/review", {"decision": "approve", "expected_version": "1"})
    page = reviewer.get(stale.headers["Location"]).get_data(as_text=True)
    assert "This log changed while you were reading it" in page and "Changed on the phone meanwhile" in page
    with app.app_context():
        assert db.session.get(Inspection, world.inspections["A1"]).status == "submitted"


def test_bulk_approval_approves_what_is_unchanged_and_says_what_was_not(
        reviewer: Reviewer, world: World, app: Flask) -> None:
    reviewer.sign_in("chief_a")
    reviewer.get("/dashboard/inbox")
    approved = reviewer.client.post("/dashboard/inbox/approve", data={
        "csrf_token": reviewer.csrf, "logs": [f"{world.inspections['A1']}:1", f"{world.inspections['A2']}:7"]})
    page = reviewer.get(approved.headers["Location"]).get_data(as_text=True)
    assert "1 log approved." in page and "1 log was not approved" in page
    with app.app_context():
        assert db.session.get(Inspection, world.inspections["A1"]).status == "approved"
        assert db.session.get(Inspection, world.inspections["A2"]).status == "submitted"


def test_script_in_a_log_is_shown_as_text(reviewer: Reviewer, world: World, app: Flask) -> None:
    change(app, Inspection, world.inspections["A1"], world.people["officer_a1"],
           findings="<script>alert('x')</script>")
    reviewer.sign_in("chief_a")
    page = reviewer.get(f"/dashboard/inspections/{world.inspections['A1']}").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page


def test_the_inbox_filters_and_its_csv_export_agree(reviewer: Reviewer, world: World, app: Flask) -> None:
    change(app, Inspection, world.inspections["A2"], world.people["officer_a2"], hazard_level="major")
    reviewer.sign_in("chief_a")
    page = reviewer.get("/dashboard/inbox?hazard=major").get_data(as_text=True)
    assert "Hotel in A2" in page and "Hotel in A1" not in page and "1 log" in page
    exported = reviewer.get("/dashboard/inbox.csv?hazard=major")
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert [row[3] for row in rows[1:]] == ["Hotel in A2"]
    assert exported.headers["Content-Disposition"].startswith("attachment")


def test_the_inbox_counts_what_arrived_since_the_chief_last_looked(reviewer: Reviewer) -> None:
    reviewer.sign_in("chief_a")
    assert "2 new since you last looked" in reviewer.get("/dashboard/inbox").get_data(as_text=True)
    assert "new since you last looked" not in reviewer.get("/dashboard/inbox").get_data(as_text=True)


def test_deadlines_list_overdue_follow_ups_by_room_and_officer(
        reviewer: Reviewer, world: World, app: Flask) -> None:
    long_ago = clock.today(CHINA) - timedelta(days=400)
    change(app, Followup, world.followups["A1"], world.people["officer_a1"], due_date=long_ago)
    reviewer.sign_in("chief_a")
    page = reviewer.get("/dashboard/deadlines").get_data(as_text=True)
    assert "Hotel in A1" in page and long_ago.isoformat() in page and "Hotel in A2" not in page


def test_figures_and_reports_render_for_the_station(reviewer: Reviewer) -> None:
    reviewer.sign_in("chief_a")
    figures = reviewer.get("/dashboard/figures")
    assert figures.status_code == 200 and "<svg" in figures.get_data(as_text=True)
    today = clock.today(CHINA)
    assert reviewer.get(f"/dashboard/reports/week?start={today - timedelta(days=14)}").status_code == 200
    assert reviewer.get("/dashboard/reports/week?start=not-a-date").status_code == 200
    assert reviewer.get(f"/dashboard/inbox?date_from={today}&date_to={today - timedelta(days=30)}").status_code == 200


def test_the_dashboard_speaks_the_browsers_language_and_switches(reviewer: Reviewer) -> None:
    page = reviewer.get("/dashboard/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert "用户名" in page.get_data(as_text=True)
    assert "User name" in reviewer.get("/dashboard/login?lang=en").get_data(as_text=True)
    assert "User name" in reviewer.get("/dashboard/login", headers={"Accept-Language": "zh-CN"}).get_data(
        as_text=True)


def test_photos_are_served_to_the_station_that_holds_the_log(reviewer: Reviewer, world: World) -> None:
    reviewer.sign_in("chief_a")
    photo = reviewer.get(f"/dashboard/blobs/{world.photos['A1']}")
    assert photo.status_code == 200 and photo.headers["Content-Type"].startswith("image/")


@pytest.fixture
def station_clock() -> Iterator[Callable[[datetime], None]]:
    """``station_clock(moment)`` stops the clock at ``moment``; the run's clock comes back afterwards."""
    before = clock.current_clock()
    yield lambda moment: clock.set_clock(clock.Clock.at(moment, frozen=True))
    clock.set_clock(before)


def test_days_overdue_turn_at_the_stations_midnight_not_at_utcs(
        reviewer: Reviewer, world: World, app: Flask, station_clock: Callable[[datetime], None]) -> None:
    due = clock.today(CHINA) - timedelta(days=1)
    change(app, Followup, world.followups["A1"], world.people["officer_a1"], due_date=due)
    reviewer.sign_in("chief_a")
    for station_moment, shown in ((time(23, 59), None), (time(0, 30), 1), (time(23, 30), 1)):
        day = due if station_moment == time(23, 59) else due + timedelta(days=1)
        station_clock(datetime.combine(day, station_moment, CHINA))
        page = reviewer.get("/dashboard/deadlines").get_data(as_text=True)
        if shown is None:
            assert "Hotel in A1" not in page
        else:
            assert "Hotel in A1" in page and f'<td class="overdue">{shown}</td>' in page, station_moment
    station_clock(datetime.combine(due + timedelta(days=2), time(0, 30), CHINA))
    assert '<td class="overdue">2</td>' in reviewer.get("/dashboard/deadlines").get_data(as_text=True)


def test_an_overdue_follow_up_not_yet_done_lowers_the_on_time_rate(
        reviewer: Reviewer, world: World, app: Flask) -> None:
    due = clock.today(CHINA) - timedelta(days=3)
    change(app, Followup, world.followups["A1"], world.people["officer_a1"], due_date=due)
    reviewer.sign_in("chief_a")
    assert "0/1 (0%)" in reviewer.get("/dashboard/figures").get_data(as_text=True)
    visited = datetime.combine(due - timedelta(days=1), time(10), CHINA)
    change(app, Followup, world.followups["A1"], world.people["officer_a1"], status="done", visited_at=visited,
           outcome="已回访，当事人满意", satisfaction="satisfied")
    page = reviewer.get("/dashboard/figures").get_data(as_text=True)
    assert "1/1 (100%)" in page and "0/1 (0%)" not in page


def test_a_rectification_and_its_planned_recheck_are_one_line_on_deadlines(
        reviewer: Reviewer, world: World, app: Flask) -> None:
    deadline = clock.today(CHINA) - timedelta(days=2)
    change(app, Inspection, world.inspections["A1"], world.people["officer_a1"], hazard_level="minor",
           rectification_required=True, rectification_deadline=deadline)
    change(app, Followup, world.followups["A1"], world.people["officer_a1"], subject_kind="rectification",
           inspection_id=world.inspections["A1"], case_number="", due_date=deadline)
    reviewer.sign_in("chief_a")
    page = reviewer.get("/dashboard/deadlines").get_data(as_text=True)
    assert page.count("Hotel in A1") == 1 and "Rectification deadline" in page


def test_a_case_re_visit_named_after_a_rectifying_inspection_keeps_its_own_line_on_deadlines(
        reviewer: Reviewer, world: World, app: Flask) -> None:
    """Only the rectification's re-check merges into its line; another overdue visit is still overdue."""
    deadline = clock.today(CHINA) - timedelta(days=2)
    change(app, Inspection, world.inspections["A1"], world.people["officer_a1"], hazard_level="minor",
           rectification_required=True, rectification_deadline=deadline)
    change(app, Followup, world.followups["A1"], world.people["officer_a1"],
           inspection_id=world.inspections["A1"], due_date=deadline - timedelta(days=1))
    reviewer.sign_in("chief_a")
    page = reviewer.get("/dashboard/deadlines").get_data(as_text=True)
    assert page.count("Hotel in A1") == 2 and "Rectification deadline" in page and "Case re-visit" in page
    assert '<td class="overdue">3</td>' in page


def test_inbox_counts_stop_at_the_cap_and_say_more_than(
        reviewer: Reviewer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Counting a million logs would read them all: past ``COUNT_CAP`` the inbox says "more than"."""
    reviewer.sign_in("chief_a")
    monkeypatch.setattr(inbox, "COUNT_CAP", 1)
    page = reviewer.get("/dashboard/inbox").get_data(as_text=True)
    assert "More than 1 logs" in page and "Submitted 1+" in page and "More than 1 new since you last looked" in page
    monkeypatch.setattr(inbox, "COUNT_CAP", 2)
    page = reviewer.get("/dashboard/inbox").get_data(as_text=True)
    assert "2 logs" in page and "More than" not in page and "Submitted 2 " in page
