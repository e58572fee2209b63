"""/metrics: Prometheus text for the addresses allowed to scrape, counted only once committed.

Counters live in the process (prometheus_client's registry), so tests compare a scrape
before with a scrape after; the figures read from the database at scrape time are exact.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from server import metrics
from server.api import sync as sync_views
from server.extensions import db
from server.ledger import verify_audit
from server.models import Device, SyncConflict
from server.models.base import utcnow
from server.refusals import Refused
from sync import clock
from sync.protocol import SCHEMA_VERSION
from tests.conftest import make_app
from tests.phone import DeviceFactory, hostile_push, mutation
from tests.server.test_sync_push import venue_data
from tests.world import ROOMS, World, room_photo

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: FlaskClient, address: str = "127.0.0.1", **headers: str) -> Samples:
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": address}, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for sample in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sample with exactly these labels; 0 when it was never counted."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def gained(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


@pytest.fixture
def frozen_now() -> Iterator[Any]:
    """The clock stopped at its current reading, so ages read at scrape time are exact."""
    moment = clock.now()
    before = clock.set_clock(clock.Clock.at(moment, frozen=True))
    yield moment
    clock.set_clock(before)


def test_a_scraper_on_the_loopback_address_gets_prometheus_text(client: FlaskClient, world: World) -> None:
    samples = scrape(client)
    assert value(samples, "beatlog_database_up") == 1


@pytest.mark.parametrize("address", ["10.1.2.3", "192.168.0.9", "2001:db8::1", "not an address"])
def test_metrics_are_not_found_from_an_address_not_allowed(client: FlaskClient, address: str) -> None:
    refused = client.get("/metrics", environ_base={"REMOTE_ADDR": address})
    unknown = client.get("/no-such-page", environ_base={"REMOTE_ADDR": address})
    assert refused.status_code == unknown.status_code == 404
    assert {**refused.json, "request_id": ""} == {**unknown.json, "request_id": ""}
    assert refused.json["code"] == "not_found"


def test_a_scrape_relayed_by_a_proxy_the_server_does_not_count_is_refused(client: FlaskClient) -> None:
    """Without BEATLOG_PROXY_HOPS every client behind a local nginx would seem to be 127.0.0.1."""
    relayed = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.5"})
    assert relayed.status_code == 404
    assert client.get("/metrics", headers={"Forwarded": "for=203.0.113.5"}).status_code == 404


@pytest.mark.parametrize(("forwarded_for", "status"), [("127.0.0.1", 200), ("10.9.0.7", 200), ("203.0.113.5", 404)])
def test_behind_a_counted_proxy_the_forwarded_address_decides(
    migrated_database: str, tmp_path: Path, forwarded_for: str, status: int
) -> None:
    app = make_app(migrated_database, tmp_path / "instance", PROXY_HOPS=1,
                   METRICS_ALLOW=metrics_networks("127.0.0.1/32, 10.9.0.0/16"))
    try:
        answer = app.test_client().get("/metrics", headers={"X-Forwarded-For": forwarded_for})
        assert answer.status_code == status
    finally:
        dispose(app)


def metrics_networks(text: str) -> Any:
    from server.config import settings_from_env

    return settings_from_env({"BEATLOG_METRICS_ALLOW": text}, "/nonexistent")["METRICS_ALLOW"]


def dispose(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_an_ipv4_scraper_seen_as_an_ipv6_mapped_address_is_allowed(client: FlaskClient) -> None:
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::ffff:127.0.0.1"}).status_code == 200


def test_each_request_is_timed_by_endpoint_method_and_status(client: FlaskClient) -> None:
    before = scrape(client)
    client.get("/api/v1/ping")
    client.get("/api/v1/ping")
    client.get("/no-such-page")
    client.open("/api/v1/ping", method="BREW")
    after = scrape(client)
    count = "beatlog_http_request_duration_seconds_count"
    assert gained(before, after, count, endpoint="health.ping", method="GET", status="200") == 2
    assert gained(before, after, count, endpoint="unmatched", method="GET", status="404") == 1
    assert gained(before, after, count, endpoint="unmatched", method="other", status="405") == 1


def a_push_of_every_outcome(world: World) -> list[dict[str, Any]]:
    """Two applied, one merged, one conflict, one duplicate and one rejected (out of scope)."""
    created = mutation("venue", "create", venue_data(world))
    venue = str(world.venues["A1"])
    return [
        created,
        created,
        mutation("venue", "update", {"notes": "夜间营业"}, venue, base_version=1, base={"notes": ""}),
        mutation("venue", "update", {"address": "A1 Road 2"}, venue, base_version=1, base={"address": "A1 Road 1"}),
        mutation("venue", "update", {"name": "月河旅馆"}, venue, base_version=3, base={"name": "Old name"}),
        mutation("venue", "create", venue_data(world, room="B1")),
    ]


OUTCOMES = {("applied", ""): 2, ("merged", ""): 1, ("conflict", ""): 1, ("duplicate", ""): 1,
            ("rejected", "out_of_scope"): 1}


def test_pushed_mutations_are_counted_by_outcome_and_refusal_code(client: FlaskClient, world: World) -> None:
    before = scrape(client)
    results = hostile_push(client, world, "officer_a1", *a_push_of_every_outcome(world))
    assert [r["status"] for r in results] == ["applied", "duplicate", "applied", "merged", "conflict", "rejected"]
    after = scrape(client)
    for (outcome, code), expected in OUTCOMES.items():
        assert gained(before, after, "beatlog_sync_mutations_total", outcome=outcome, code=code) == expected


def test_a_push_whose_transaction_rolls_back_counts_nothing(
    client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_args: Any) -> None:
        raise Refused("stale", "Raised after the push was decided, before the commit.")

    monkeypatch.setattr(sync_views, "note_contact", refuse)
    before = scrape(client)
    body = {"device_id": str(world.devices["officer_a1"]), "schema_version": SCHEMA_VERSION,
            "mutations": a_push_of_every_outcome(world)}
    answer = client.post("/api/v1/sync/push", json=body, headers=world.headers("officer_a1"))
    assert (answer.status_code, answer.json["code"]) == (422, "stale")
    after = scrape(client)
    for outcome, code in OUTCOMES:
        assert gained(before, after, "beatlog_sync_mutations_total", outcome=outcome, code=code) == 0


def test_pulled_records_are_counted(client: FlaskClient, device: DeviceFactory) -> None:
    phone = device("officer_a1")
    before = scrape(client)
    pulled = phone.pull()
    assert pulled
    assert gained(before, scrape(client), "beatlog_sync_pulled_records_total") == len(pulled)


def test_each_transaction_that_takes_the_ledger_lock_measures_its_wait_once(
    client: FlaskClient, world: World
) -> None:
    before = scrape(client)
    hostile_push(client, world, "officer_a1", *a_push_of_every_outcome(world))
    after = scrape(client)
    assert gained(before, after, "beatlog_ledger_lock_wait_seconds_count") == 1
    assert gained(before, after, "beatlog_ledger_lock_wait_seconds_bucket", le="+Inf") == 1


def age(app: Flask, model: type, *condition: Any, **columns: timedelta | None) -> None:
    """Set the given time columns of the matching rows to that long before now."""
    now = utcnow()
    with app.app_context():
        db.session.execute(update(model).where(*condition).values(
            {name: None if since is None else now - since for name, since in columns.items()}))
        db.session.commit()


def test_the_database_figures_are_read_at_scrape_time(
    app: Flask, client: FlaskClient, frozen_now: Any, world: World
) -> None:
    devices = world.devices
    age(app, SyncConflict, SyncConflict.id == world.conflict, created_at=timedelta(days=3))
    age(app, Device, Device.id == devices["officer_a1"], last_seen_at=timedelta(hours=2),
        last_pull_at=timedelta(minutes=30))
    age(app, Device, Device.id == devices["officer_a1b"], last_seen_at=timedelta(days=3))
    age(app, Device, Device.id == devices["officer_a2"], last_seen_at=timedelta(days=10))
    age(app, Device, Device.id == devices["officer_b1"], last_seen_at=timedelta(days=10),
        last_push_at=timedelta(hours=5))
    age(app, Device, Device.id == devices["chief_b"], last_seen_at=timedelta(days=30),
        revoked_at=timedelta(days=1))
    hostile_push(client, world, "admin", mutation("venue", "create", venue_data(world, kind="spaceport")))
    samples = scrape(client)
    assert value(samples, "beatlog_database_up") == 1
    assert value(samples, "beatlog_conflicts_open") == 1
    assert value(samples, "beatlog_conflict_oldest_open_age_seconds") == 3 * 86400
    assert value(samples, "beatlog_quarantine_open") == 1
    assert {bucket: value(samples, "beatlog_devices", last_contact=bucket)
            for bucket in ("within_1h", "within_1d", "within_7d", "older")} == {
        "within_1h": len(devices) - 4, "within_1d": 1, "within_7d": 1, "older": 1}
    with app.app_context():
        assert value(samples, "beatlog_audit_entries") == verify_audit(db.session).entries > 0
    assert value(samples, "beatlog_blobs") == len(ROOMS)
    assert value(samples, "beatlog_blob_bytes") == sum(len(room_photo(room)) for room in ROOMS)


def test_without_open_conflicts_the_oldest_is_none_old(app: Flask, client: FlaskClient, world: World) -> None:
    with app.app_context():
        db.session.execute(update(SyncConflict).values(status="resolved"))
        db.session.commit()
    samples = scrape(client)
    assert value(samples, "beatlog_conflicts_open") == 0
    assert value(samples, "beatlog_conflict_oldest_open_age_seconds") == 0


def unreachable_database(backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path}/no-such-directory/{uuid.uuid4().hex}/beatlog.sqlite"
    return "postgresql://postgres@127.0.0.1:1/nothing_listens_here"


def test_metrics_are_still_served_while_the_database_is_down(backend: str, tmp_path: Path) -> None:
    app = make_app(unreachable_database(backend, tmp_path), tmp_path / "instance")
    try:
        client = app.test_client()
        samples = scrape(client)
        assert value(samples, "beatlog_database_up") == 0
        assert ("beatlog_conflicts_open", frozenset()) not in samples
        client.get("/api/v1/ping")
        assert value(scrape(client), "beatlog_http_request_duration_seconds_count",
                     endpoint="health.ping", method="GET", status="200") >= 1
    finally:
        dispose(app)


def test_a_gunicorn_worker_that_exits_is_marked_dead_in_the_multiprocess_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    dead, alive = tmp_path / "gauge_livesum_4242.db", tmp_path / "gauge_livesum_4343.db"
    kept = tmp_path / "counter_4242.db"
    for path in (dead, alive, kept):
        path.write_bytes(b"")

    class Worker:
        pid = 4242

    metrics.child_exit(None, Worker())
    assert (dead.exists(), alive.exists(), kept.exists()) == (False, True, True)
