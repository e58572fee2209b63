"""An operation's refusal on the dashboard: its page is shown, and the request's work is rolled back."""

from __future__ import annotations

import json

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from server.extensions import db
from server.models import AccessToken, AuditEntry, Inspection, LoginFailure, Person, QuarantinedMutation, SyncMutation
from tests.server.dashboard.conftest import Reviewer
from tests.server.dashboard.test_quarantine import refused_venue
from tests.world import World


def counts(app: Flask, *models: type) -> list[int]:
    with app.app_context():
        return [db.session.scalar(select(func.count()).select_from(model)) or 0 for model in models]


def test_an_officer_turned_away_by_the_dashboard_leaves_no_token_or_sign_in_behind(
    reviewer: Reviewer, world: World, app: Flask
) -> None:
    before = counts(app, AccessToken, AuditEntry)
    refused = reviewer.sign_in("officer_a1")
    assert refused.status_code == 403
    said = refused.get_data(as_text=True)
    assert "The dashboard is for station chiefs, traffic squad leaders and administrators." in said
    assert counts(app, AccessToken, AuditEntry) == before


def test_a_wrong_password_on_the_dashboard_is_counted_though_the_form_is_shown_again(
    reviewer: Reviewer, world: World, app: Flask
) -> None:
    refused = reviewer.sign_in("chief_a", "not-the-password")
    assert refused.status_code == 401 and "The user name or password is wrong." in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(LoginFailure.username)).all() == ["chief_a"]
        assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "auth.login_failed")).one()


def test_a_refused_new_person_shows_the_form_with_the_reasons_and_writes_nothing(
    reviewer: Reviewer, world: World, app: Flask
) -> None:
    reviewer.sign_in("admin")
    reviewer.get("/dashboard/people/new")
    before = counts(app, Person, AuditEntry)
    taken = reviewer.post("/dashboard/people/new", {"username": "chief_a", "password": "a-good-pass",
                                                    "display_name": "Second Chief", "role": "chief",
                                                    "station_id": str(world.stations["A"])})
    page = taken.get_data(as_text=True)
    assert taken.status_code == 422 and "Some fields need correcting." in page and "Second Chief" in page
    assert counts(app, Person, AuditEntry) == before


def test_a_correction_refused_again_leaves_nothing_the_engine_wrote_on_refusing_it(
    reviewer: Reviewer, world: World, client: FlaskClient, app: Flask
) -> None:
    refused_venue(client, world)
    with app.app_context():
        row = db.session.scalars(select(QuarantinedMutation)).one()
    reviewer.sign_in("admin")
    reviewer.get(f"/dashboard/quarantine/{row.id}")
    before = counts(app, QuarantinedMutation, SyncMutation, AuditEntry)
    again = reviewer.post(f"/dashboard/quarantine/{row.id}/apply",
                          {"data": json.dumps({**row.payload["data"], "kind": "spaceport"})})
    assert again.status_code == 422 and "refused the correction too" in again.get_data(as_text=True)
    assert counts(app, QuarantinedMutation, SyncMutation, AuditEntry) == before


def test_a_refusal_with_no_page_of_its_own_shows_the_error_page_of_its_kind(
    reviewer: Reviewer, world: World, app: Flask
) -> None:
    reviewer.sign_in("chief_b")
    reviewer.get("/dashboard/inbox")
    out_of_scope = reviewer.post(f"/dashboard/inspections/{world.inspections['A1']}/review",
                                 {"decision": "approve", "expected_version": "1"})
    assert out_of_scope.status_code == 404
    assert "There is no such page or record in your station." in out_of_scope.get_data(as_text=True)
    with app.app_context():
        assert db.session.get_one(Inspection, world.inspections["A1"]).status == "submitted"
