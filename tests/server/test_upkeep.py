"""The upkeep jobs: each removes what it should, once; runs from the command line; is logged and measured.

Every job is run twice where it has work: the second run removes nothing and writes no
second audit entry. "Old" is measured by the process's clock, which the tests move.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from server.extensions import db
from server.models import AccessToken, AuditEntry, EnrolmentCode, LoginFailure, Person
from server.operations.devices import issue_enrolment_code
from server.upkeep import metrics
from server.upkeep.jobs import JOBS, Job, run_job
from sync import clock
from tests.phone import DeviceFactory
from tests.world import PASSWORD, World

Later = Callable[[timedelta], None]


def upkeep(runner: FlaskCliRunner, job: str) -> str:
    result = runner.invoke(args=["upkeep", "run", job])
    assert result.exit_code == 0, result.output
    return result.output


def removed(runner: FlaskCliRunner, job: str, item: str) -> int:
    """Run ``job`` once; how many rows of ``item`` it says it removed."""
    found = re.search(rf"{item}: (\d+)", upkeep(runner, job))
    assert found is not None
    return int(found[1])


def audited(app: Flask, action: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


def rows(app: Flask, model: type, *conditions: Any) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def sign_in(client: FlaskClient, username: str, password: str = PASSWORD, device_id: uuid.UUID | None = None) -> int:
    return client.post("/api/v1/auth/login", json={
        "username": username, "password": password, "device_id": str(device_id or uuid.uuid4()),
        "device_name": "Patrol phone"}).status_code


def test_tombstones_older_than_the_retention_are_purged_once(
    app: Flask, runner: FlaskCliRunner, device: DeviceFactory, world: World, later: Later
) -> None:
    app.config["TOMBSTONE_RETENTION_DAYS"] = 30
    phone = device("officer_a1")
    phone.pull()
    phone.delete("followup", str(world.followups["A1"]))
    phone.sync()
    later(timedelta(days=29))
    too_young = removed(runner, "purge-tombstones", "tombstones")
    later(timedelta(days=2))
    runs = [removed(runner, "purge-tombstones", "tombstones") for _ in range(2)]
    assert (too_young, runs, audited(app, "sync.purge_tombstones")) == (0, [1, 0], 1)


def test_expired_tokens_go_but_each_devices_newest_one_stays(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, world: World, later: Later
) -> None:
    phone = world.devices["officer_a1"]
    assert sign_in(client, "officer_a1", device_id=phone) == sign_in(client, "officer_a1", device_id=phone) == 200
    later(timedelta(hours=app.config["TOKEN_LIFETIME_HOURS"] - 1))
    assert removed(runner, "expire-sign-ins", "tokens") == 0
    later(timedelta(hours=2))
    assert removed(runner, "expire-sign-ins", "tokens") == 2
    assert rows(app, AccessToken, AccessToken.device_id == phone) == 1
    assert rows(app, AccessToken) == len(world.devices)
    assert removed(runner, "expire-sign-ins", "tokens") == 0
    assert audited(app, "auth.expire_sign_ins") == 1


def test_a_revoked_phone_back_long_after_its_token_expired_is_still_told_to_wipe_itself(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, world: World, later: Later
) -> None:
    device = world.devices["officer_a1"]
    assert client.post(f"/api/v1/devices/{device}/revoke", json={"reason": "lost on patrol"},
                       headers=world.headers("admin")).status_code == 200
    later(timedelta(days=200))
    upkeep(runner, "expire-sign-ins")
    answer = client.get("/api/v1/auth/me", headers=world.headers("officer_a1"))
    assert (answer.status_code, answer.json["code"]) == (401, "device_revoked")


def test_expired_enrolment_codes_go_used_or_not(
    app: Flask, runner: FlaskCliRunner, world: World, later: Later
) -> None:
    with app.app_context():
        for username in ("officer_a1", "officer_a1", "officer_a2"):
            issue_enrolment_code(db.session(), db.session.get_one(Person, world.people[username]),
                                 actor_id=world.people["admin"])
        db.session.commit()
    assert removed(runner, "expire-sign-ins", "enrolment codes") == 1
    later(timedelta(hours=23))
    assert removed(runner, "expire-sign-ins", "enrolment codes") == 0
    later(timedelta(hours=2))
    assert removed(runner, "expire-sign-ins", "enrolment codes") == 2
    assert rows(app, EnrolmentCode) == 0
    assert removed(runner, "expire-sign-ins", "enrolment codes") == 0
    assert audited(app, "auth.expire_sign_ins") == 2


def test_failed_sign_ins_are_forgotten_once_out_of_the_throttling_window(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, world: World, later: Later
) -> None:
    window = timedelta(seconds=app.config["LOGIN_FAILURE_WINDOW_SECONDS"])
    for _ in range(3):
        assert sign_in(client, "officer_a1", "wrong password") == 401
    later(window - timedelta(minutes=1))
    assert sign_in(client, "officer_a2", "wrong password") == 401
    assert removed(runner, "expire-sign-ins", "login failures") == 0
    later(timedelta(minutes=2))
    assert removed(runner, "expire-sign-ins", "login failures") == 3
    assert rows(app, LoginFailure) == rows(app, LoginFailure, LoginFailure.username == "officer_a2") == 1
    assert removed(runner, "expire-sign-ins", "login failures") == 0
    assert audited(app, "auth.expire_sign_ins") == 1


def sample(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_job_run_is_logged_with_its_counts_and_measured(
    app: Flask, client: FlaskClient, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    assert sign_in(client, "officer_a1", "wrong password") == 401
    app.config["LOGIN_FAILURE_WINDOW_SECONDS"] = 0
    job = "expire-sign-ins"
    before = {"runs": sample("beatlog_upkeep_runs_total", job=job, outcome="success"),
              "items": sample("beatlog_upkeep_items_total", job=job, item="login_failures"),
              "timed": sample("beatlog_upkeep_duration_seconds_count", job=job)}
    started = clock.now().timestamp()
    with app.app_context(), caplog.at_level(logging.INFO, logger="server.upkeep"):
        run = run_job(JOBS[job], app.config)
    assert run.outcome == "success" and run.counts == {"tokens": 0, "enrolment_codes": 0, "login_failures": 1}
    assert sample("beatlog_upkeep_runs_total", job=job, outcome="success") == before["runs"] + 1
    assert sample("beatlog_upkeep_items_total", job=job, item="login_failures") == before["items"] + 1
    assert sample("beatlog_upkeep_duration_seconds_count", job=job) == before["timed"] + 1
    assert started <= sample("beatlog_upkeep_last_success_timestamp_seconds", job=job) <= clock.now().timestamp()
    [record] = [record for record in caplog.records if getattr(record, "job", None) == job]
    assert (record.levelname, record.outcome, record.counts) == ("INFO", "success", run.counts)
    assert record.duration == run.duration >= 0


def test_a_failing_job_is_rolled_back_logged_and_measured_as_a_failure(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    def half_done(session: Any, _settings: Any) -> dict[str, int]:
        session.add(LoginFailure(username="someone", address="10.0.0.9"))
        session.flush()
        raise RuntimeError("the disk is full")

    doomed = Job("doomed", timedelta(hours=1), "Fails halfway.", half_done)
    failures = sample("beatlog_upkeep_runs_total", job="doomed", outcome="failure")
    with app.app_context(), caplog.at_level(logging.INFO, logger="server.upkeep"):
        run = run_job(doomed, app.config)
    assert (run.outcome, run.counts, str(run.error)) == ("failure", {}, "the disk is full")
    assert rows(app, LoginFailure) == 0
    assert sample("beatlog_upkeep_runs_total", job="doomed", outcome="failure") == failures + 1
    assert metrics.REGISTRY.get_sample_value("beatlog_upkeep_last_success_timestamp_seconds", {"job": "doomed"}) is None
    [record] = [record for record in caplog.records if getattr(record, "job", None) == "doomed"]
    assert (record.levelname, record.outcome) == ("ERROR", "failure") and record.exc_info is not None


def test_upkeep_list_names_each_job_with_how_often_it_runs(app: Flask, runner: FlaskCliRunner) -> None:
    app.config["UPKEEP_INTERVALS"] = {"expire-sign-ins": 600}
    result = runner.invoke(args=["upkeep", "list"])
    assert result.exit_code == 0, result.output
    every = {line.split()[0]: line.split()[2] for line in result.output.splitlines()}
    assert every == {"purge-tombstones": "86400", "prune-push-answers": "86400", "expire-sign-ins": "600",
                     "erase-moved-out": "86400", "plan-inspections": "3600", "mark-missed": "3600",
                     "raise-notices": "3600", "deliver-webhooks": "15", "prune-webhook-events": "86400"}


def test_an_interval_for_a_job_that_does_not_exist_is_refused(app: Flask, runner: FlaskCliRunner) -> None:
    app.config["UPKEEP_INTERVALS"] = {"purge-everything": 60}
    result = runner.invoke(args=["upkeep", "list"])
    assert isinstance(result.exception, RuntimeError) and "purge-everything" in str(result.exception)
