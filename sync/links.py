"""The text of a venue's printed QR code, written by the dashboard and read by the handheld."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlencode

VENUE_SCHEME = "beatlog:venue?"


def venue_link(venue_id: uuid.UUID | str) -> str:
    return f"{VENUE_SCHEME}{urlencode({'id': str(venue_id)})}"


def venue_id_in(text: str) -> str | None:
    """The venue id a scanned code names, or ``None`` when it is not a Beatlog venue code."""
    text = text.strip()
    if not text.startswith(VENUE_SCHEME):
        return None
    try:
        return str(uuid.UUID(parse_qs(text[len(VENUE_SCHEME):]).get("id", [""])[0]))
    except ValueError:
        return None
