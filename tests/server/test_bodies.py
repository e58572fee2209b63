"""The one JSON parser of request bodies: what it refuses, whatever path the text takes through it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.bodies import MAX_JSON_DEPTH, parse_json


def nested(depth: int, inner: str = "1") -> str:
    return '{"a":' * (depth - 1) + "[" + inner + "]" + "}" * (depth - 1)


@pytest.mark.parametrize("as_bytes", [True, False], ids=["bytes", "text"])
def test_a_document_nested_exactly_to_the_limit_is_read(as_bytes: bool) -> None:
    text = nested(MAX_JSON_DEPTH)
    assert parse_json(text.encode() if as_bytes else text) == json.loads(text)


@pytest.mark.parametrize("inner", ["1", '"\\u0000"', '"\\ud800"'], ids=["plain", "nul", "surrogate"])
@pytest.mark.parametrize("as_bytes", [True, False], ids=["bytes", "text"])
def test_a_document_one_level_deeper_than_the_limit_is_refused(as_bytes: bool, inner: str) -> None:
    text = nested(MAX_JSON_DEPTH + 1, inner)
    with pytest.raises(json.JSONDecodeError, match="Nested deeper"):
        parse_json(text.encode() if as_bytes else text)


@pytest.mark.parametrize("escape", ["\\u0000", "\\ud800", "\\uDFFF", "\\udBff"])
@pytest.mark.parametrize("as_bytes", [True, False], ids=["bytes", "text"])
def test_a_nul_or_lone_surrogate_escape_is_refused_among_clean_text(as_bytes: bool, escape: str) -> None:
    text = '{"a": ["月河宾馆", {"b": "x' + escape + 'y"}], "c": "消防通道畅通"}'
    with pytest.raises(json.JSONDecodeError):
        parse_json(text.encode() if as_bytes else text)


def test_a_lone_surrogate_in_text_given_as_a_string_is_refused() -> None:
    with pytest.raises(json.JSONDecodeError, match="surrogate"):
        parse_json('{"a": "\ud800"}')


def test_an_escaped_backslash_before_u0000_is_plain_text() -> None:
    assert parse_json(b'{"a": "\\\\u0000"}') == {"a": "\\u0000"}


def test_a_surrogate_pair_escape_is_read_as_one_character() -> None:
    assert parse_json(b'{"a": "\\ud83d\\ude93"}') == {"a": "\U0001f693"}


def test_a_scalar_document_is_read() -> None:
    assert parse_json(b'"x"') == "x" and parse_json(b"null") is None


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4), max_leaves=25)


def same(left: Any, right: Any) -> bool:
    """Equal, and of the same types all the way down (``1 == 1.0`` is not enough)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(same(left[key], right[key]) for key in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(map(same, left, right))
    return bool(left == right)


@settings(max_examples=500, deadline=None)
@given(JSON_VALUES, st.booleans())
def test_a_body_is_read_as_json_reads_it_whichever_parser_reads_it(value: Any, ensure_ascii: bool) -> None:
    text = json.dumps(value, ensure_ascii=ensure_ascii)
    if "\\u0000" in text or any(0xD800 <= ord(c) <= 0xDFFF for c in text) or "\\ud" in text.lower():
        return
    assert same(parse_json(text.encode()), json.loads(text))


@pytest.mark.parametrize("text", ["18446744073709551616", "[-9223372036854775809]", '{"n": 123456789012345678901234}',
                                  "1e400", "[-1e400]", '{"a": 1, "a": 2}', "0.30000000000000004", "-0.0", "1E2"])
def test_numbers_orjson_reads_otherwise_are_read_as_json_reads_them(text: str) -> None:
    assert same(parse_json(text.encode()), json.loads(text))


@pytest.mark.parametrize("text", ["NaN", "[Infinity]", "\ufeff{}", "[1,]", "01", '"\\x41"', "{} x", '"\\ud800"'])
def test_a_body_orjson_refuses_gets_the_error_json_gives(text: str) -> None:
    with pytest.raises(json.JSONDecodeError) as parsed:
        parse_json(text.encode())
    if text not in ("NaN", "[Infinity]", '"\\ud800"'):
        with pytest.raises(json.JSONDecodeError) as expected:
            json.loads(text)
        assert str(parsed.value) == str(expected.value)
