"""One commit per request, in one place.

Views and operations only add to the session; after the view has answered, the request's
work is committed if the answer is a success and rolled back otherwise, so a failed
request never leaves anything half-written. An operation that must keep its writes even
though the request fails (a failed sign-in is counted) says so with ``keep_on_error``.
Every answer says how long the server took, commit included, in a ``Server-Timing``
header (the benchmarks read it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, g, make_response, request
from sqlalchemy.exc import SQLAlchemyError

from server.database import write_intent
from server.errors import handle_database_error

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
View = TypeVar("View", bound=Callable[..., Any])


def keep_on_error() -> None:
    g.keep_on_error = True


def writes(view: View) -> View:
    """Declare that a view writes although its method reads (a pull notes when it was seen)."""
    view.writes = True  # type: ignore[attr-defined]
    return view


def init_app(app: Flask) -> None:
    db = app.extensions["sqlalchemy"]

    @app.before_request
    def start_clock() -> None:
        g.started = time.perf_counter()

    @app.before_request
    def declare_intent() -> None:
        view = app.view_functions.get(request.endpoint or "")
        g.intent_token = write_intent.set(request.method not in READ_METHODS or getattr(view, "writes", False))

    @app.after_request
    def finish(response: Response) -> Response:
        if response.status_code >= 400 and not g.get("keep_on_error"):
            db.session.rollback()
        else:
            try:
                db.session.commit()
            except SQLAlchemyError as error:
                response = make_response(handle_database_error(error))
        if "started" in g:
            response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - g.started) * 1000:.2f}"
        return response

    @app.teardown_request
    def forget_intent(_error: BaseException | None) -> None:
        token = g.pop("intent_token", None)
        if token is not None:
            write_intent.reset(token)
