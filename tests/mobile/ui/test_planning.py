"""Planned work in the real app: Today lists what falls due this week and counts new notices; a notice opens
its assignment; recording the inspection it asks for completes it; a comment reaches the chief."""

from __future__ import annotations

from typing import Any

from mobile.store import SyncState
from tests.e2e.handheld import api
from tests.mobile.ui.driver import sign_in
from tests.mobile.ui.test_screens import english_words


def test_a_notice_opens_the_officers_assignment_and_recording_the_inspection_completes_it(
        start_app: Any, network: Any, demo_server: Any) -> None:
    officer = start_app(network.url, "en")
    sign_in(officer, "officer1")
    officer.on("home")
    heading = officer.wait(lambda: next((widget for widget in officer.widget("work").children
                                          if getattr(widget, "text", "").startswith("Planned work this week")), None),
                           "Today's planned work")
    officer.reveal(heading)
    assert officer.widget("notices").text.startswith("Notices (") and "new)" in officer.widget("notices").text
    officer.screenshot("today-planned-work")

    officer.tap("notices")
    officer.on("notices")
    records = officer.app.records
    assert {"A new assignment", "An assignment was missed", "A log was returned"} <= {
        row.title for row in officer.rows("notices")}
    officer.screenshot("notices")
    row = officer.wait(lambda: next((row for row in officer.rows("notices") if row.target == "assignment" and (
        found := records.get("assignment", row.record_id)) is not None and found.data["kind"] == "inspection"
        and found.data["status"] == "open"), None), "a notice of an open inspection assignment")
    assignment_id = row.record_id
    officer.tap(row)
    screen = officer.on("assignment")
    assert screen.doable and "Assigned by your chief" in screen.details
    officer.screenshot("assignment")

    officer.tap("do_it")
    officer.on("inspection")
    officer.tap("all_pass")
    officer.sign("signature")
    officer.tap("submit")
    officer.on("assignment")
    done = records.get("assignment", assignment_id)
    assert done is not None and done.data["status"] == "done" and done.data["inspection_id"]
    assert screen.state_text == "Done"
    officer.wait(lambda: records.get("assignment", assignment_id).state is SyncState.SYNCED
                 and officer.app.pending == 0, "the inspection and the completion to be sent")
    chief = api(demo_server.url, "chief1")
    on_server = chief.get(f"{demo_server.url}/api/v1/assignments/{assignment_id}", timeout=10).json()
    assert (on_server["status"], on_server["inspection_id"]) == ("done", done.data["inspection_id"])


def test_an_officer_comments_on_an_assignment_in_chinese(start_app: Any, network: Any) -> None:
    officer = start_app(network.url, "zh")
    sign_in(officer, "officer2")
    officer.on("home")
    row = officer.wait(lambda: next((row for row in officer.rows("work") if row.target == "assignment"), None),
                       "a planned work row")
    officer.tap(row)
    officer.on("assignment")
    officer.type("comment", "负责人不在，明天上午再去")
    officer.tap("save_comment")
    assert officer.app.records.get("assignment", row.record_id).data["comment"] == "负责人不在，明天上午再去"
    assert english_words(officer) == []
    officer.screenshot("assignment-comment-zh")
