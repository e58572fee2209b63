"""The hashed JSON text (idempotency hash, audit chain), written by orjson: byte for byte what ``json`` writes."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from server.database import canonical_json

SCALARS = (st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text()
           | st.floats() | st.sampled_from([1e-05, 2.5e-9, 1e16, 1e22, 0.1, -0.0, 31.2304, 5e-324]))
DOCUMENTS = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                         | st.dictionaries(st.text(), inner, max_size=4), max_leaves=25)


def by_json(value: Any, ascii: bool) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=ascii, default=str)


@settings(max_examples=600, deadline=None)
@given(DOCUMENTS, st.booleans())
def test_canonical_text_is_the_text_json_writes_for_any_document(value: Any, ascii: bool) -> None:
    assert canonical_json(value, ascii=ascii) == by_json(value, ascii)


def test_canonical_text_is_json_text_for_the_spellings_orjson_writes_otherwise() -> None:
    for value in [{"nan": float("nan")}, [float("inf")], {"tiny": 1e-05, "b": 2.5e-09}, {"big": 2**64},
                  {"note": "登记簿\x7f\u2028😀", "键": ["é"]}, ("tuple",), {"z": 1, "a": {"y": 2, "b": 3}}, 1e-05,
                  {"venue_id": "1b5fa9aa-0e41-4e88-8bf4-4848c2ea4a2f", "at": 0.5, "low": -0.00002}]:
        for ascii in (True, False):
            assert canonical_json(value, ascii=ascii) == by_json(value, ascii)
