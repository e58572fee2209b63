"""Reading requests: the size limit holds for streamed bodies too, and text is storable.

Every JSON body the server reads (``request.get_json``, webargs, the sync push) is parsed by
``parse_json``: nesting deeper than ``MAX_JSON_DEPTH``, a lone UTF-16 surrogate or a NUL
character (which PostgreSQL cannot store) is invalid JSON, a 400, instead of a crash deep
inside the request. Query strings and forms with a NUL are refused before any view runs.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, Request, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.exceptions import RequestEntityTooLarge

from server.errors import ApiError

MAX_JSON_DEPTH = 32


def parse_json(text: str | bytes) -> Any:
    """The JSON document in ``text``; ``json.JSONDecodeError`` when it is not one Beatlog accepts."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            raise json.JSONDecodeError(f"Not UTF-8: {error.reason}", "?", error.start) from None
    try:
        document = json.loads(text)
        _check(document)
    except (RecursionError, Unstorable) as error:
        reason = str(error) if isinstance(error, Unstorable) else TOO_DEEP
        raise json.JSONDecodeError(reason, text, 0) from None
    return document


TOO_DEEP = f"Nested deeper than {MAX_JSON_DEPTH} levels."


class Unstorable(ValueError):
    """Well-formed JSON that Beatlog does not take."""


def _check(document: Any) -> None:
    """Walk the document without recursion: depth and strings a database can store."""
    pending = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            _check_text(value)
        elif isinstance(value, (list, dict)):
            if depth > MAX_JSON_DEPTH:
                raise Unstorable(TOO_DEEP)
            if isinstance(value, dict):
                for key in value:
                    _check_text(key)
                value = value.values()
            pending.extend((each, depth + 1) for each in value)


def _check_text(value: str) -> None:
    if "\x00" in value:
        raise Unstorable(NUL)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise Unstorable("A string holds a lone UTF-16 surrogate.") from None


NUL = "Text holds a NUL character."


def refuse_nul_characters() -> None:
    """Before every request: a query or form value with a NUL is a 400 naming the field."""
    sent = request.args if request.method in ("GET", "HEAD") else CombinedMultiDict([request.args, request.form])
    fields = {name: [NUL] for name, value in sent.items(multi=True) if "\x00" in name + value}
    if fields:
        raise ApiError(400, "invalid_text", NUL, fields)


def init_app(app: Flask) -> None:
    app.request_class = BodyRequest
    app.json = JSONProvider(app)
    app.before_request(refuse_nul_characters)


class JSONProvider(DefaultJSONProvider):
    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return parse_json(s)


class BodyRequest(Request):
    """A request whose streamed (chunked) body over the size limit is a 413, not cut short.

    Werkzeug stops reading a body without ``Content-Length`` at ``MAX_CONTENT_LENGTH`` and
    returns what it read; one more read past the limit makes it raise the 413 instead.
    """

    def get_data(self, cache: bool = True, as_text: bool = False, parse_form_data: bool = False) -> Any:
        first_read = getattr(self, "_cached_data", None) is None
        data = super().get_data(cache=cache, as_text=False, parse_form_data=parse_form_data)
        limit = self.max_content_length
        if first_read and limit is not None and len(data) >= limit and self.stream.read(1):
            raise RequestEntityTooLarge()
        return data.decode(errors="replace") if as_text else data
