"""Resident identity numbers checked as typed and as kept, and the masks every screen shows."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.identity import (
    DocumentError,
    check_resident_id,
    mask_name,
    mask_phone,
    mask_resident_id,
    normalise_resident_id,
    typing_problem,
    with_check_digit,
)

TODAY = date(2026, 6, 15)
SAMPLE = "11010519491231002X"
"""GB 11643's own example: issued in 北京市朝阳区, born 1949-12-31."""



def test_a_valid_number_gives_its_birth_date_and_region() -> None:
    found = check_resident_id(normalise_resident_id(" 1101051949 1231002x "), TODAY)
    assert (found.number, found.birth_date, found.province, found.county) == (
        SAMPLE, date(1949, 12, 31), "北京市", "朝阳区")


@pytest.mark.parametrize(("number", "code"), [
    ("11010519491231002", "format"), ("1101051949123100XX", "format"), ("A1010519491231002X", "format"),
    (with_check_digit("11010519491331002"), "birth_date"), (with_check_digit("11010520300101002"), "birth_date"),
    (with_check_digit("99010519491231002"), "region"), ("110105194912310021", "check_digit"),
])
def test_a_wrong_number_is_refused_naming_the_part_that_is_wrong(number: str, code: str) -> None:
    with pytest.raises(DocumentError) as refused:
        check_resident_id(number, TODAY)
    assert refused.value.code == code


def test_a_number_is_flagged_while_typed_as_soon_as_a_part_is_wrong() -> None:
    assert [typing_problem(SAMPLE[:length], TODAY) for length in (0, 6, 13, 14, 17, 18)] == [None] * 6
    assert typing_problem("11010519491331", TODAY) == "birth_date"
    assert typing_problem("99010519491231", TODAY) == "region"
    assert typing_problem("1101X5", TODAY) == "format"
    assert typing_problem("110105194912310021", TODAY) == "check_digit"


@given(born=st.dates(date(1900, 1, 1), TODAY), sequence=st.integers(0, 999), position=st.integers(0, 16),
       shift=st.integers(1, 9))
def test_every_real_number_passes_and_any_one_mistyped_digit_is_caught(
        born: date, sequence: int, position: int, shift: int) -> None:
    number = with_check_digit(f"110105{born:%Y%m%d}{sequence:03d}")
    assert check_resident_id(number, TODAY).birth_date == born
    digit = str((int(number[position]) + shift) % 10)
    mistyped = number[:position] + digit + number[position + 1:]
    with pytest.raises(DocumentError):
        check_resident_id(mistyped, TODAY)


def test_a_birth_date_after_today_is_refused_whatever_today_is() -> None:
    tomorrow = TODAY + timedelta(days=1)
    number = with_check_digit(f"110105{tomorrow:%Y%m%d}002")
    with pytest.raises(DocumentError):
        check_resident_id(number, TODAY)
    assert check_resident_id(number, tomorrow).birth_date == tomorrow


def test_masks_keep_only_what_tells_two_people_apart_on_a_list() -> None:
    assert mask_resident_id("330402199001011234") == "330402********1234"
    assert (mask_name("张三"), mask_name("欧阳娜娜"), mask_name("")) == ("张*", "欧***", "")
    assert (mask_phone("13812345678"), mask_phone("0573-8212 3456")) == ("138****5678", "********3456")
