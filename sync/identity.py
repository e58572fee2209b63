"""Residents' identity documents (issue 18): checked as they are typed, and shown masked.

A resident identity card number (居民身份证号码, GB 11643-1999) is 18 characters: the 6-digit code
of the region that first issued it (GB/T 2260), the birth date ``YYYYMMDD``, a 3-digit sequence,
and a check digit (ISO 7064 MOD 11-2; ten is written ``X``). ``stdnum.cn.ric`` (python-stdnum)
knows the check digit and which region codes existed in the birth year; this module says which
part is wrong in words an officer can act on, and as early as the typing allows, so the handheld
can flag a mistyped birth date before the last four characters are in.

Masking is how every screen, list and export shows these fields unless a chief reveals one
record: ``330402********1234``, ``张*``, ``138****5678``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

RESIDENT_ID = re.compile(r"^[0-9]{17}[0-9X]\Z")
MESSAGES = {
    "format": "18 characters: 17 digits, then a digit or X.",
    "birth_date": "The birth date (characters 7 to 14) is not a real date, or is in the future.",
    "region": "The region code (the first 6 digits) is not one that issued cards in that birth year.",
    "check_digit": "The last character does not match the others: a character is mistyped.",
}


NOT_A_REGION = (StdnumError, KeyError)
"""What ``ric.get_birth_place`` raises for a code that names no county (a province's or a city's own
code, which issues no cards, ends in a ``KeyError`` in python-stdnum 2.2)."""


class DocumentError(ValueError):
    """A document number refused, with the part that is wrong (``code``, a key of ``MESSAGES``)."""

    def __init__(self, code: str) -> None:
        super().__init__(MESSAGES[code])
        self.code = code


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth_date: date
    province: str
    county: str


def normalise_resident_id(text: str) -> str:
    """As typed to as kept: no spaces, a capital X."""
    return re.sub(r"\s+", "", text).upper()


def check_resident_id(number: str, today: date) -> ResidentId:
    """The number's parts, or ``DocumentError`` naming the first wrong one (format, date, region, check digit)."""
    if not RESIDENT_ID.match(number):
        raise DocumentError("format")
    born = _birth_date(number, today)
    try:
        place = ric.get_birth_place(number)
    except NOT_A_REGION:
        raise DocumentError("region") from None
    if ric.calc_check_digit(number) != number[-1]:
        raise DocumentError("check_digit")
    return ResidentId(number, born, place.get("province", ""), place.get("county", ""))


def with_check_digit(first17: str) -> str:
    """The 18-character number whose first 17 are these: for synthetic numbers (the demo's, tests')."""
    return first17 + ric.calc_check_digit(first17 + "0")


def typing_problem(typed: str, today: date) -> str | None:
    """What is already wrong in a number typed so far (``MESSAGES``' code), or None while it may still be right."""
    if not re.match(r"^[0-9]{0,17}[0-9X]?\Z", typed) or ("X" in typed[:-1]) or (typed.endswith("X") and
                                                                               len(typed) < 18):
        return "format"
    if len(typed) >= 14:
        try:
            _birth_date(typed[:14] + "0000", today)
            ric.get_birth_place(typed[:14] + "0000")
        except DocumentError as error:
            return error.code
        except NOT_A_REGION:
            return "region"
    if len(typed) == 18:
        try:
            check_resident_id(typed, today)
        except DocumentError as error:
            return error.code
    return None


def _birth_date(number: str, today: date) -> date:
    try:
        born = ric.get_birth_date(number)
    except StdnumError:
        raise DocumentError("birth_date") from None
    if born > today:
        raise DocumentError("birth_date")
    return born


def mask_resident_id(number: str) -> str:
    """``330402********1234``: the region and the last four, enough to tell two residents apart on a list."""
    return number[:6] + "*" * (len(number) - 10) + number[-4:] if len(number) > 10 else "*" * len(number)


def mask_name(name: str) -> str:
    """``张*``, ``欧**``: the family name's first character."""
    return name[:1] + "*" * (len(name) - 1)


def mask_phone(phone: str) -> str:
    """``138****5678`` for a mobile number; otherwise every digit but the last four hidden."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 11:
        return f"{digits[:3]}****{digits[-4:]}"
    return "*" * max(len(digits) - 4, 0) + digits[-4:]
