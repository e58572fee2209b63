"""The upkeep worker (``flask --app server worker``): APScheduler runs the jobs while this process leads.

Every worker contends for the upkeep lock (``leadership``) at once and then every
``BEATLOG_WORKER_LEADER_RETRY_SECONDS``. The one that takes it schedules every job: each runs
once at the takeover (a job that runs daily is not put off by a day each time the leader
changes; a run with nothing to do costs one query or two) and then at its interval. A
leader that finds it has lost the lock unschedules them. Jobs run one at a time, on one
thread, each in its own app context; the lock is checked on another, so a long job never
delays a takeover elsewhere.

The scheduler paces runs by elapsed time; what a job counts as old is measured from
``sync.clock``, like everything else on the server.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from prometheus_client import start_http_server
from sqlalchemy.engine import make_url

from server.upkeep import metrics
from server.upkeep.jobs import JOBS, Job, run_job, schedule
from server.upkeep.leadership import UpkeepLock, upkeep_lock

log = logging.getLogger(__name__)

CONTENDING = "contending"
"""The executor (one thread) that takes and checks the lock, apart from the jobs' own."""


class Stop(Exception):
    """SIGTERM: finish the job under way, let the lock go and exit."""


def _stop(_signal: int, _frame: FrameType | None) -> None:
    raise Stop


class Worker:
    def __init__(self, app: Flask, lock: UpkeepLock) -> None:
        self.app = app
        self.lock = lock
        self.every = schedule(app.config)
        self.leading = False
        self.mutex = threading.Lock()
        self.scheduler = BlockingScheduler(
            timezone=UTC,
            executors={"default": ThreadPoolExecutor(1), CONTENDING: ThreadPoolExecutor(1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        self.scheduler.add_job(self.contend, "interval", id="contend", executor=CONTENDING,
                               seconds=app.config["WORKER_LEADER_RETRY_SECONDS"])
        metrics.declare(JOBS)
        metrics.LEADER.set(0)

    def serve(self) -> None:
        """Run until SIGTERM or Ctrl-C; the job under way finishes first, then the lock goes."""
        signal.signal(signal.SIGTERM, _stop)
        log.info("upkeep worker started: jobs %s", ", ".join(
            f"{name} every {every.total_seconds():.0f} s" for name, every in self.every.items()))
        try:
            self.contend()
            self.scheduler.start()
        except (Stop, KeyboardInterrupt):
            log.info("upkeep worker stopping")
        finally:
            if self.scheduler.running:
                self.scheduler.shutdown(wait=True)
            with self.mutex:
                self.lock.release()
                metrics.LEADER.set(0)

    def contend(self) -> None:
        """Take the lock if free, or, leading, check it is still held."""
        with self.mutex:
            if self.leading:
                if not self.lock.holds():
                    self.step_down()
            elif self.lock.acquire():
                self.take_over()

    def take_over(self) -> None:
        log.info("upkeep worker leads: running the jobs")
        self.leading = True
        metrics.LEADER.set(1)
        self.scheduler.add_job(self.run_all, id="takeover", replace_existing=True)
        for name, every in self.every.items():
            self.scheduler.add_job(self.run, "interval", args=[JOBS[name]], id=name, seconds=every.total_seconds(),
                                   replace_existing=True)

    def step_down(self) -> None:
        log.warning("upkeep worker lost the upkeep lock: no longer running the jobs")
        self.leading = False
        metrics.LEADER.set(0)
        for job_id in ("takeover", *self.every):
            try:
                self.scheduler.remove_job(job_id)
            except JobLookupError:
                pass
        self.lock.release()

    def run_all(self) -> None:
        for job in JOBS.values():
            self.run(job)

    def run(self, job: Job) -> None:
        with self.mutex:
            if not self.leading:
                return
            if not self.lock.holds():
                self.step_down()
                return
        with self.app.app_context():
            run_job(job, self.app.config)


def serve_worker(app: Flask, metrics_port: int) -> None:
    """Be a worker until stopped, serving its metrics on 127.0.0.1 at ``metrics_port`` (0: not at all)."""
    worker = Worker(app, upkeep_lock(make_url(app.config["SQLALCHEMY_DATABASE_URI"])))
    served = start_http_server(metrics_port, addr="127.0.0.1", registry=metrics.REGISTRY) if metrics_port else None
    try:
        worker.serve()
    finally:
        if served is not None:
            served[0].shutdown()
