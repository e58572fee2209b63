"""The traffic figures the seed reports, from the work orders in scope, and their CSV export.

Per week: orders reported by kind and resolved by outcome; the median time from dispatch to
acceptance and to resolution; and the two figures the district counts, 违停查处量 (illegal
parking resolved by a ticket or by the owner moving the car) and 僵尸车清理量 (abandoned vehicles
towed or removed), each beside the same weeks a year before. Counts are made in SQL by week;
the medians are taken over the window's orders, one row each.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import Response, render_template, stream_with_context
from flask_babel import gettext as _
from sqlalchemy import Select, func
from sqlalchemy.orm import aliased

from server.access import current_scope
from server.dashboard import bp
from server.dashboard.auth import page
from server.dashboard.figures import bar_chart, counted, week_number, week_of
from server.dashboard.orders import ORDER_PAGES
from server.dashboard.present import day_start, station_time, station_today, word
from server.dashboard.reports import csv_lines, streamed
from server.extensions import db
from server.models import Person, Room, WorkOrder
from server.replica import reads_primary
from sync import vocab

WEEKS = 8
YEAR = timedelta(weeks=52)
CLEARED = {
    "parking_enforced": ("illegal_parking", ("ticketed", "moved_by_owner")),
    "vehicles_cleared": ("abandoned_vehicle", ("towed", "moved_by_owner")),
}
"""违停查处量 and 僵尸车清理量: the kind of order and the outcomes that count."""


@dataclass
class Cleared:
    name: str
    now: int
    year_before: int

    @property
    def change(self) -> int | None:
        """The change against the same weeks a year before, in per cent (None when there were none)."""
        return round(100 * (self.now - self.year_before) / self.year_before) if self.year_before else None


def weekly(first_week: date, column: Any, by: Any, since: date) -> dict[tuple[int, str], int]:
    """Orders in scope counted per (week of ``column``, value of ``by``), from ``since``."""
    starts = [day_start(first_week + timedelta(weeks=n)) for n in range(WEEKS + 1)]
    week = week_number(column, starts)
    statement = current_scope().select(WorkOrder).with_only_columns(week, by, func.count()) \
        .where(WorkOrder.deleted.is_(False), column >= day_start(since), column < starts[-1]).group_by(week, by)
    return {(number, value): count for number, value, count in db.session.execute(statement) if number >= 0}


def cleared(start: date, end: date) -> dict[str, int]:
    """违停查处量 and 僵尸车清理量 for orders resolved from ``start`` up to ``end`` (station days)."""
    counts = {}
    for name, (kind, outcomes) in CLEARED.items():
        counts[name] = db.session.scalar(current_scope().select(WorkOrder).with_only_columns(
            counted((WorkOrder.kind == kind) & WorkOrder.outcome.in_(outcomes))).where(
            WorkOrder.deleted.is_(False), WorkOrder.resolved_at >= day_start(start),
            WorkOrder.resolved_at < day_start(end))) or 0
    return counts


def median_minutes(since: date) -> dict[str, float | None]:
    """Median minutes from dispatch to acceptance and to resolution, over orders dispatched since ``since``.

    A reopened order is left out: its times are its last round's, which the dispatch time does not start.
    """
    rows = db.session.execute(current_scope().select(WorkOrder).with_only_columns(
        WorkOrder.dispatched_at, WorkOrder.accepted_at, WorkOrder.resolved_at).where(
        WorkOrder.deleted.is_(False), WorkOrder.dispatched_at >= day_start(since), WorkOrder.reopen_count == 0)).all()

    def median(ends: list[Any]) -> float | None:
        spans = [(end - start).total_seconds() / 60 for start, end in ends if end is not None]
        return round(statistics.median(spans)) if spans else None

    return {"accept": median([(row[0], row[1]) for row in rows]),
            "resolve": median([(row[0], row[2]) for row in rows])}


@bp.route("/orders/figures")
@page(*ORDER_PAGES)
def order_figures() -> str:
    today = station_today()
    first_week = week_of(today) - timedelta(weeks=WEEKS - 1)
    end = first_week + timedelta(weeks=WEEKS)
    reported = weekly(first_week, WorkOrder.reported_at_utc, WorkOrder.kind, first_week)
    resolved = weekly(first_week, WorkOrder.resolved_at, WorkOrder.outcome, first_week)
    labels = [f"{(first_week + timedelta(weeks=n)).month}/{(first_week + timedelta(weeks=n)).day}"
              for n in range(WEEKS)]
    by_kind = {kind: [reported.get((n, kind), 0) for n in range(WEEKS)] for kind in vocab.WORK_ORDER_KINDS}
    by_outcome = {outcome: [resolved.get((n, outcome), 0) for n in range(WEEKS)]
                  for outcome in vocab.WORK_ORDER_OUTCOMES}
    totals = [sum(counts[n] for counts in by_kind.values()) for n in range(WEEKS)]
    now, before = cleared(first_week, end), cleared(first_week - YEAR, end - YEAR)
    return render_template(
        "dashboard/order_figures.html", labels=labels, by_kind=by_kind, by_outcome=by_outcome,
        chart=bar_chart(list(zip(labels, totals, strict=True))), medians=median_minutes(first_week),
        cleared=[Cleared(name, now[name], before[name]) for name in CLEARED], first_week=first_week,
        last_day=end - timedelta(days=1), year_before=(first_week - YEAR, end - YEAR - timedelta(days=1)))


def exported() -> Select:
    """Every order in scope, newest report first, as the columns the export writes."""
    reporter, assignee = aliased(Person), aliased(Person)
    return current_scope().select(WorkOrder).with_only_columns(
        WorkOrder.id, WorkOrder.reported_at_utc, WorkOrder.kind, WorkOrder.plate, WorkOrder.address, Room.name,
        reporter.display_name, WorkOrder.status, assignee.display_name, WorkOrder.dispatched_at,
        WorkOrder.accepted_at, WorkOrder.resolved_at, WorkOrder.outcome, WorkOrder.ticket_number,
        WorkOrder.closed_at, WorkOrder.reopen_count, WorkOrder.repeat_plate) \
        .join(Room, Room.id == WorkOrder.room_id).join(reporter, reporter.id == WorkOrder.officer_id) \
        .outerjoin(assignee, assignee.id == WorkOrder.assignee_id).where(WorkOrder.deleted.is_(False)) \
        .order_by(WorkOrder.reported_at_utc.desc(), WorkOrder.id)


def order_rows(orders: Iterator[Any]) -> Iterator[list[Any]]:
    yield ["ID", _("Reported (station time)"), _("What"), _("Plate"), _("Where"), _("Room"), _("Reported by"),
           _("State"), _("Traffic officer"), _("Dispatched"), _("Accepted"), _("Resolved"), _("Outcome"),
           _("Ticket number"), _("Closed"), _("Reopened"), _("Repeat")]
    for (order_id, reported, kind, plate, address, room, reporter, status, assignee, dispatched, accepted,
         resolved, outcome, ticket, closed, reopened, repeat) in orders:
        yield [order_id, station_time(reported), word("work_order_kind", kind), plate, address, room, reporter,
               word("work_order_status", status), assignee or "", station_time(dispatched), station_time(accepted),
               station_time(resolved), word("outcome", outcome), ticket, station_time(closed), reopened,
               _("Yes") if repeat else ""]


@bp.route("/orders.csv")
@reads_primary
@page(*ORDER_PAGES)
def orders_csv() -> Response:
    """Every work order in scope, for a spreadsheet, streamed like the inbox's export."""
    name = f"beatlog-work-orders-{station_today().isoformat()}.csv"
    rows = order_rows(streamed(exported()))
    return Response(stream_with_context(csv_lines(rows)), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
