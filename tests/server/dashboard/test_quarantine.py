"""Refused changes: listed with their reasons, corrected and applied, or dismissed with a reason."""

from __future__ import annotations

import html
import re
import uuid
from datetime import datetime, time, timedelta, timezone
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from server.extensions import db
from server.models import AuditEntry, Inspection, QuarantinedMutation, Venue
from server.models.base import utcnow
from sync import clock
from tests.server.dashboard.conftest import Reviewer
from tests.world import CHINA, World


def refused_venue(client: FlaskClient, world: World) -> uuid.UUID:
    """officer_a1 creates a venue in another station's room: refused for good, so quarantined."""
    venue_id = uuid.uuid4()
    answer = client.post("/api/v1/sync/push", headers=world.headers("officer_a1"), json={
        "device_id": str(world.devices["officer_a1"]), "schema_version": 2, "mutations": [{
            "mutation_id": str(uuid.uuid4()), "type": "venue", "id": str(venue_id), "op": "create",
            "base_version": None, "base": {},
            "data": {"room_id": str(world.rooms["B1"]), "name": "网吧 in the wrong room", "kind": "internet_cafe",
                     "address": "B1 Road 9"}}]})
    assert answer.get_json()["results"][0]["status"] == "rejected"
    return venue_id


def refused_inspection(client: FlaskClient, world: World, **data: Any) -> uuid.UUID:
    """officer_a1 creates an inspection of the hotel in A1 with some values no phone should send: quarantined."""
    inspection_id = uuid.uuid4()
    yesterday = datetime.combine(clock.today(CHINA) - timedelta(days=1), time(10, 30), CHINA)
    answer = client.post("/api/v1/sync/push", headers=world.headers("officer_a1"), json={
        "device_id": str(world.devices["officer_a1"]), "schema_version": 2, "mutations": [{
            "mutation_id": str(uuid.uuid4()), "type": "inspection", "id": str(inspection_id), "op": "create",
            "base_version": None, "base": {},
            "data": {"venue_id": str(world.venues["A1"]), "officer_id": str(world.people["officer_a1"]),
                     "inspected_at": yesterday.isoformat(), "status": "submitted", **data}}]})
    assert answer.get_json()["results"][0]["status"] == "rejected"
    return inspection_id


FORM_FIELD = re.compile(r'<input[^>]*name="(field-[a-z_]+)"[^>]*value="([^"]*)"'
                        r'|<select name="(field-[a-z_]+)"[^>]*>(.*?)</select>'
                        r'|<textarea name="(field-[a-z_]+)"[^>]*>(.*?)</textarea>', re.DOTALL)


def correction_form(page: str, **changes: str) -> dict[str, str]:
    """The correction form's fields as the page fills them, with some retyped."""
    values: dict[str, str] = {}
    for found in FORM_FIELD.finditer(page):
        if found.group(1):
            values[found.group(1)] = html.unescape(found.group(2))
        elif found.group(3):
            chosen = re.search(r'<option value="([^"]*)" selected', found.group(4))
            values[found.group(3)] = chosen.group(1) if chosen else ""
        else:
            values[found.group(5)] = html.unescape(found.group(6))
    return {**values, **{f"field-{name}": value for name, value in changes.items()}}


def the_row(app: Flask) -> QuarantinedMutation:
    with app.app_context():
        return db.session.scalars(select(QuarantinedMutation)).one()


def test_a_refused_change_is_listed_with_its_reason(reviewer: Reviewer, world: World, client: FlaskClient,
                                                   app: Flask) -> None:
    refused_venue(client, world)
    reviewer.sign_in("admin")
    page = reviewer.get("/dashboard/quarantine").get_data(as_text=True)
    assert "outside the officer&#39;s beat" in page and "out_of_scope" not in page
    detail = reviewer.get(f"/dashboard/quarantine/{the_row(app).id}").get_data(as_text=True)
    assert "网吧 in the wrong room" in detail and "Room B1" in detail


def test_a_corrected_change_is_applied_through_the_sync_engine(reviewer: Reviewer, world: World,
                                                              client: FlaskClient, app: Flask) -> None:
    venue_id = refused_venue(client, world)
    row = the_row(app)
    reviewer.sign_in("admin")
    page = reviewer.get(f"/dashboard/quarantine/{row.id}").get_data(as_text=True)
    assert "<textarea" not in page
    wrong = reviewer.post(f"/dashboard/quarantine/{row.id}/apply", correction_form(page, kind="spaceport"))
    assert wrong.status_code == 422 and "not valid for its field" in wrong.get_data(as_text=True)
    applied = reviewer.post(f"/dashboard/quarantine/{row.id}/apply",
                            correction_form(page, room_id=str(world.rooms["A1"]), name="七星网吧"))
    assert applied.status_code == 302
    with app.app_context():
        venue = db.session.get(Venue, venue_id)
        assert (venue.room_id, venue.name, venue.kind, venue.address) == (
            world.rooms["A1"], "七星网吧", "internet_cafe", "B1 Road 9")
        assert db.session.get(QuarantinedMutation, row.id).status == "applied"
        assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "quarantine.apply")).one()


def test_a_correction_the_engine_refuses_again_writes_nothing(reviewer: Reviewer, world: World,
                                                             client: FlaskClient, app: Flask) -> None:
    refused_venue(client, world)
    row = the_row(app)
    reviewer.sign_in("admin")
    page = reviewer.get(f"/dashboard/quarantine/{row.id}").get_data(as_text=True)
    again = reviewer.post(f"/dashboard/quarantine/{row.id}/apply", correction_form(page, name="", address="B1 路"))
    assert again.status_code == 422 and "refused the correction too" in again.get_data(as_text=True)
    assert "B1 路" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(QuarantinedMutation)).one().status == "open"


def test_dismissing_needs_a_reason_and_is_audited(reviewer: Reviewer, world: World, client: FlaskClient,
                                                 app: Flask) -> None:
    refused_venue(client, world)
    row = the_row(app)
    reviewer.sign_in("admin")
    reviewer.get(f"/dashboard/quarantine/{row.id}")
    assert reviewer.post(f"/dashboard/quarantine/{row.id}/dismiss", {"reason": ""}).status_code == 422
    assert reviewer.post(f"/dashboard/quarantine/{row.id}/dismiss", {"reason": "duplicate of 七星网吧"}
                         ).status_code == 302
    with app.app_context():
        dismissed = db.session.get(QuarantinedMutation, row.id)
        assert (dismissed.status, dismissed.note) == ("dismissed", "duplicate of 七星网吧")


def test_a_moved_officers_inspection_quarantined_by_an_older_server_is_applied_as_it_was(
        reviewer: Reviewer, world: World, client: FlaskClient, app: Flask) -> None:
    """Before service history, an inspection recorded before a move was refused; the admin applies it unchanged."""
    inspection_id = uuid.uuid4()
    inspected_at = (utcnow() - timedelta(hours=1)).astimezone(CHINA).isoformat(timespec="seconds")
    payload = {"mutation_id": str(uuid.uuid4()), "type": "inspection", "id": str(inspection_id), "op": "create",
               "base_version": None, "base": {},
               "data": {"venue_id": str(world.venues["A1"]), "officer_id": str(world.people["officer_a1"]),
                        "inspected_at": inspected_at, "status": "submitted",
                        "checklist": {"register": {"result": "pass", "note": ""}}}}
    moved = client.patch(f"/api/v1/people/{world.people['officer_a1']}", json={"room_id": str(world.rooms["B1"])},
                         headers=world.headers("admin"))
    assert moved.status_code == 200
    with app.app_context():
        row = QuarantinedMutation(
            mutation_id=uuid.UUID(payload["mutation_id"]), device_id=world.devices["officer_a1"],
            person_id=world.people["officer_a1"], record_type="inspection", record_id=inspection_id,
            payload=payload, code="invalid", message="The officer does not serve this venue's room.",
            errors={"officer_id": ["Not an officer of this room."]})
        db.session.add(row)
        db.session.commit()
        row_id = row.id
    reviewer.sign_in("admin")
    page = reviewer.get(f"/dashboard/quarantine/{row_id}").get_data(as_text=True)
    applied = reviewer.post(f"/dashboard/quarantine/{row_id}/apply", correction_form(page))
    assert applied.status_code == 302, applied.get_data(as_text=True)
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        assert (inspection.room_id, inspection.officer_id) == (world.rooms["A1"], world.people["officer_a1"])
        assert inspection.inspected_at.isoformat(timespec="seconds") == inspected_at


def test_a_change_another_admin_already_dismissed_is_not_applied_from_a_page_opened_before(
        reviewer: Reviewer, world: World, client: FlaskClient, app: Flask) -> None:
    venue_id = refused_venue(client, world)
    row = the_row(app)
    reviewer.sign_in("admin")
    page = reviewer.get(f"/dashboard/quarantine/{row.id}").get_data(as_text=True)
    assert reviewer.post(f"/dashboard/quarantine/{row.id}/dismiss", {"reason": "重复登记"}).status_code == 302
    late = reviewer.post(f"/dashboard/quarantine/{row.id}/apply", correction_form(page, room_id=str(world.rooms["A1"])))
    assert late.status_code == 409 and "重复登记" in late.get_data(as_text=True)
    again = reviewer.post(f"/dashboard/quarantine/{row.id}/dismiss", {"reason": "again"})
    assert again.status_code == 409
    with app.app_context():
        assert db.session.get(Venue, venue_id) is None
        decided = db.session.get(QuarantinedMutation, row.id)
        assert (decided.status, decided.note) == ("dismissed", "重复登记")


YESTERDAY = clock.today(CHINA) - timedelta(days=1)


@pytest.mark.parametrize(("field", "sent", "shown", "retyped", "stored"), [
    ("inspected_at", "yesterday", "yesterday", f"{YESTERDAY}T09:30",
     datetime.combine(YESTERDAY, time(9, 30), CHINA)),
    ("hazard_level", ["minor"], '["minor"]', "minor", "minor"),
    ("rectification_deadline", "next week", "next week", str(YESTERDAY + timedelta(days=7)),
     YESTERDAY + timedelta(days=7)),
    ("findings", 42, "42", "消防通道堵塞", "消防通道堵塞"),
    ("location", {"lon": 120.15}, '{"lon": 120.15}', None, None),
    ("photo_notes", {"a": "b"}, '{"a": "b"}', None, None),
    ("checklist", ["register"], '["register"]', None, None),
], ids=["time-in-words", "level-in-a-list", "date-in-words", "findings-a-number", "location-without-lat",
        "photo-note-not-a-note", "checklist-a-list"])
def test_a_value_no_phone_should_send_is_shown_as_sent_and_can_be_corrected_or_dismissed(
        reviewer: Reviewer, world: World, client: FlaskClient, app: Flask,
        field: str, sent: Any, shown: str, retyped: str | None, stored: Any) -> None:
    inspection_id = refused_inspection(client, world, **{field: sent})
    row = the_row(app)
    reviewer.sign_in("admin")
    page = reviewer.get(f"/dashboard/quarantine/{row.id}")
    assert page.status_code == 200
    assert f"<dd>{shown}</dd>" in html.unescape(page.get_data(as_text=True))
    if retyped is None:
        assert reviewer.post(f"/dashboard/quarantine/{row.id}/dismiss", {"reason": "手机故障"}).status_code == 302
        with app.app_context():
            assert db.session.get(QuarantinedMutation, row.id).status == "dismissed"
        return
    form = correction_form(page.get_data(as_text=True))
    again = reviewer.post(f"/dashboard/quarantine/{row.id}/apply", form)
    assert again.status_code == 422 and "refused the correction too" in again.get_data(as_text=True)
    applied = reviewer.post(f"/dashboard/quarantine/{row.id}/apply", {**form, f"field-{field}": retyped})
    assert applied.status_code == 302, applied.get_data(as_text=True)
    with app.app_context():
        assert getattr(db.session.get(Inspection, inspection_id), field) == stored


def test_a_time_the_admin_left_as_it_was_keeps_the_phones_offset_though_the_browser_drops_zero_seconds(
        reviewer: Reviewer, world: World, client: FlaskClient, app: Flask) -> None:
    """A whole-minute ``datetime-local`` comes back as ``…T09:30``, not the ``…T09:30:00`` the form showed."""
    tokyo = datetime.combine(YESTERDAY, time(10, 30), timezone(timedelta(hours=9)))
    inspection_id = refused_inspection(client, world, inspected_at=tokyo.isoformat(), hazard_level="tiny")
    row = the_row(app)
    reviewer.sign_in("admin")
    page = reviewer.get(f"/dashboard/quarantine/{row.id}").get_data(as_text=True)
    assert f'value="{YESTERDAY}T09:30:00"' in page
    applied = reviewer.post(f"/dashboard/quarantine/{row.id}/apply", correction_form(
        page, hazard_level="minor", inspected_at=f"{YESTERDAY}T09:30"))
    assert applied.status_code == 302, applied.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Inspection, inspection_id).inspected_at.isoformat() == tokyo.isoformat()
