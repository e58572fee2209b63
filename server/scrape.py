"""``GET /metrics``: the Prometheus text, for the addresses allowed to scrape it.

Who may scrape: a client whose address is in ``BEATLOG_METRICS_ALLOW`` (loopback only by
default). Behind a reverse proxy counted in ``BEATLOG_PROXY_HOPS`` that is the address the
proxy forwarded. A request that a proxy relayed (``X-Forwarded-For`` or ``Forwarded``) while
the server counts no proxy is refused whatever its address: it would seem to come from the
proxy's own address, loopback, so without this every client of a local nginx could scrape.
Anyone else gets the 404 of an unknown URL (the endpoint is not part of the public surface).

What a scrape holds: the process's metrics (``server/metrics.py``; every gunicorn worker's,
summed, when ``PROMETHEUS_MULTIPROC_DIR`` is set) and figures read from the database at
scrape time with a few cheap queries on a connection of their own. When the database does
not answer, the scrape still succeeds, with ``beatlog_database_up 0`` and without those figures.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from flask import Flask, Response, abort, current_app, request
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import Connection, case, func, or_, select, text
from sqlalchemy.exc import SQLAlchemyError

from server import replica
from server.access import public
from server.ledger import LEDGER_ROW
from server.metrics import multiprocess_directory
from server.models import Blob, Device, Ledger, QuarantinedMutation, SyncConflict
from server.models.base import utcnow

log = logging.getLogger(__name__)

PROXY_HEADERS = ("X-Forwarded-For", "Forwarded")
CONTACT_BUCKETS = (("within_1h", timedelta(hours=1)), ("within_1d", timedelta(days=1)),
                   ("within_7d", timedelta(days=7)))
STATEMENT_TIMEOUT_MS = 2000
STANDBY_UP = "1 when the scrape could read the standby (DATABASE_REPLICA_URL), else 0."


def init_app(app: Flask) -> None:
    app.add_url_rule("/metrics", "metrics", public(serve_metrics))


def serve_metrics() -> Response:
    if not scrape_allowed():
        abort(404)
    return Response(generate_latest(Scrape(current_app.extensions["sqlalchemy"].engine)),
                    content_type=CONTENT_TYPE_PLAIN_0_0_4)


def scrape_allowed() -> bool:
    if not current_app.config["PROXY_HOPS"] and any(name in request.headers for name in PROXY_HEADERS):
        return False
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in current_app.config["METRICS_ALLOW"])


class Scrape(Collector):
    """What one scrape exports: the process's (or all workers') metrics and the database's figures."""

    def __init__(self, engine: Any) -> None:
        directory = multiprocess_directory()
        self.counted: Collector = MultiProcessCollector(None, directory) if directory else REGISTRY
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        yield from self.counted.collect()
        yield from database_figures(self.engine)
        yield from standby_figures(self.engine)


def database_figures(engine: Any) -> Iterator[Metric]:
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}")
            figures = list(read_figures(connection))
    except SQLAlchemyError as error:
        log.warning("metrics: the database did not answer: %s", error)
        figures = []
    yield gauge("beatlog_database_up", "1 when the scrape could read the database's figures, else 0.",
                1 if figures else 0)
    yield from figures


def standby_figures(primary: Any) -> Iterator[Metric]:
    """How far the standby is behind, read at scrape time (nothing when there is no standby).

    The standby is read first: a change committed in between makes the figures larger, never
    smaller, than the lag was.
    """
    engine = replica.standby()
    if engine is None:
        return
    position = select(Ledger.seq).where(Ledger.id == LEDGER_ROW).scalar_subquery()
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}")
            replayed, standby_seq = connection.execute(
                select(text("pg_last_wal_replay_lsn()::text"), position)).one()
        with primary.connect() as connection:
            connection.exec_driver_sql(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}")
            lag_bytes, primary_seq = connection.execute(
                select(text("coalesce(pg_wal_lsn_diff(pg_current_wal_insert_lsn(), CAST(:replayed AS pg_lsn)), 0)"),
                       position), {"replayed": replayed}).one()
    except SQLAlchemyError as error:
        log.warning("metrics: the standby did not answer: %s", error)
        yield gauge("beatlog_replica_up", STANDBY_UP, 0)
        return
    yield gauge("beatlog_replica_up", STANDBY_UP, 1)
    yield gauge("beatlog_replica_lag_bytes", "WAL the primary has written that the standby has not replayed yet.",
                float(lag_bytes))
    yield gauge("beatlog_replica_lag_changes", "Synced changes committed on the primary that the standby has not "
                "replayed yet: pulls that need them go to the primary.", primary_seq - standby_seq)


def gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def read_figures(connection: Connection) -> Iterator[Metric]:
    now = utcnow()
    conflicts, oldest = connection.execute(
        select(func.count(), func.min(SyncConflict.created_at)).where(SyncConflict.status == "open")).one()
    yield gauge("beatlog_conflicts_open", "Conflicts waiting for an administrator.", conflicts)
    oldest_age = now - oldest if conflicts else timedelta(0)
    yield gauge("beatlog_conflict_oldest_open_age_seconds",
                "How long the oldest open conflict has waited (0 when none is open).", oldest_age.total_seconds())
    quarantined = connection.scalar(
        select(func.count()).select_from(QuarantinedMutation).where(QuarantinedMutation.status == "open"))
    yield gauge("beatlog_quarantine_open", "Refused mutations in quarantine waiting for a decision.", quarantined or 0)
    yield devices_by_last_contact(connection, now)
    audit_entries = connection.scalar(select(Ledger.audit_count).where(Ledger.id == LEDGER_ROW))
    yield gauge("beatlog_audit_entries", "Entries in the audit trail's hash chain.", audit_entries or 0)
    blobs, blob_bytes = connection.execute(select(func.count(), func.coalesce(func.sum(Blob.size), 0))).one()
    yield gauge("beatlog_blobs", "Photos and signatures stored.", blobs)
    yield gauge("beatlog_blob_bytes", "Bytes of the photos and signatures stored (the blob table's sizes).",
                blob_bytes)


def devices_by_last_contact(connection: Connection, now: Any) -> GaugeMetricFamily:
    """Devices not revoked, each in the first bucket its latest contact (request, push or pull) falls in."""
    def contacted_since(moment: Any) -> Any:
        return or_(Device.last_seen_at >= moment, Device.last_push_at >= moment, Device.last_pull_at >= moment)

    within = connection.execute(
        select(*(func.coalesce(func.sum(case((contacted_since(now - age), 1), else_=0)), 0)
                 for _, age in CONTACT_BUCKETS), func.count())
        .where(Device.revoked_at.is_(None))).one()
    family = GaugeMetricFamily("beatlog_devices", "Devices not revoked, by how long ago they last reached the "
                               "server: what they may hold unsent grows with it.", labels=["last_contact"])
    counted = 0
    for (label, _), cumulative in zip(CONTACT_BUCKETS, within, strict=False):
        family.add_metric([label], cumulative - counted)
        counted = cumulative
    family.add_metric(["older"], within[-1] - counted)
    return family
