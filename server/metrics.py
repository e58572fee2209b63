"""What the server counts as it works, for Prometheus: requests, sync outcomes, ledger lock waits.

The metrics are prometheus_client's, kept by the process. Under gunicorn, set
``PROMETHEUS_MULTIPROC_DIR`` (an empty directory, before the workers start): every worker
then writes its values there and a scrape of any worker adds them all up
(``server/scrape.py``, which also reads the figures that live in the database). Hook
``child_exit`` into the gunicorn configuration so a dead worker's files are tidied.

Sync outcomes are counted when the transaction that decided them commits
(``server.transaction.on_commit``): a push that rolls back is resent by the device, and
counting it twice would report work that never happened.
"""

from __future__ import annotations

import os
from collections import Counter as Tally
from collections.abc import Iterable, Mapping
from typing import Any

from prometheus_client import Counter, Histogram, multiprocess

UNMATCHED = "unmatched"
"""The endpoint label of a request no route took (a 404, a 405): paths never become labels."""
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OUTCOMES = ("applied", "merged", "conflict", "duplicate", "rejected")

REQUEST_SECONDS = Histogram(
    "beatlog_http_request_duration_seconds",
    "Time from the request's arrival in the app to its answer, commit included.",
    ["endpoint", "method", "status"],
)
MUTATIONS = Counter(
    "beatlog_sync_mutations",
    "Pushed mutations by outcome, counted once committed; code is the refusal's for rejected ones.",
    ["outcome", "code"],
)
PULLED_RECORDS = Counter("beatlog_sync_pulled_records", "Changes sent in pull pages, counted once committed.")
REPLICA_READS = Counter(
    "beatlog_replica_reads",
    "Reads that could go to the standby (DATABASE_REPLICA_URL), by reader (pull, dashboard) and where they went: "
    "standby, or the primary because the standby was behind or unavailable.",
    ["reader", "served_by"],
)
LEDGER_LOCK_WAIT = Histogram(
    "beatlog_ledger_lock_wait_seconds",
    "Time a transaction waited for the ledger row's lock (writers queue on it).",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)

for _outcome in OUTCOMES[:-1]:
    MUTATIONS.labels(_outcome, "")  # so rate() sees each outcome from the start, not from its first


def observe_request(endpoint: str | None, method: str, status: int, seconds: float) -> None:
    label = method if method in METHODS else "other"
    REQUEST_SECONDS.labels(endpoint or UNMATCHED, label, str(status)).observe(seconds)


def push_counts(results: Iterable[Mapping[str, Any]]) -> tuple[dict[str, int], dict[str, int]]:
    """How many results had each outcome, and how many rejections had each code."""
    outcomes: Tally[str] = Tally()
    codes: Tally[str] = Tally()
    for result in results:
        outcomes[result["status"]] += 1
        if result["status"] == "rejected":
            codes[result["code"]] += 1
    return {outcome: outcomes[outcome] for outcome in OUTCOMES}, dict(codes)


def count_push(outcomes: Mapping[str, int], codes: Mapping[str, int]) -> None:
    for outcome, number in outcomes.items():
        if number and outcome != "rejected":
            MUTATIONS.labels(outcome, "").inc(number)
    for code, number in codes.items():
        MUTATIONS.labels("rejected", code).inc(number)


def count_pulled(records: int) -> None:
    PULLED_RECORDS.inc(records)


def count_replica_read(reader: str, served_by: str) -> None:
    REPLICA_READS.labels(reader, served_by).inc()


def observe_ledger_wait(seconds: float) -> None:
    LEDGER_LOCK_WAIT.observe(seconds)


def multiprocess_directory() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def child_exit(_server: Any, worker: Any) -> None:
    """gunicorn's ``child_exit`` hook: forget the exited worker's live gauges (its counts stay summed)."""
    directory = multiprocess_directory()
    if directory:
        multiprocess.mark_process_dead(worker.pid, directory)
