"""The handheld's HTTP session over the Flask test client, in-process.

A ``requests`` transport adapter hands each request the session prepares (headers, token,
JSON body, query string) to the test client and turns the answer back into a
``requests.Response``, so the handheld's real session, sync client and store run against
the app without a socket. It keeps every exchange, so tests can read what was sent and
answered, and it can lose the answer to a request the server has already handled, as a
dropped connection would. Bodies cross as they would on the wire: a gzip push goes
compressed, a gzip answer comes compressed and ``requests`` (urllib3) inflates it; the
exchanges keep both inflated.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

import requests
from flask.testing import FlaskClient
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from urllib3 import HTTPResponse

from mobile.session import Session

SERVER_URL = "http://beatlog.test"


@dataclass(frozen=True)
class Exchange:
    """One request the server handled and its answer (``delivered`` is False when it was lost)."""

    method: str
    path: str
    sent: Any
    status: int
    answer: Any
    delivered: bool


Losing = Callable[[str, str], bool]


@dataclass
class FlaskTransport(BaseAdapter):
    client: FlaskClient
    exchanges: list[Exchange] = field(default_factory=list)
    losing: list[Losing] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()

    @contextmanager
    def losing_answer(self, when: Losing) -> Iterator[None]:
        """Lose the answer to the next request ``when(method, path)`` picks, after the server handled it.

        Only while the block runs: a request that was never sent has no answer to lose.
        """
        self.losing.append(when)
        try:
            yield
        finally:
            if when in self.losing:
                self.losing.remove(when)

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None, proxies: Mapping[str, str] | None = None) -> requests.Response:
        url = urlsplit(request.url or "")
        path = url.path + (f"?{url.query}" if url.query else "")
        method = request.method or "GET"
        body = request.body.encode() if isinstance(request.body, str) else request.body
        answer = self.client.open(path, method=method, data=body, headers=dict(request.headers))
        lost = next((when for when in self.losing if when(method, url.path)), None)
        sent = _plain(body, request.headers.get("Content-Encoding"))
        sent = sent if request.headers.get("Content-Type") != "application/json" else _json(sent)
        answered = _plain(answer.get_data(), answer.headers.get("Content-Encoding"))
        self.exchanges.append(Exchange(method, url.path, sent, answer.status_code,
                                       _json(answered) if answer.is_json else None, lost is None))
        if lost is not None:
            self.losing.remove(lost)
            raise requests.ConnectionError(f"the answer to {method} {url.path} was lost", request=request)
        return _response(request, answer.status_code, answer.headers.items(), answer.get_data())

    def close(self) -> None:
        pass

    def answers(self, path: str, since: int = 0) -> list[Any]:
        """The bodies of the delivered answers to requests for ``path`` (from exchange ``since`` on), oldest first."""
        return [exchange.answer for exchange in self.exchanges[since:] if exchange.path == path and exchange.delivered]


def _json(body: bytes | None) -> Any:
    return json.loads(body) if body else None


def _plain(body: bytes | None, encoding: str | None) -> bytes | None:
    return gzip.decompress(body) if body and encoding == "gzip" else body


def _response(request: requests.PreparedRequest, status: int, headers: Any, content: bytes) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.reason = HTTPStatus(status).phrase
    response.headers = CaseInsensitiveDict(dict(headers))
    response.encoding = get_encoding_from_headers(response.headers)
    response.raw = HTTPResponse(io.BytesIO(content), headers=dict(response.headers), status=status,
                                preload_content=False, decode_content=True)
    response.url = request.url or ""
    response.request = request
    return response


def flask_session(transport: FlaskTransport, token: str | None) -> Session:
    """The handheld's session, over ``transport``; it does not retry, so a lost answer ends the round."""
    http = requests.Session()
    http.mount(SERVER_URL, transport)
    return Session(SERVER_URL, token, http=http, retries=0)
