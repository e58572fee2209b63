"""Plates as officers type them, as records keep them, and as screens show them."""

from __future__ import annotations

import pytest

from sync.plates import CANONICAL, PlateError, display, is_canonical, is_new_energy, normalise


@pytest.mark.parametrize(("typed", "kept"), [
    ("浙F·12345", "浙F12345"),
    ("浙f 1234a", "浙F1234A"),
    ("浙Ｆ１２３４５", "浙F12345"),
    ("浙F-D12345", "浙FD12345"),
    ("浙F12345D", "浙F12345D"),
    ("浙F1234学", "浙F1234学"),
    ("沪A·AB123", "沪AAB123"),
])
def test_a_plate_typed_with_a_dot_spaces_or_lower_case_is_kept_in_one_form(typed: str, kept: str) -> None:
    assert normalise(typed) == kept
    assert is_canonical(kept)


@pytest.mark.parametrize(("typed", "says"), [
    ("", "Enter the plate"),
    ("FF12345", "province"),
    ("浙112345", "second character"),
    ("浙I12345", "second character"),
    ("浙F1234", "7 characters"),
    ("浙F123456789", "7 characters"),
    ("浙F1234O", "I and O"),
    ("浙FA12345", "D or F"),
    ("浙F1234AD", "D or F"),
    ("浙F学1234", "I and O"),
])
def test_a_mistyped_plate_is_refused_with_what_to_check(typed: str, says: str) -> None:
    with pytest.raises(PlateError, match=says):
        normalise(typed)


def test_only_an_eight_character_plate_is_new_energy() -> None:
    assert is_new_energy("浙FD12345") and is_new_energy("浙F12345F")
    assert not is_new_energy("浙F12345")


def test_a_plate_is_shown_with_the_dot_after_the_issuing_office() -> None:
    assert display("浙F12345") == "浙F·12345"
    assert display("浙FD12345") == "浙F·D12345"
    assert display("not a plate") == "not a plate"


def test_the_canonical_pattern_is_anchored_so_a_schema_can_use_it_alone() -> None:
    assert CANONICAL.startswith("^") and CANONICAL.endswith("\\Z")
    assert not is_canonical("浙F12345 ") and not is_canonical("浙F12345\n")
