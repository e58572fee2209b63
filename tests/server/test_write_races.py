"""A write decides on the record as committed when it holds the ledger lock, never on an earlier read.

Each test reads a record the way a view does, lets a device's push commit a change to it, and
only then runs the write: the write must see the push.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from server.access import Scope
from server.database import intent
from server.extensions import db
from server.models import Inspection, Venue
from server.operations.catalog import edit_venue
from server.operations.review import review_inspection
from server.refusals import Kind, Refused
from tests.phone import DeviceFactory
from tests.world import World


@contextmanager
def session_holding(app: Flask, model: type, record_id: uuid.UUID) -> Iterator[tuple[Session, Any]]:
    """A session that read the record before anything below ran, and still holds that read.

    On PostgreSQL a view's session holds such a read while another request commits. The read
    transaction ends here (so SQLite lets the push commit) but the session keeps what it
    read, which is the same situation on both backends.
    """
    with app.app_context():
        session = db.session()
        session.expire_on_commit = False
        with intent(False):
            held = session.get(model, record_id)
            session.commit()
        try:
            yield session, held
        finally:
            session.rollback()


def test_a_review_of_a_log_read_before_the_officer_changed_it_is_refused_with_the_current_state(
    app: Flask, device: DeviceFactory, world: World
) -> None:
    phone = device("officer_a1")
    phone.pull()
    inspection_id = world.inspections["A1"]
    with session_holding(app, Inspection, inspection_id) as (session, held):
        phone.edit("inspection", str(inspection_id), status="draft", findings="消防通道堵塞")
        phone.sync()
        assert phone.results[-1]["version"] == 2
        with pytest.raises(Refused) as refused:
            review_inspection(session, held.id, "approve", "", scope=Scope.unlimited(),
                              reviewer_id=world.people["chief_a"], expected_version=1)
    assert (refused.value.kind, refused.value.code) == (Kind.CONFLICT, "stale")
    current = refused.value.extra["current"]
    assert (current["version"], current["data"]["status"], current["data"]["findings"]) == (2, "draft", "消防通道堵塞")
    phone.pull()
    pulled = phone.visible("inspection")[str(inspection_id)]
    assert (pulled["version"], pulled["data"]["status"], pulled["data"]["findings"]) == (2, "draft", "消防通道堵塞")


def test_an_admin_edit_of_a_venue_read_before_a_push_keeps_the_push_and_takes_the_next_version(
    app: Flask, device: DeviceFactory, world: World
) -> None:
    phone = device("officer_a1")
    phone.pull()
    venue_id = world.venues["A1"]
    with session_holding(app, Venue, venue_id) as (session, held):
        phone.edit("venue", str(venue_id), phone="0573-82000000")
        phone.sync()
        edit_venue(session, held.id, {"notes": "门口有消防栓"}, actor_id=world.people["admin"])
        session.commit()
    phone.pull()
    pulled = phone.visible("venue")[str(venue_id)]
    assert pulled["version"] == 3
    assert (pulled["data"]["phone"], pulled["data"]["notes"]) == ("0573-82000000", "门口有消防栓")
