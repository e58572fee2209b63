"""Chinese vehicle number plates (GA 36-2018): read as typed, kept in one form, shown with the dot.

A plate is a province's one-character abbreviation, the issuing office's letter, then the
serial: five characters on an ordinary plate (浙F·12345, the last may be 挂, 学, 警, 港, 澳 or
领), six on a new-energy one (浙F·D12345 for a small car, 浙F·12345D for a large one). The
letters I and O are never used, so they cannot be mistaken for 1 and 0.

Records keep the canonical form (no dot, no space, capital letters: ``浙F12345``), which is
what a vehicle file is keyed by; ``display`` adds the dot back.
"""

from __future__ import annotations

import re
import unicodedata

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
"""The 31 provincial abbreviations, in the order a plate keyboard lists them."""

LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
"""The letters a plate uses: the Latin alphabet without I and O."""

SUFFIXES = "挂学警港澳领"
"""The characters that may end an ordinary plate in place of its last serial character."""

_SERIAL = f"[{LETTERS}0-9]"
CANONICAL = (
    f"^[{PROVINCES}][{LETTERS}]"
    f"(?:{_SERIAL}{{4}}(?:{_SERIAL}|[{SUFFIXES}])"
    f"|[DF]{_SERIAL}[0-9]{{4}}"
    f"|[0-9]{{5}}[DF])\\Z"
)
"""A plate in canonical form: ordinary (7 characters) or new-energy (8 characters). It ends with
``\\Z``, not ``$``, which would also let a final newline through."""

_CANONICAL = re.compile(CANONICAL)
_SEPARATORS = re.compile(r"[\s·•・.\-]")


class PlateError(ValueError):
    """What is wrong with a typed plate, in words an officer can act on."""


def normalise(typed: str) -> str:
    """The canonical form of a plate as typed (full-width, lower case, a dot or spaces allowed).

    Raises ``PlateError`` when the result is not a valid plate.
    """
    plate = _SEPARATORS.sub("", unicodedata.normalize("NFKC", typed)).upper()
    if not plate:
        raise PlateError("Enter the plate number.")
    if plate[0] not in PROVINCES:
        raise PlateError("A plate starts with a province's character, such as 浙.")
    if len(plate) < 2 or plate[1] not in LETTERS:
        raise PlateError("The second character is a letter (not I or O).")
    if len(plate) not in (7, 8):
        raise PlateError("A plate has 7 characters, or 8 on a new-energy vehicle.")
    if not _CANONICAL.match(plate):
        raise PlateError("This is not a plate number: check the letters I and O, and a new-energy plate's D or F.")
    return plate


def is_canonical(plate: str) -> bool:
    return bool(_CANONICAL.match(plate))


def is_new_energy(plate: str) -> bool:
    return len(plate) == 8


def display(plate: str) -> str:
    """``浙F12345`` → ``浙F·12345``; any other text is returned as it is."""
    return f"{plate[:2]}·{plate[2:]}" if is_canonical(plate) else plate
