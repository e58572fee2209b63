"""What leaves the dashboard for a chief's PC: exports that a spreadsheet cannot run."""

from __future__ import annotations

import csv
import io

import pytest
from flask import Flask

from server.models import Followup, Inspection
from tests.server.dashboard.conftest import Reviewer
from tests.server.dashboard.test_pages import change
from tests.world import World

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
