"""How many touches an everyday inspection takes, counted on the real widgets."""

from __future__ import annotations

from typing import Any

from mobile.ui.screens.inspection import checklist_template
from tests.mobile.ui.driver import sign_in

TAP_BUDGET = 25


def test_an_all_pass_inspection_of_a_ten_item_checklist_takes_at_most_25_touches_from_home_to_submitted(
        start_app: Any, network: Any) -> None:
    officer = start_app(network.url, "zh")
    sign_in(officer, "officer1")
    before = {inspection.id for inspection in officer.app.records.all("inspection")}
    officer.touches = 0

    officer.tap("find_venue")
    officer.on("venue_search")
    first = officer.wait(lambda: officer.rows("results") and officer.rows("results")[0], "the venues of the beat")
    venue = officer.app.records.get("venue", first.record_id)
    assert len(checklist_template(officer.app.records, venue.data["kind"]).data["items"]) == 10
    officer.tap(first)
    officer.on("venue")
    officer.tap("inspect")
    form = officer.on("inspection")
    officer.tap("all_pass")
    officer.sign("signature")
    officer.tap("submit")
    officer.on("venue")

    submitted = [i for i in officer.app.records.all("inspection") if i.id not in before]
    assert len(submitted) == 1 and submitted[0].data["status"] == "submitted"
    assert [answer["result"] for answer in submitted[0].data["checklist"].values()] == ["pass"] * 10
    assert len(form.items) == 10
    print(f"touches from home to submitted: {officer.touches}")
    assert officer.touches <= TAP_BUDGET
