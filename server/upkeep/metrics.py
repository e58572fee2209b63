"""What the worker measures, per job, in a registry of its own that the worker serves on loopback.

The web app's ``/metrics`` is another registry; the worker runs as its own process and
Prometheus scrapes it there (``BEATLOG_WORKER_METRICS_PORT``).
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry()

RUNS = Counter("beatlog_upkeep_runs", "Upkeep job runs, by outcome (success or failure).", ["job", "outcome"],
               registry=REGISTRY)
DURATION = Histogram("beatlog_upkeep_duration_seconds", "How long an upkeep job run took, commit included.",
                     ["job"], registry=REGISTRY, buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900))
ITEMS = Counter("beatlog_upkeep_items", "Rows upkeep jobs removed, by job and kind of row.", ["job", "item"],
                registry=REGISTRY)
LAST_SUCCESS = Gauge("beatlog_upkeep_last_success_timestamp_seconds",
                     "When each upkeep job last succeeded (Unix time, by the server's clock).", ["job"],
                     registry=REGISTRY)
LEADER = Gauge("beatlog_worker_leader", "1 while this worker holds the upkeep lock and runs the jobs, else 0.",
               registry=REGISTRY)


def declare(jobs: Iterable[str]) -> None:
    """Start every job's run counters at zero, so a job that never ran shows as such, not as absent."""
    for job in jobs:
        for outcome in ("success", "failure"):
            RUNS.labels(job, outcome)
