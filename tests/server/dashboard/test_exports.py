"""What leaves the dashboard for a chief's PC: exports that a spreadsheet cannot run."""

from __future__ import annotations

import csv
import gzip
import io
import uuid
from collections.abc import Iterator
from datetime import datetime, time, timedelta

import pytest
from flask import Flask
from sqlalchemy import select, update

from server.dashboard import reports
from server.extensions import db
from server.models import Followup, Inspection
from server.syncing.change import write_record
from sync import clock
from tests.server.dashboard.conftest import Reviewer
from tests.server.dashboard.test_pages import change
from tests.world import CHINA, World

FORMULAS = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "\t=1", "\r=1"]


def exported_rows(reviewer: Reviewer, kind: str) -> list[list[str]]:
    text = reviewer.get(f"/dashboard/inbox.csv?kind={kind}").get_data(as_text=True)
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))


@pytest.mark.parametrize("formula", FORMULAS)
def test_officer_text_that_a_spreadsheet_would_run_is_exported_as_text(
    reviewer: Reviewer, world: World, app: Flask, formula: str
) -> None:
    change(app, Inspection, world.inspections["A1"], world.people["officer_a1"], findings=formula)
    change(app, Followup, world.followups["A1"], world.people["officer_a1"], outcome=formula)
    reviewer.sign_in("chief_a")
    for kind, column in (("inspection", "Findings"), ("followup", "Outcome")):
        rows = exported_rows(reviewer, kind)
        cells = [row[rows[0].index(column)] for row in rows[1:]]
        assert "'" + formula in cells and formula not in cells


def test_ordinary_text_is_exported_unchanged(reviewer: Reviewer, world: World, app: Flask) -> None:
    change(app, Inspection, world.inspections["A1"], world.people["officer_a1"], findings="消防通道堵塞 - 已整改")
    reviewer.sign_in("chief_a")
    rows = exported_rows(reviewer, "inspection")
    assert "消防通道堵塞 - 已整改" in [row[rows[0].index("Findings")] for row in rows[1:]]


def test_exported_headers_follow_the_language_of_the_pages(reviewer: Reviewer, world: World) -> None:
    reviewer.sign_in("chief_a")
    reviewer.get("/dashboard/inbox?lang=zh")
    inspections, followups = exported_rows(reviewer, "inspection")[0], exported_rows(reviewer, "followup")[0]
    assert inspections[:5] == ["ID", "警务室", "民警", "场所", "场所类型"]
    assert "隐患等级" in inspections and "审核意见" in inspections and "满意度" in followups
    assert not [header for header in inspections + followups if header != "ID" and header.isascii()]


@pytest.fixture
def more_inspections(app: Flask, world: World) -> Iterator[list[uuid.UUID]]:
    """Five more inspections of A1's hotel, a day apart (added to the test world, which is rebuilt per test)."""
    with app.app_context():
        made = []
        for days in range(5):
            inspection = Inspection(venue_id=world.venues["A1"], room_id=world.rooms["A1"],
                                    officer_id=world.people["officer_a1"], template_id=world.template,
                                    template_version=1, checklist={}, status="submitted")
            inspection.inspected_at = datetime.combine(clock.today(CHINA) - timedelta(days=days), time(9), CHINA)
            write_record(db.session, inspection, "create", actor_id=world.people["officer_a1"])
            made.append(inspection.id)
        db.session.commit()
    yield made


def test_the_export_streams_every_row_in_the_inbox_order_batch_after_batch(
        reviewer: Reviewer, app: Flask, more_inspections: list[uuid.UUID], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reports, "EXPORT_BATCH", 2)
    reviewer.sign_in("admin")
    with app.app_context():
        newest_first = [str(log_id) for log_id in db.session.scalars(
            select(Inspection.id).order_by(Inspection.inspected_at_utc.desc(), Inspection.id))]
    response = reviewer.get("/dashboard/inbox.csv?kind=inspection")
    assert response.is_streamed
    assert [row[0] for row in exported_rows(reviewer, "inspection")[1:]] == newest_first
    assert len(newest_first) == 8 and set(map(str, more_inspections)) <= set(newest_first)


def test_the_export_reads_the_database_only_as_the_rows_are_sent(
        reviewer: Reviewer, app: Flask, more_inspections: list[uuid.UUID]) -> None:
    """The response leaves the view unread; a log written before the body is read is in it (no row was read early)."""
    reviewer.sign_in("admin")
    response = reviewer.client.get("/dashboard/inbox.csv?kind=inspection", buffered=False)
    first = next(iter(response.response))
    assert first == "\ufeff".encode()
    with app.app_context():
        db.session.execute(update(Inspection).where(Inspection.id == more_inspections[0]).values(findings="后来写的"))
        db.session.commit()
    body = first + b"".join(chunk if isinstance(chunk, bytes) else chunk.encode() for chunk in response.response)
    response.close()
    assert "后来写的" in body.decode()


def test_a_streamed_export_goes_as_one_gzip_stream_to_a_client_that_accepts_it(
        reviewer: Reviewer, more_inspections: list[uuid.UUID], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reports, "EXPORT_BATCH", 2)
    reviewer.sign_in("admin")
    plain = reviewer.get("/dashboard/inbox.csv?kind=inspection").get_data()
    zipped = reviewer.get("/dashboard/inbox.csv?kind=inspection", headers={"Accept-Encoding": "gzip"})
    assert zipped.is_streamed and zipped.headers["Content-Encoding"] == "gzip"
    assert "Content-Length" not in zipped.headers
    assert gzip.decompress(zipped.get_data()) == plain and str(more_inspections[0]).encode() in plain

