"""Finding text the same way on the server and on the handheld: SQL ``LIKE``, the officer's words taken literally.

Both SQLite (the handheld's store, the server's tests) and PostgreSQL read the pattern with
``ESCAPE '\\'``, so one escaping serves both sides.
"""

from __future__ import annotations

LIKE_ESCAPE = "\\"


def like_literal(text: str) -> str:
    """``text`` inside a ``LIKE`` pattern, its ``%`` and ``_`` not wildcards."""
    return text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")


def like_containing(text: str) -> str:
    """A ``LIKE`` pattern for values containing ``text``, where its ``%`` and ``_`` are not wildcards."""
    return f"%{like_literal(text)}%"
