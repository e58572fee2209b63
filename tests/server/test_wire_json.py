"""The JSON text of a record's stored change entry, written by orjson: what json would write, read back alike."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from server.database import as_utf8, read_utf8, utf8
from server.extensions import db
from server.models import Venue
from server.syncing.wire import wire_json
from tests.world import World

SCALARS = st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text()
WIRE = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
                    max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(WIRE)
def test_wire_text_without_floats_is_the_text_json_writes(value: Any) -> None:
    assert wire_json(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(), st.floats(allow_nan=False, allow_infinity=False) | st.lists(st.floats(0, 1))))
def test_wire_text_with_floats_reads_back_the_same_values(value: dict[str, Any]) -> None:
    assert json.loads(wire_json(value)) == value


def test_wire_text_keeps_chinese_and_escapes_what_json_must() -> None:
    assert wire_json({"名称": "月河宾馆\n\"\\\x00"}) == '{"名称":"月河宾馆\\n\\"\\\\\\u0000"}'


def test_a_pull_reads_stored_wire_text_as_its_utf8_bytes_on_both_backends_and_other_reads_stay_text(
    app: Flask, world: World
) -> None:
    with app.app_context():
        connection = db.session.connection()
        through_utf8 = read_utf8(connection, select(Venue.name, utf8(Venue.wire).label("wire"))
                                 .where(Venue.id == world.venues["A1"]))
        plain = connection.execute(select(Venue.name, Venue.wire).where(Venue.id == world.venues["A1"])).one()
    assert len(through_utf8) == 1
    assert isinstance(through_utf8[0].wire, bytes) and isinstance(plain.wire, str)
    assert through_utf8[0].wire == plain.wire.encode() and "\\u" not in plain.wire
    assert json.loads(through_utf8[0].wire)["data"]["name"] == plain.name
    assert isinstance(through_utf8[0].name, (str, bytes)) and as_utf8(through_utf8[0].name) == plain.name.encode()
