"""Reading requests: gzip bodies inflate, the size limit holds for streamed and inflated bodies too,
and text is storable.

A body sent with ``Content-Encoding: gzip`` is inflated as it is read (``BodyRequest.stream``),
so every reader (the push, other JSON endpoints, blob uploads) gets the plain bytes. The
limit ``MAX_CONTENT_LENGTH`` applies to the inflated bytes and inflating stops at it, so a zip
bomb costs at most the limit in memory: a 413. A body that is not valid gzip is
``400 invalid_gzip``; any other encoding is ``415 unsupported_content_encoding``, refused
before anything reads the body.

Every JSON body the server reads (``request.get_json``, webargs, the sync push) is parsed by
``parse_json``: nesting deeper than ``MAX_JSON_DEPTH``, a lone UTF-16 surrogate or a NUL
character (which PostgreSQL cannot store), or ``NaN``/``Infinity`` (which Python's parser
takes but JSON has not, and a JSON column would keep as ``null``) is invalid JSON, a 400,
instead of a crash deep inside the request or a value stored other than as sent. Query
strings and forms with a NUL are refused before any view runs.
"""

from __future__ import annotations

import io
import json
import re
import zlib
from typing import IO, Any

from flask import Flask, Request, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import cached_property

from server.errors import ApiError

MAX_JSON_DEPTH = 32


def parse_json(text: str | bytes) -> Any:
    """The JSON document in ``text``; ``json.JSONDecodeError`` when it is not one Beatlog accepts."""
    if isinstance(text, bytes):
        try:
            decoded = text.decode("utf-8")
        except UnicodeDecodeError as error:
            raise json.JSONDecodeError(f"Not UTF-8: {error.reason}", "?", error.start) from None
        escaped = SUSPECT_ESCAPE.search(text) is not None
    else:
        decoded, escaped = text, True
    try:
        document = json.loads(decoded, parse_constant=_refuse_constant)
        _check_depth(document)
        if escaped:
            _check_strings(document)
    except (RecursionError, Unstorable) as error:
        reason = str(error) if isinstance(error, Unstorable) else TOO_DEEP
        raise json.JSONDecodeError(reason, decoded, 0) from None
    return document


TOO_DEEP = f"Nested deeper than {MAX_JSON_DEPTH} levels."


def _refuse_constant(name: str) -> Any:
    """``NaN`` and ``Infinity`` are not JSON, and no column could keep them as sent."""
    raise Unstorable(f"{name} is not a JSON number.")

SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
"""A NUL or a surrogate escape. Valid UTF-8 holds neither a surrogate nor (in a JSON string) a bare
NUL, so only text with such an escape needs its strings checked one by one."""


class Unstorable(ValueError):
    """Well-formed JSON that Beatlog does not take."""


def _check_depth(document: Any) -> None:
    """Containers no deeper than the limit, one level at a time (the document holds only JSON types)."""
    level = [document] if type(document) in (dict, list) else []
    depth = 0
    while level:
        depth += 1
        if depth > MAX_JSON_DEPTH:
            raise Unstorable(TOO_DEEP)
        inner: list[Any] = []
        for container in level:
            inner += [value for value in (container.values() if type(container) is dict else container)
                      if type(value) is dict or type(value) is list]
        level = inner


def _check_strings(document: Any) -> None:
    """Every key and string one a database can store (the depth is already checked)."""
    pending = [document]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            _check_text(value)
        elif isinstance(value, dict):
            for key in value:
                _check_text(key)
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)


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


GZIP = "gzip"
PLAIN_ENCODINGS = frozenset({"", "identity"})


def body_encoding() -> str:
    return request.headers.get("Content-Encoding", "").strip().lower()


def refuse_unknown_encodings() -> None:
    """Before every request: a body in an encoding other than gzip is a 415, before anything reads it."""
    if body_encoding() not in PLAIN_ENCODINGS | {GZIP}:
        raise ApiError(415, "unsupported_content_encoding",
                       "Send the body plain or with 'Content-Encoding: gzip'.")


def init_app(app: Flask) -> None:
    app.request_class = BodyRequest
    app.json = JSONProvider(app)
    app.before_request(refuse_unknown_encodings)
    app.before_request(refuse_nul_characters)


def request_json(req: Request) -> Any:
    """The JSON document in the request's body, parsed once however many readers ask for it.

    The schema version check and the view both read a push; a push of 500 records costs
    tens of milliseconds to parse. ``json.JSONDecodeError`` when the body is not JSON.
    """
    if PARSED not in req.environ:
        try:
            req.environ[PARSED] = parse_json(req.get_data(cache=True))
        except json.JSONDecodeError as error:
            req.environ[PARSED] = error
    parsed = req.environ[PARSED]
    if isinstance(parsed, json.JSONDecodeError):
        raise parsed
    return parsed


PARSED = "beatlog.json_body"


class JSONProvider(DefaultJSONProvider):
    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return parse_json(s)


class BodyRequest(Request):
    """A request whose gzip body inflates as it is read, and whose streamed (chunked) or inflated
    body over the size limit is a 413, not cut short.

    Werkzeug stops reading a body without ``Content-Length`` at ``MAX_CONTENT_LENGTH`` and
    returns what it read; one more read past the limit makes it raise the 413 instead.
    """

    @cached_property
    def stream(self) -> IO[bytes]:
        sent = super().stream
        if body_encoding() != GZIP:
            return sent
        return io.BufferedReader(Inflating(sent, self.max_content_length))

    def get_data(self, cache: bool = True, as_text: bool = False, parse_form_data: bool = False) -> Any:
        first_read = getattr(self, "_cached_data", None) is None
        data = super().get_data(cache=cache, as_text=False, parse_form_data=parse_form_data)
        limit = self.max_content_length
        if first_read and limit is not None and len(data) >= limit and self.stream.read(1):
            raise RequestEntityTooLarge()
        return data.decode(errors="replace") if as_text else data


INFLATE_CHUNK = 64 * 1024
CORRUPT_GZIP = "The body is not valid gzip."


class Inflating(io.RawIOBase):
    """A gzip body's plain bytes, read from ``sent`` and inflated at most ``limit`` bytes in all.

    ``zlib``'s ``max_length`` bounds each step's output, so no step inflates more than was asked
    for: a body that would inflate past the limit is refused once the limit is passed.
    """

    def __init__(self, sent: IO[bytes], limit: int | None) -> None:
        super().__init__()
        self.sent = sent
        self.limit = limit
        self.inflated = 0
        self.inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        wanted = len(buffer)
        while not self.inflater.eof:
            compressed = self.inflater.unconsumed_tail or self.sent.read(INFLATE_CHUNK)
            if not compressed:
                # Werkzeug cuts a chunked body at the limit and raises the 413 on the read after.
                self.sent.read(1)
                raise ApiError(400, "invalid_gzip", CORRUPT_GZIP + " It is cut short.")
            try:
                plain = self.inflater.decompress(compressed, wanted)
            except zlib.error as error:
                raise ApiError(400, "invalid_gzip", f"{CORRUPT_GZIP} {error}") from None
            if plain:
                self.inflated += len(plain)
                if self.limit is not None and self.inflated > self.limit:
                    raise ApiError(413, "payload_too_large",
                                   f"The body, inflated, is larger than the {self.limit} bytes allowed.")
                buffer[: len(plain)] = plain
                return len(plain)
        if self.inflater.unused_data or self.sent.read(1):
            raise ApiError(400, "invalid_gzip", CORRUPT_GZIP + " Something follows its end.")
        return 0
