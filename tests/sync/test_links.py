"""The text of a venue's printed QR code, as the dashboard writes it and the handheld reads it."""

from __future__ import annotations

import uuid

import pytest

from sync.links import venue_id_in, venue_link


def test_a_venue_link_names_the_venue_it_was_made_for() -> None:
    venue_id = uuid.uuid4()
    assert venue_link(venue_id) == f"beatlog:venue?id={venue_id}"
    assert venue_id_in(f"  {venue_link(venue_id)}\n") == str(venue_id)


@pytest.mark.parametrize("scanned", ["", "https://example.com/?id=1", "beatlog:venue?id=not-a-uuid",
                                     "beatlog:venue?name=hotel", "beatlog:enrol?server=x&code=ABC"])
def test_anything_else_scanned_names_no_venue(scanned: str) -> None:
    assert venue_id_in(scanned) is None
