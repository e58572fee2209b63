"""The three-way field merge."""

from __future__ import annotations

from sync.merge import three_way


def test_a_field_nobody_else_touched_takes_the_device_value() -> None:
    merge = three_way({"notes": "a"}, {"notes": "a", "name": "x"}, {"notes": "b"})
    assert (merge.applied, merge.conflicts) == ({"notes": "b"}, {})


def test_a_field_already_at_the_device_value_is_neither_applied_nor_a_conflict() -> None:
    merge = three_way({"notes": "a"}, {"notes": "b"}, {"notes": "b"})
    assert (merge.applied, merge.conflicts) == ({}, {})


def test_a_field_changed_on_both_sides_is_a_conflict_with_all_three_values() -> None:
    merge = three_way({"notes": "a", "phone": "1"}, {"notes": "c", "phone": "1"}, {"notes": "b", "phone": "2"})
    assert merge.applied == {"phone": "2"}
    assert merge.conflicts == {"notes": {"base": "a", "server": "c", "device": "b"}}


def test_without_a_base_any_difference_is_a_conflict() -> None:
    merge = three_way({}, {"notes": None}, {"notes": "b"})
    assert merge.conflicts == {"notes": {"base": None, "server": None, "device": "b"}}
    assert merge.applied == {}


def test_wall_clocks_play_no_part() -> None:
    merge = three_way({"visited_at": "2026-11-01T10:00:00+08:00"}, {"visited_at": "2026-11-02T10:00:00+08:00"},
                      {"visited_at": "2026-11-03T10:00:00+08:00"})
    assert list(merge.conflicts) == ["visited_at"]
