"""The JSON text of a record's stored change entry, written by orjson: what json would write, read back alike."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from server.syncing.wire import wire_json

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
