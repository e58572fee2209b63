"""Deadlines and the week report at any size: counts per room from SQL, the items one bounded page at a time."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from flask import Flask

from server.dashboard import deadlines, inbox, reports
from server.models import Followup
from sync import clock
from tests.server.dashboard.conftest import Reviewer
from tests.server.dashboard.test_pages import change
from tests.world import CHINA, World


@pytest.fixture
def both_rooms_overdue(app: Flask, world: World) -> None:
    for room, days in (("A1", 5), ("A2", 3)):
        change(app, Followup, world.followups[room], world.people[f"officer_{room.lower()}"],
               due_date=clock.today(CHINA) - timedelta(days=days))


@pytest.mark.usefixtures("both_rooms_overdue")
def test_deadlines_count_every_room_but_list_one_page_of_items(
        reviewer: Reviewer, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deadlines, "PAGE_SIZE", 1)
    reviewer.sign_in("chief_a")
    first = reviewer.get("/dashboard/deadlines").get_data(as_text=True)
    assert f'room={world.rooms["A1"]}' in first and f'room={world.rooms["A2"]}' in first
    assert "Hotel in A1" in first and "Hotel in A2" not in first and "Page 1 of 2" in first
    second = reviewer.get("/dashboard/deadlines?page=2").get_data(as_text=True)
    assert "Hotel in A2" in second and "Hotel in A1" not in second and '<td class="overdue">3</td>' in second


@pytest.mark.usefixtures("both_rooms_overdue")
def test_a_rooms_count_leads_to_that_rooms_overdue_items_alone(reviewer: Reviewer, world: World) -> None:
    reviewer.sign_in("chief_a")
    page = reviewer.get(f"/dashboard/deadlines?room={world.rooms['A2']}").get_data(as_text=True)
    assert "Hotel in A2" in page and "Hotel in A1" not in page and "All rooms" in page
    assert '<span class="badge">1</span>' in page


def test_deadlines_ignore_a_room_or_page_that_is_not_one(reviewer: Reviewer) -> None:
    reviewer.sign_in("chief_a")
    assert reviewer.get("/dashboard/deadlines?room=nowhere&page=0").status_code == 200


def test_the_week_report_counts_per_room_and_hazard_and_lists_one_page(
        reviewer: Reviewer, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inbox, "PAGE_SIZE", 1)
    monkeypatch.setattr(reports, "PAGE_SIZE", 1)
    week = clock.today(CHINA) - timedelta(days=12)
    reviewer.sign_in("chief_a")
    page = reviewer.get(f"/dashboard/reports/week?start={week}").get_data(as_text=True)
    assert "2 inspections" in page and "Page 1 of 2" in page and f'room={world.rooms["A2"]}' in page
    assert page.count("Hotel in") == 1
    second = reviewer.get(f"/dashboard/reports/week?start={week}&page=2").get_data(as_text=True)
    assert second.count("Hotel in") == 1 and "Page 2 of 2" in second


def test_the_week_report_of_one_room_lists_that_rooms_inspections(reviewer: Reviewer, world: World) -> None:
    week = clock.today(CHINA) - timedelta(days=12)
    reviewer.sign_in("chief_a")
    page = reviewer.get(f"/dashboard/reports/week?start={week}&room={world.rooms['A2']}").get_data(as_text=True)
    assert "1 inspection" in page and "Hotel in A2" in page and "Hotel in A1" not in page


def test_a_deadlines_page_reads_only_the_rooms_it_spans_from_where_it_starts_in_the_first(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deadlines, "PAGE_SIZE", 3)
    rooms = [deadlines.RoomCount(uuid.uuid4(), name, count, date(2026, 1, 1)) for name, count in
             (("A", 2), ("B", 2), ("C", 5), ("D", 1))]
    assert deadlines.spanned(rooms, 1) == ([rooms[0].id, rooms[1].id], 0)
    assert deadlines.spanned(rooms, 2) == ([rooms[1].id, rooms[2].id], 1)
    assert deadlines.spanned(rooms, 4) == ([rooms[3].id], 0)
    assert deadlines.spanned(rooms, 5) == ([], 0)
