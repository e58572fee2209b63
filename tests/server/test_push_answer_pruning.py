"""Pruning stored push answers: an answer goes only once no phone can replay its mutation.

The bound (``server.syncing.maintenance.prune_push_answers``): older than the retention, and
its phone either revoked or seen pulling an hour or more after the answer. The phones are the
real handheld core (``tests.phone``): what they replay, and when, is what the handheld does.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import event, func, select

from server.extensions import db
from server.models import AuditEntry, QuarantinedMutation, SyncConflict, SyncMutation, Venue
from tests.phone import PUSH, DeviceFactory, Phone, hostile_push
from tests.world import World

Later = Callable[[timedelta], None]
RETENTION = timedelta(days=2)


@pytest.fixture(autouse=True)
def retention(app: Flask) -> None:
    app.config["PUSH_ANSWER_RETENTION_DAYS"] = RETENTION.days


def prune(runner: FlaskCliRunner) -> int:
    result = runner.invoke(args=["upkeep", "run", "prune-push-answers"])
    assert result.exit_code == 0, result.output
    return int(result.output.rsplit("push answers: ", 1)[1])


def rows(app: Flask, model: type, *conditions: Any) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def venue_data(world: World, name: str = "月河宾馆") -> dict[str, Any]:
    return {"room_id": str(world.rooms["A1"]), "name": name, "kind": "hotel", "address": "中山东路1号"}


def sent_since(phone: Phone, before: int) -> list[str]:
    return [mutation["mutation_id"] for mutation in phone.sent[before:]]


def test_an_answer_the_phone_never_heard_is_kept_past_the_retention_and_its_replay_opens_no_second_conflict(
    app: Flask, runner: FlaskCliRunner, device: DeviceFactory, world: World, later: Later
) -> None:
    first, second = device("officer_a1"), device("officer_a1b")
    first.pull(), second.pull()
    venue = str(world.venues["A1"])
    first.edit("venue", venue, name="月河宾馆（新）")
    second.edit("venue", venue, name="月河旅馆")
    first.sync()
    second.push(lose_answer=True)
    opened = rows(app, SyncConflict, SyncConflict.record_id == uuid.UUID(venue))
    later(timedelta(hours=2))
    first.sync()
    later(RETENTION * 3)
    assert prune(runner) == 1
    assert rows(app, SyncMutation, SyncMutation.device_id == world.devices["officer_a1b"]) == 1
    second.sync()
    assert (second.results[-1]["status"], second.results[-1]["first_status"]) == ("duplicate", "conflict")
    assert rows(app, SyncConflict, SyncConflict.record_id == uuid.UUID(venue)) == opened


def test_an_answer_goes_once_past_the_retention_and_its_phone_pulled_an_hour_later(
    app: Flask, runner: FlaskCliRunner, device: DeviceFactory, world: World, later: Later
) -> None:
    phone = device("officer_a1")
    venue = phone.create("venue", venue_data(world))
    phone.sync()
    later(timedelta(minutes=59))
    phone.sync()
    later(RETENTION)
    assert prune(runner) == 0
    later(timedelta(hours=1))
    phone.sync()
    assert prune(runner) == 1
    assert prune(runner) == 0
    assert rows(app, SyncMutation) == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "sync.prune_push_answers")) == 1
    before = len(phone.sent)
    phone.sync()
    assert sent_since(phone, before) == []
    assert rows(app, Venue, Venue.id == uuid.UUID(venue)) == 1


def test_a_create_replayed_after_its_answer_went_makes_no_second_record(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, device: DeviceFactory, world: World, later: Later
) -> None:
    """No handheld replays an answer it landed; a copy of its mutation sent again (a restored
    backup older than the retention) still finds the record it made, by the id the phone chose."""
    phone = device("officer_a1")
    venue = phone.create("venue", venue_data(world))
    phone.sync()
    [mutation] = [exchange.sent["mutations"][0] for exchange in phone.transport.exchanges if exchange.path == PUSH]
    later(RETENTION + timedelta(hours=1))
    phone.sync()
    assert prune(runner) == 1
    [result] = hostile_push(client, world, "officer_a1", mutation)
    assert (result["status"], result["id"], result["version"]) == ("applied", venue, 1)
    assert rows(app, Venue, Venue.id == uuid.UUID(venue)) == 1
    assert rows(app, SyncConflict, SyncConflict.record_id == uuid.UUID(venue)) == rows(app, QuarantinedMutation) == 0


def test_an_answer_stays_while_its_phone_pulled_only_within_the_hour_after_it(
    app: Flask, runner: FlaskCliRunner, device: DeviceFactory, world: World, later: Later
) -> None:
    phone = device("officer_a1")
    phone.create("venue", venue_data(world))
    phone.sync()
    later(timedelta(minutes=50))
    phone.sync()
    later(RETENTION * 10)
    assert prune(runner) == 0
    assert rows(app, SyncMutation) == 1


def test_a_revoked_phones_answers_go_once_past_the_retention_though_it_never_pulled_again(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, device: DeviceFactory, world: World, later: Later
) -> None:
    phone = device("officer_a1")
    phone.create("venue", venue_data(world))
    phone.push(lose_answer=True)
    assert client.post(f"/api/v1/devices/{world.devices['officer_a1']}/revoke", json={"reason": "lost"},
                       headers=world.headers("admin")).status_code == 200
    later(RETENTION - timedelta(hours=1))
    assert prune(runner) == 0
    later(timedelta(hours=2))
    assert prune(runner) == 1


def test_a_round_sends_every_waiting_mutation_before_it_pulls_even_behind_a_batch_of_retryable_refusals(
    device: DeviceFactory, world: World
) -> None:
    """The handheld's promise the pruning bound rests on: a pull follows the answers of every
    mutation that was waiting, even when more than a batch of them wait for a photo."""
    phone = device("officer_a1")
    phone.pull()
    missing = "0" * 64
    phone.edit("inspection", str(world.inspections["A1"]), photo_hashes=[missing])
    phone.edit("followup", str(world.followups["A1"]), photo_hashes=[missing])
    venue = phone.create("venue", venue_data(world))
    phone.sync(push_batch=2)
    statuses = {result["id"]: (result["status"], result.get("code")) for result in phone.results}
    assert statuses == {str(world.inspections["A1"]): ("rejected", "missing_blob"),
                        str(world.followups["A1"]): ("rejected", "missing_blob"), venue: ("applied", None)}
    assert phone.pending() == 2


def test_the_prune_reads_old_answers_through_the_device_and_age_index_not_the_whole_table(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, device: DeviceFactory, world: World, later: Later
) -> None:
    phone = device("officer_a1")
    phone.create("venue", venue_data(world))
    phone.push()
    assert client.post(f"/api/v1/devices/{world.devices['officer_a1']}/revoke", json={"reason": "lost"},
                       headers=world.headers("admin")).status_code == 200
    later(RETENTION + timedelta(hours=1))
    read: list[tuple[str, Any]] = []

    def watch(_connection: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "FROM sync_mutation" in statement and "received_at" in statement:
            read.append((statement, parameters))

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", watch)
    try:
        assert prune(runner) == 1
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", watch)
    assert len(read) == 2
    with app.app_context(), db.engine.connect() as connection:
        postgresql = connection.dialect.name == "postgresql"
        if postgresql:  # it plans these few rows by cost, on statistics earlier tests left: seeking by device (a
            # nested loop) or by age (a semi-join), it reads the index, never the table
            for method in ("seqscan", "bitmapscan", "hashjoin", "mergejoin"):
                connection.exec_driver_sql(f"SET enable_{method} = off")
        for statement, parameters in read:
            plan = " ".join(str(row[-1]) for row in connection.exec_driver_sql(
                ("EXPLAIN " if postgresql else "EXPLAIN QUERY PLAN ") + statement, parameters))
            sought = (re.search(r"using ix_sync_mutation_device_received on sync_mutation.*?Index Cond: \([^)]*"
                                r"(device_id = |received_at <)", plan, re.IGNORECASE)
                      and "Seq Scan on sync_mutation" not in plan if postgresql
                      else re.search(r"SEARCH sync_mutation USING (COVERING )?INDEX ix_sync_mutation_device_received "
                                     r"\(device_id=\? AND received_at<\?\)", plan))
            assert sought, plan
