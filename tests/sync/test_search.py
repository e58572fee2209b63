"""One LIKE escaping for the server's and the handheld's searches."""

from __future__ import annotations

import sqlite3

import pytest

from sync.search import LIKE_ESCAPE, like_containing

NAMES = ["100%网吧", "1000网吧", "a_b 旅馆", "axb 旅馆", "back\\slash", "backslash"]


@pytest.mark.parametrize(("typed", "found"), [
    ("100%", ["100%网吧"]), ("a_b", ["a_b 旅馆"]), ("\\", ["back\\slash"]), ("网吧", ["100%网吧", "1000网吧"]),
])
def test_what_the_officer_types_is_found_literally_never_as_a_wildcard(typed: str, found: list[str]) -> None:
    database = sqlite3.connect(":memory:")
    database.execute("CREATE TABLE venue (name TEXT)")
    database.executemany("INSERT INTO venue VALUES (?)", [(name,) for name in NAMES])
    rows = database.execute("SELECT name FROM venue WHERE name LIKE ? ESCAPE ? ORDER BY name",
                            (like_containing(typed), LIKE_ESCAPE)).fetchall()
    assert [name for (name,) in rows] == found
