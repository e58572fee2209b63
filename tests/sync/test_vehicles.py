"""The vehicle file's fold (``sync.vehicles``): counts, the repeat window, the latest colour and make noted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sync.vehicles import Sighting, vehicle_file
from sync.work_orders import is_repeat

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_the_file_keeps_the_latest_colour_and_make_a_reporter_noted_whatever_order_reports_arrive_in() -> None:
    sightings = [Sighting(START + timedelta(days=2), make="大众"), Sighting(START, colour="白", make="丰田"),
                 Sighting(START + timedelta(days=1), colour="黑")]
    filed = vehicle_file("浙F12345", sightings)
    assert (filed["colour"], filed["make"], filed["report_count"]) == ("黑", "大众", 3)
    assert (filed["first_reported_at"], filed["last_reported_at"]) == (START, START + timedelta(days=2))


def test_recent_reports_are_those_a_later_report_could_count_and_the_fourth_in_thirty_days_is_flagged() -> None:
    days = [0, 40, 50, 60]
    filed = vehicle_file("浙F12345", [Sighting(START + timedelta(days=day)) for day in days])
    assert filed["recent_reports"] == [START + timedelta(days=day) for day in (40, 50, 60)]
    assert filed["flagged"] is False
    filed = vehicle_file("浙F12345", [Sighting(START + timedelta(days=day)) for day in [*days, 65]])
    assert filed["flagged"] is True
    later = START + timedelta(days=75)
    assert is_repeat(filed["recent_reports"], later) == is_repeat(
        [START + timedelta(days=day) for day in [*days, 65]], later)


def test_a_file_needs_a_report() -> None:
    with pytest.raises(ValueError, match="at least one report"):
        vehicle_file("浙F12345", [])
