"""The handheld's HTTP session: timeouts, retries with backoff and jitter, ``Retry-After``.

Like kinto-http's session, it owns retrying so callers do not, and it is injected into the
sync client so tests can put a failing network in its place. Every failure it raises carries
the request and, when there was one, the response. JSON bodies go gzip-compressed
(``Content-Encoding: gzip``); answers come compressed too, and ``requests`` inflates them.
"""

from __future__ import annotations

import email.utils
import gzip
import json
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from sync import clock
from sync.protocol import SCHEMA_HEADER, SCHEMA_VERSION

RETRY_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(frozen=True)
class Attempt:
    method: str
    url: str


class SyncError(Exception):
    """A request that did not succeed; ``code`` is the server's machine code when it sent one."""

    def __init__(self, message: str, request: Attempt, response: requests.Response | None = None) -> None:
        super().__init__(message)
        self.request = request
        self.response = response
        body = _json(response)
        self.code: str = body.get("code", "") if isinstance(body, dict) else ""
        self.fields: dict[str, Any] = body.get("fields", {}) if isinstance(body, dict) else {}
        self.status = response.status_code if response is not None else None


class Offline(SyncError):
    """The server could not be reached, even after retrying."""


class ServerError(SyncError):
    """The server kept failing (5xx or throttling) after retrying."""


class AuthError(SyncError):
    """401: sign in again (``token_expired``) or wipe (``device_revoked``, ``account_disabled``)."""


class UpgradeRequired(SyncError):
    """426: this app is too old for the server; keep everything and update the app."""


class RequestRejected(SyncError):
    """Any other 4xx: the request itself was refused."""


def _json(response: requests.Response | None) -> Any:
    if response is None:
        return {}
    try:
        return response.json()
    except ValueError:
        return {}


COMPRESSED_JSON = {"Content-Type": "application/json", "Content-Encoding": "gzip"}


def compressed_json(body: Any) -> bytes:
    """``body`` as the server reads it: UTF-8 JSON, gzip-compressed (a fixed mtime: the same body, the same bytes)."""
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0)


def retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    if value.isdigit():
        return float(value)
    moment = email.utils.parsedate_to_datetime(value)
    return max(0.0, moment.timestamp() - clock.now().timestamp())


class Session:
    def __init__(
        self,
        server_url: str,
        token: str | None = None,
        *,
        timeout: tuple[float, float] = (5.0, 60.0),
        retries: int = 4,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        http: requests.Session | None = None,
        stop: threading.Event | None = None,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.server_url = server_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.http = http or requests.Session()
        self.stop = stop or threading.Event()
        self.jitter = jitter

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        attempt = Attempt(method, f"{self.server_url}{path}")
        headers = {SCHEMA_HEADER: str(SCHEMA_VERSION), **kwargs.pop("headers", {})}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        for number in range(self.retries + 1):
            last_try = number == self.retries or self.stop.is_set()
            try:
                response = self.http.request(method, attempt.url, headers=headers, timeout=self.timeout, **kwargs)
            except (requests.ConnectionError, requests.Timeout) as error:
                if last_try:
                    raise Offline(f"{attempt.url} is unreachable: {error}", attempt) from error
                self._wait(number, None)
                continue
            if response.status_code in RETRY_STATUSES or response.status_code >= 500:
                if last_try:
                    raise ServerError(f"{attempt.url} answered {response.status_code}", attempt, response)
                self._wait(number, retry_after(response))
                continue
            return self._checked(response, attempt)
        raise AssertionError("unreachable")

    def _wait(self, number: int, told: float | None) -> None:
        """Back off exponentially with full jitter, or as long as the server said."""
        delay = told if told is not None else self.jitter() * min(self.max_backoff, self.backoff * 2**number)
        self.stop.wait(min(delay, self.max_backoff))

    @staticmethod
    def _checked(response: requests.Response, attempt: Attempt) -> requests.Response:
        if response.status_code < 400:
            return response
        body = _json(response)
        message = body.get("message", response.reason) if isinstance(body, dict) else response.reason
        if response.status_code == 401:
            raise AuthError(message, attempt, response)
        if response.status_code == 426:
            raise UpgradeRequired(message, attempt, response)
        raise RequestRejected(message, attempt, response)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs).json()

    def post(self, path: str, body: Any) -> Any:
        return self.request("POST", path, data=compressed_json(body), headers=COMPRESSED_JSON).json()

    def ping(self) -> bool:
        """True when the server answers; never raises and never retries."""
        try:
            return self.http.get(f"{self.server_url}/api/v1/ping", timeout=(2.0, 5.0)).status_code == 200
        except requests.RequestException:
            return False
