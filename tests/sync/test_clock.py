"""The one clock that server and handheld read "now" and "today" from."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from sync import clock

CHINA = timezone(timedelta(hours=8))


def test_a_clock_set_to_an_anchor_reads_it_and_runs_on_from_there() -> None:
    anchor = datetime(2031, 1, 1, 10, 0, tzinfo=CHINA)
    moved = clock.Clock.at(anchor)
    first = moved.now()
    assert timedelta(0) <= first - anchor < timedelta(seconds=5)
    assert moved.now() >= first and moved.today(CHINA) == date(2031, 1, 1)


def test_a_frozen_clock_never_moves() -> None:
    anchor = datetime(2031, 1, 1, 23, 59, tzinfo=CHINA)
    frozen = clock.Clock.at(anchor, frozen=True)
    assert frozen.now() == frozen.now() == anchor
    assert frozen.today(CHINA) == date(2031, 1, 1) and frozen.today(UTC) == date(2031, 1, 1)


def test_today_is_the_date_in_the_zone_asked_for() -> None:
    late_evening_utc = clock.Clock.at(datetime(2031, 3, 1, 20, 0, tzinfo=UTC), frozen=True)
    assert late_evening_utc.today(UTC) == date(2031, 3, 1)
    assert late_evening_utc.today(CHINA) == date(2031, 3, 2)


def test_a_process_started_from_the_environment_reads_the_same_time_as_its_parent() -> None:
    parent = clock.Clock.at(datetime(2031, 5, 5, 9, 0, tzinfo=CHINA))
    child = clock.Clock.from_environ({clock.ENVIRONMENT_VARIABLE: parent.environ_value()})
    assert abs(child.now() - parent.now()) < timedelta(milliseconds=50)


def test_without_the_variable_the_clock_is_the_systems() -> None:
    system = clock.Clock.from_environ({})
    assert abs(system.now() - datetime.now(UTC)) < timedelta(seconds=1)


@pytest.mark.parametrize("raw", ["tomorrow", "2031-01-01T10:00:00", "2031-01-01T10:00:00+08:00@soon"])
def test_a_malformed_clock_variable_stops_the_process_with_a_clear_message(raw: str) -> None:
    with pytest.raises(RuntimeError, match="BEATLOG_CLOCK"):
        clock.Clock.from_environ({clock.ENVIRONMENT_VARIABLE: raw})


def test_setting_the_clock_moves_every_reader_and_gives_back_the_one_it_replaced() -> None:
    anchor = datetime(2040, 2, 29, 12, 0, tzinfo=CHINA)
    previous = clock.set_clock(clock.Clock.at(anchor, frozen=True))
    try:
        assert clock.now() == anchor and clock.today(CHINA) == date(2040, 2, 29)
        assert clock.local_now() == anchor
    finally:
        clock.set_clock(previous)
    assert clock.current_clock() is previous


def test_now_as_text_is_utc_iso_and_device_time_keeps_its_offset_to_the_second() -> None:
    anchor = datetime(2040, 2, 29, 12, 0, 5, 123456, tzinfo=CHINA)
    previous = clock.set_clock(clock.Clock.at(anchor, frozen=True))
    try:
        assert clock.now_text() == "2040-02-29T04:00:05.123456+00:00"
        device = datetime.fromisoformat(clock.local_now_text())
        assert device == anchor.replace(microsecond=0) and device.utcoffset() == anchor.astimezone().utcoffset()
    finally:
        clock.set_clock(previous)
