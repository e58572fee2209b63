"""A chief approves or returns an inspection; the officer's device gets the decision."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.phone import DeviceFactory
from tests.world import World


def review(client: FlaskClient, world: World, room: str, chief: str = "chief_a", **body: object) -> object:
    return client.post(f"/api/v1/inspections/{world.inspections[room]}/review", json=body,
                       headers=world.headers(chief))


def test_a_returned_log_reaches_the_officer_who_amends_and_resubmits(
    client: FlaskClient, device: DeviceFactory, world: World
) -> None:
    phone = device("officer_a1")
    phone.pull()
    response = review(client, world, "A1", decision="return", comment="请补充现场照片和整改期限。")
    assert response.status_code == 200 and response.json["status"] == "returned"
    assert response.json["reviewer_id"] == str(world.people["chief_a"]) and response.json["reviewed_at"]
    phone.pull()
    inspection = str(world.inspections["A1"])
    returned = phone.visible("inspection")[inspection]["data"]
    assert (returned["status"], returned["review_comment"]) == ("returned", "请补充现场照片和整改期限。")
    phone.edit("inspection", inspection, findings="已补充说明", status="submitted")
    phone.sync()
    assert phone.results[-1]["status"] == "applied"
    assert review(client, world, "A1", decision="approve").json["status"] == "approved"


def test_returning_needs_a_comment(client: FlaskClient, world: World) -> None:
    response = review(client, world, "A1", decision="return", comment="  ")
    assert (response.status_code, list(response.json["fields"])) == (422, ["comment"])


def test_only_a_submitted_log_is_reviewed(client: FlaskClient, world: World) -> None:
    assert review(client, world, "A1", decision="approve").status_code == 200
    response = review(client, world, "A1", decision="return", comment="晚了")
    assert (response.status_code, response.json["code"]) == (409, "not_reviewable")


def test_a_review_decided_on_an_old_version_is_refused(client: FlaskClient, world: World) -> None:
    response = review(client, world, "A1", decision="approve", expected_version=7)
    assert (response.status_code, response.json["code"], response.json["current_version"]) == (409, "stale", 1)


def test_a_chief_reviews_only_their_station_and_officers_not_at_all(client: FlaskClient, world: World) -> None:
    assert review(client, world, "B1", decision="approve").status_code == 404
    assert review(client, world, "A1", chief="officer_a1", decision="approve").status_code == 403
