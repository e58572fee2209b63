"""The one JSON parser of request bodies: what it refuses, whatever path the text takes through it."""

from __future__ import annotations

import json

import pytest

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
