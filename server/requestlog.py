"""What every request leaves behind: its id, its time, one log line and its latency metric.

The request id is the client's ``X-Request-Id`` when that is a short plain token (so a
proxy's or a handheld's id follows the request through), or one made here; every answer
echoes it, every error body names it (``server/errors.py``) and every log line written
during the request carries it (``server/logs.py``).

The log line is written once the request's transaction has settled, so it says what was
committed; it holds who asked (person and device ids), the route's rule (never the path
with its values, nor the query string), the status, the time and what views noted with
``note`` (a push's counts). Bodies, headers, tokens and passwords are never logged.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from flask import Flask, Response, g, has_request_context, request

from server import metrics

log = logging.getLogger("server.requests")

HEADER = "X-Request-Id"
PLAIN_TOKEN = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def request_id() -> str:
    """This request's id: the client's when it is a plain token of at most 64 characters, else a new one."""
    if "request_id" not in g:
        given = request.headers.get(HEADER, "")
        g.request_id = given if PLAIN_TOKEN.fullmatch(given) else uuid.uuid4().hex
    return str(g.request_id)


def current_request_id() -> str | None:
    """The request id when there is a request (log lines outside one have none)."""
    return request_id() if has_request_context() else None


def note(**fields: Any) -> None:
    """Add fields to this request's log line; outside a request (the CLI) nothing is noted."""
    if has_request_context():
        g.setdefault("log_fields", {}).update(fields)


def init_app(app: Flask) -> None:
    """Register first: the clock starts before any other hook and the line is written after every other."""
    app.before_request(start)
    app.after_request(finish)
    app.teardown_request(forget)


def start() -> None:
    g.started = time.perf_counter()
    request_id()


def finish(response: Response) -> Response:
    seconds = time.perf_counter() - g.pop("started", time.perf_counter())
    response.headers["Server-Timing"] = f"app;dur={seconds * 1000:.2f}"
    response.headers[HEADER] = request_id()
    metrics.observe_request(request.endpoint, request.method, response.status_code, seconds)
    rule = request.url_rule.rule if request.url_rule is not None else ""
    log.info("%s %s %s %.2f ms", request.method, rule or "-", response.status_code, seconds * 1000, extra={
        "method": request.method,
        "endpoint": request.endpoint or metrics.UNMATCHED,
        "route": rule,
        "status": response.status_code,
        "duration_ms": round(seconds * 1000, 2),
        **g.get("log_fields", {}),
    })
    return response


def forget(_error: BaseException | None) -> None:
    """Under a shared app context (a script, a test) ``g`` outlives the request: the next one starts clean."""
    for name in ("started", "request_id", "log_fields"):
        g.pop(name, None)
