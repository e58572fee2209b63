"""The upkeep jobs, and running one: in a transaction of its own, logged and measured.

A job is a function of the session and the app's settings that returns what it removed, as
counts by kind of row. It must be idempotent: run again at once, it finds nothing to do,
changes nothing and writes no audit entry. A new job is one line in ``JOBS`` (its name, how
often it runs unless ``BEATLOG_UPKEEP_INTERVALS`` says otherwise, what it does).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from server.config import station_zone
from server.extensions import db
from server.operations.devices import expire_sign_ins
from server.operations.notices import raise_notices
from server.operations.personal_data import erase_expired
from server.operations.planning import mark_missed, plan_inspections
from server.syncing.maintenance import prune_push_answers, purge_tombstones
from server.transaction import settle
from server.upkeep import metrics
from server.webhooks import deliver, prune_events
from sync import clock

log = logging.getLogger(__name__)

Work = Callable[[Session, Mapping[str, Any]], dict[str, int]]


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    summary: str
    work: Work


JOBS: dict[str, Job] = {job.name: job for job in (
    Job("purge-tombstones", timedelta(days=1), "Delete tombstones and scope exits older than "
        "BEATLOG_TOMBSTONE_RETENTION_DAYS; devices behind them resync in full.",
        lambda session, config: purge_tombstones(session, timedelta(days=config["TOMBSTONE_RETENTION_DAYS"]))),
    Job("prune-push-answers", timedelta(days=1), "Delete push answers older than "
        "BEATLOG_PUSH_ANSWER_RETENTION_DAYS that their device can no longer replay.",
        lambda session, config: prune_push_answers(session, timedelta(days=config["PUSH_ANSWER_RETENTION_DAYS"]))),
    Job("expire-sign-ins", timedelta(hours=1), "Delete expired tokens (but each device's newest) and enrolment "
        "codes, and failed sign-ins older than the throttling window.",
        lambda session, config: expire_sign_ins(session, timedelta(seconds=config["LOGIN_FAILURE_WINDOW_SECONDS"]))),
    Job("erase-moved-out", timedelta(days=1), "Remove the names, document numbers and phones of registrations "
        "moved out more than BEATLOG_REGISTRATION_RETENTION_DAYS ago, leaving anonymous counts.",
        lambda session, config: erase_expired(session, timedelta(days=config["REGISTRATION_RETENTION_DAYS"]))),
    Job("plan-inspections", timedelta(hours=1), "Give each venue under a schedule rule its next scheduled "
        "inspection, and complete those a submitted inspection did.",
        lambda session, config: plan_inspections(session, clock.today(station_zone(config)), station_zone(config))),
    Job("mark-missed", timedelta(hours=1), "Mark assignments still open after their due date missed, telling "
        "their officers and chiefs.",
        lambda session, config: mark_missed(session, clock.today(station_zone(config)))),
    Job("raise-notices", timedelta(hours=1), "Tell administrators and the station's chiefs of sync conflicts "
        "open over two days.", raise_notices),
    Job("deliver-webhooks", timedelta(seconds=15), "Send the city's systems the events they subscribed to, "
        "trying a failed delivery again with back-off (BEATLOG_WEBHOOK_MAX_ATTEMPTS).",
        lambda session, config: deliver(session, config)),
    Job("prune-webhook-events", timedelta(days=1), "Delete webhook events older than "
        "BEATLOG_WEBHOOK_RETENTION_DAYS that no subscriber still waits for, with their deliveries.",
        lambda session, config: prune_events(session, timedelta(days=config["WEBHOOK_RETENTION_DAYS"]))),
)}


def schedule(settings: Mapping[str, Any]) -> dict[str, timedelta]:
    """How often each job runs: its default, or what ``BEATLOG_UPKEEP_INTERVALS`` says."""
    unknown = sorted(set(settings["UPKEEP_INTERVALS"]) - set(JOBS))
    if unknown:
        raise RuntimeError(f"BEATLOG_UPKEEP_INTERVALS names no such job: {', '.join(unknown)} "
                         f"(the jobs: {', '.join(JOBS)})")
    return {name: timedelta(seconds=settings["UPKEEP_INTERVALS"].get(name, job.every.total_seconds()))
            for name, job in JOBS.items()}


@dataclass(frozen=True)
class Run:
    job: str
    counts: dict[str, int]
    duration: float
    error: Exception | None = None

    @property
    def outcome(self) -> str:
        return "failure" if self.error is not None else "success"

    def describe(self) -> str:
        removed = ", ".join(f"{item.replace('_', ' ')}: {count}" for item, count in self.counts.items())
        return f"{self.job}: {self.outcome} in {self.duration:.2f} s" + (f"; removed {removed}" if removed else "")


def run_job(job: Job, settings: Mapping[str, Any]) -> Run:
    """Run ``job`` once as a unit of work settled like a request's; a failure is rolled back, logged
    and measured, never raised (the worker carries on with the next run)."""
    session = db.session()
    started = time.perf_counter()
    try:
        counts = job.work(session, settings)
        settle(session, None)
    except Exception as error:
        settle(session, error)
        run = Run(job.name, {}, time.perf_counter() - started, error)
        log.exception("upkeep job %s failed", job.name,
                      extra={"job": job.name, "outcome": run.outcome, "duration": run.duration})
    else:
        run = Run(job.name, counts, time.perf_counter() - started)
        metrics.LAST_SUCCESS.labels(job.name).set(clock.now().timestamp())
        for item, count in counts.items():
            metrics.ITEMS.labels(job.name, item).inc(count)
        log.info("upkeep %s", run.describe(),
                 extra={"job": job.name, "outcome": run.outcome, "duration": run.duration, "counts": counts})
    metrics.RUNS.labels(job.name, run.outcome).inc()
    metrics.DURATION.labels(job.name).observe(run.duration)
    return run
