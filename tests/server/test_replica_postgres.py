"""Reads served by a real streaming standby (``DATABASE_REPLICA_URL``), never older than the reader's own writes.

One private primary and its standby (``pg_basebackup -R``) for the module; each test gets a
database of its own on the primary, which the standby replicates. Pausing the standby's
replay (``pg_wal_replay_pause``) makes it lag on purpose: what a read then shows tells where
it was served from.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from server import replica
from server.extensions import db
from server.syncing.cursor import Cursor
from tests.conftest import make_app
from tests.flask_http import FlaskTransport
from tests.phone import Phone, Phones
from tests.postgres_cluster import Replication, replicated_clusters
from tests.server.dashboard.conftest import Reviewer
from tests.world import World, build_world


@pytest.fixture(scope="module")
def replication() -> Iterator[Replication]:
    with replicated_clusters() as running:
        yield running


@dataclass
class Served:
    """The app reading from the standby, and beside it one that knows only the primary (as before this feature)."""

    app: Flask
    client: FlaskClient
    primary_only: FlaskClient
    world: World
    phones: Phones

    def phone(self, username: str) -> Phone:
        return self.phones.sign_in(username)

    def position(self, phone: Phone, username: str) -> int:
        with self.app.app_context():
            return Cursor.decode(phone.cursor, self.world.people[username]).position


def database_url(cluster_url: str, name: str) -> str:
    return cluster_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture
def served(replication: Replication, tmp_path: Path) -> Iterator[Served]:
    """A database of the test's own on the primary, migrated, with the test world, replayed on the standby."""
    name = f"replica_{uuid.uuid4().hex[:10]}"
    replication.on_primary(f'CREATE DATABASE "{name}"')
    primary, standby = database_url(replication.primary.url, name), database_url(replication.standby.url, name)
    app = make_app(primary, tmp_path / "instance", DATABASE_REPLICA_URL=standby)
    primary_only = make_app(primary, tmp_path / "instance")
    with app.app_context():
        upgrade()
        world = build_world(db.session)
    replication.caught_up()
    client = app.test_client()
    with Phones(client, world, tmp_path / "phones") as phones:
        yield Served(app, client, primary_only.test_client(), world, phones)
    replication.resume()
    for each in (app, primary_only):
        with each.app_context():
            db.session.remove()
            db.engine.dispose()
    app.extensions[replica.STANDBY].dispose()
    replication.on_primary(f'DROP DATABASE "{name}" WITH (FORCE)')


def served_by(reader: str, where: str) -> float:
    return REGISTRY.get_sample_value("beatlog_replica_reads_total", {"reader": reader, "served_by": where}) or 0


def test_a_pull_is_served_by_the_standby_but_a_device_sees_its_own_push_at_once(
    replication: Replication, served: Served
) -> None:
    officer, colleague = served.phone("officer_a1"), served.phone("officer_a1b")
    officer.pull(), colleague.pull()
    venue = str(served.world.venues["A1"])
    replication.pause()
    officer.edit("venue", venue, notes="门口新装了监控")
    officer.push()
    assert [(change["id"], change["version"]) for change in officer.pull()] == [(venue, 2)], "read on the primary"
    from_standby = served_by("pull", "standby")
    colleague_position = served.position(colleague, "officer_a1b")
    assert colleague.pull() == [], "the colleague's pull came from the paused standby, which has not the change"
    assert served_by("pull", "standby") > from_standby
    assert served.position(colleague, "officer_a1b") >= colleague_position
    replication.caught_up()
    assert [(change["id"], change["version"]) for change in colleague.pull()] == [(venue, 2)]
    assert colleague.visible("venue")[venue]["data"]["notes"] == "门口新装了监控"


def test_a_cursor_ahead_of_the_standby_is_served_by_the_primary_and_skips_nothing(
    replication: Replication, served: Served, tmp_path: Path
) -> None:
    officer = served.phone("officer_a1")
    officer.pull()
    venue = str(served.world.venues["A1"])
    replication.pause()
    officer.edit("venue", venue, notes="补充")
    officer.sync()
    first = served.phone("officer_a1b")
    on_primary = Phone(first.store, FlaskTransport(served.primary_only), str(served.world.devices["officer_a1b"]),
                       served.world.tokens["officer_a1b"])
    on_primary.pull(limit=1, pages=1)
    assert first.resets == 1 and venue not in first.visible("venue"), "a full resync's first page, from the primary"
    ahead = served.position(first, "officer_a1b")
    behind = served_by("pull", "behind")
    first.pull(limit=1)
    assert first.visible("venue").get(venue) == {"version": 2, "data": officer.visible("venue")[venue]["data"]}
    assert served.position(first, "officer_a1b") >= ahead
    assert served_by("pull", "behind") > behind


def returned_while_the_standby_is_paused(replication: Replication, served: Served) -> tuple[Reviewer, Reviewer, str]:
    """Two browsers of chief_a read a log from the standby; then, replay paused, the first returns it."""
    chief, colleague = Reviewer(served.app.test_client()), Reviewer(served.app.test_client())
    chief.sign_in("chief_a"), colleague.sign_in("chief_a")
    replication.caught_up()
    path = f"/dashboard/inspections/{served.world.inspections['A1']}"
    chief.get(path), colleague.get(path)
    replication.pause()
    returned = chief.post(f"{path}/review", {"decision": "return", "comment": "请补拍安全出口",
                                             "expected_version": "1"})
    assert returned.status_code == 302
    return chief, colleague, path


def test_the_dashboard_reads_the_standby_and_a_chief_sees_their_own_review_at_once(
    replication: Replication, served: Served
) -> None:
    chief, colleague, path = returned_while_the_standby_is_paused(replication, served)
    assert "请补拍安全出口" in chief.get(path).get_data(as_text=True)
    from_standby = served_by("dashboard", "standby")
    assert "请补拍安全出口" not in colleague.get(path).get_data(as_text=True), "the other browser read the standby"
    assert served_by("dashboard", "standby") > from_standby
    replication.caught_up()
    assert "请补拍安全出口" in colleague.get(path).get_data(as_text=True)
    from_standby = served_by("dashboard", "standby")
    assert "请补拍安全出口" in chief.get(path).get_data(as_text=True)
    assert served_by("dashboard", "standby") > from_standby, "once replayed, the chief's reads go to the standby too"


def test_the_csv_export_reads_the_primary_so_a_replaying_standby_cannot_cut_it_short(
    replication: Replication, served: Served
) -> None:
    _, colleague, path = returned_while_the_standby_is_paused(replication, served)
    from_standby = served_by("dashboard", "standby")
    assert "请补拍安全出口" not in colleague.get(path).get_data(as_text=True), "the colleague's pages read the standby"
    assert served_by("dashboard", "standby") == from_standby + 1
    export = colleague.get("/dashboard/inbox.csv?kind=inspection").get_data(as_text=True)
    assert "请补拍安全出口" in export, "the export read the primary, not the paused standby"
    assert served_by("dashboard", "standby") == from_standby + 1
    replication.caught_up()


def standby_figures(client: FlaskClient) -> dict[str, float]:
    text = client.get("/metrics").get_data(as_text=True)
    return {sample.name: sample.value for family in text_string_to_metric_families(text)
            for sample in family.samples if sample.name.startswith("beatlog_replica_") and not sample.labels}


def test_the_metrics_say_how_far_the_standby_is_behind(replication: Replication, served: Served) -> None:
    officer = served.phone("officer_a1")
    officer.pull()
    replication.pause()
    officer.edit("followup", str(served.world.followups["A1"]), notes="已电话联系")
    officer.push()
    behind = standby_figures(served.client)
    assert behind["beatlog_replica_up"] == 1
    assert behind["beatlog_replica_lag_changes"] == 1 and behind["beatlog_replica_lag_bytes"] > 0
    replication.caught_up()
    assert standby_figures(served.client)["beatlog_replica_lag_changes"] == 0


def test_a_standby_that_is_down_is_skipped_and_the_primary_answers(replication: Replication, served: Served) -> None:
    officer, colleague = served.phone("officer_a1"), served.phone("officer_a1b")
    officer.pull(), colleague.pull()
    chief = Reviewer(served.app.test_client())
    chief.sign_in("chief_a")
    replication.caught_up()
    pulls, pages = served_by("pull", "unavailable"), served_by("dashboard", "unavailable")
    replication.standby.stop()
    try:
        officer.edit("venue", str(served.world.venues["A1"]), notes="备用库停了")
        officer.sync()
        assert [change["id"] for change in colleague.pull()] == [str(served.world.venues["A1"])]
        assert chief.get(f"/dashboard/inspections/{served.world.inspections['A1']}").status_code == 200
        assert standby_figures(served.client) == {"beatlog_replica_up": 0}
    finally:
        replication.standby.start()
    assert served_by("pull", "unavailable") > pulls and served_by("dashboard", "unavailable") > pages
