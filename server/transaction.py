"""One transaction per request, committed unless an exception escaped.

As indico's ``RH.process`` does: views and operations only add to the session; when the view
returns, the request's work is committed; when an exception escapes it (an operation's
``Refused``, an HTTP error, a bug), the work is rolled back at once, before any error page or
JSON error is rendered, so a failed request never leaves anything half-written and its error
page reads the data as committed. The status code decides nothing: a view that answers an
error without raising (a form shown again with 422) commits, so it must have written nothing.

Kept work. A refusal can itself be an outcome to keep: a failed sign-in is counted and
audited, since throttling and the attack alarm depend on it. The operation that wrote that
work raises its refusal with ``keep=True``; the request's work is then committed and the
client still gets the refusal. The flag travels with the exception the operation raised, so
no state left behind by one failure can make an unrelated one commit, and code that catches
the refusal and carries on (a CLI command, a bulk action) sees the decision on it.

After the commit. What must happen only once the work stands (counting a push's outcomes
for the metrics) is handed to ``on_commit``: it runs when the session's transaction commits
and is dropped when the transaction ends any other way, rolled back or failed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, g, make_response, request
from flask.typing import ResponseReturnValue
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, SessionTransaction

from server.database import write_intent
from server.errors import handle_database_error
from server.refusals import Refused

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ON_COMMIT = "on_commit"
View = TypeVar("View", bound=Callable[..., Any])


def writes(view: View) -> View:
    """Declare that a view writes although its method reads (a pull notes when it was seen)."""
    view.writes = True  # type: ignore[attr-defined]
    return view


def kept(escaped: BaseException) -> bool:
    """Whether the work done before ``escaped`` was raised stands (see "Kept work" above)."""
    return isinstance(escaped, Refused) and escaped.keep


def settle(session: Session, escaped: BaseException | None) -> None:
    """End the unit of work: commit, unless an exception ended it that does not keep its work."""
    if escaped is None or kept(escaped):
        session.commit()
    else:
        session.rollback()


def on_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` when ``session``'s transaction commits; never if it ends otherwise."""
    session.info.setdefault(ON_COMMIT, []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_on_commit(session: Session) -> None:
    for callback in session.info.pop(ON_COMMIT, []):
        callback()


@event.listens_for(Session, "after_transaction_end")
def _drop_on_commit(session: Session, transaction: SessionTransaction) -> None:
    """A transaction that ended without committing (after a commit nothing is left) takes its promises along."""
    if transaction.parent is None:
        session.info.pop(ON_COMMIT, None)


class TransactionalFlask(Flask):
    """Flask, rolling a request's work back the moment an exception escapes its view."""

    def handle_user_exception(self, e: Exception) -> ResponseReturnValue:
        g.escaped = e
        if not kept(e):
            self.extensions["sqlalchemy"].session.rollback()
        return super().handle_user_exception(e)


def init_app(app: Flask) -> None:
    if not isinstance(app, TransactionalFlask):
        raise TypeError("the app must be a TransactionalFlask: it sees exceptions escape the views")
    db = app.extensions["sqlalchemy"]

    @app.before_request
    def declare_intent() -> None:
        view = app.view_functions.get(request.endpoint or "")
        g.intent_token = write_intent.set(request.method not in READ_METHODS or getattr(view, "writes", False))

    @app.after_request
    def finish(response: Response) -> Response:
        try:
            settle(db.session(), g.pop("escaped", None))
        except SQLAlchemyError as error:
            response = make_response(handle_database_error(error))
        return response

    @app.teardown_request
    def forget_intent(_error: BaseException | None) -> None:
        """Forget what this request noted in ``g``: under a shared app context (a script, a test)
        ``g`` outlives the request, and the next one must not inherit an escaped exception."""
        g.pop("escaped", None)
        token = g.pop("intent_token", None)
        if token is not None:
            write_intent.reset(token)
