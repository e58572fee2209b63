"""A request commits unless an exception escaped its view; a refusal reaches the client in the one shape.

The views here are made for the test and call a real operation (``save_station`` writes a
station and an audit entry), then answer or raise as each test needs.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from server.access import public
from server.dashboard import csrf
from server.errors import STATUS_OF_KIND
from server.extensions import db
from server.ledger import LEDGER_ROW
from server.models import AuditEntry, Ledger, Station
from server.operations.places import save_station
from server.refusals import Kind, Refused
from server.transaction import on_commit
from sync.protocol import SCHEMA_VERSION

SERVER = Path(__file__).parents[2] / "server"
STATION = "Station written by the view"


def route(app: Flask, view: Callable[[], Any]) -> str:
    """Serve ``view`` (public, no CSRF token, as an API view) at a path of its own; the path."""
    path = f"/test/{view.__name__}"
    app.add_url_rule(path, view.__name__, csrf.exempt(public(view)), methods=["POST"])
    return path


def write_a_station() -> None:
    save_station(db.session, None, {"name": STATION}, actor_id=None)


def written(app: Flask) -> tuple[int, int, int]:
    """The stations of that name, audit entries and the ledger's audit count, as committed."""
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(Station).where(Station.name == STATION)) or 0,
                db.session.scalar(select(func.count()).select_from(AuditEntry)) or 0,
                db.session.get_one(Ledger, LEDGER_ROW).audit_count)


def test_a_view_whose_operation_refuses_after_writing_leaves_nothing_written(app: Flask) -> None:
    def refuse_after_writing() -> Any:
        write_a_station()
        raise Refused("stale", "Changed meanwhile.", kind=Kind.CONFLICT)

    answer = app.test_client().post(route(app, refuse_after_writing))
    assert (answer.status_code, answer.get_json()["code"]) == (409, "stale")
    assert written(app) == (0, 0, 0)


@pytest.mark.parametrize("status", [200, 422])
def test_a_view_that_returns_normally_commits_whatever_status_it_answers(app: Flask, status: int) -> None:
    def write_and_answer() -> Any:
        write_a_station()
        return {"answered": status}, status

    assert app.test_client().post(route(app, write_and_answer)).status_code == status
    assert written(app) == (1, 1, 1)


def test_a_refusal_that_keeps_its_work_commits_it_and_still_answers_the_refusal(app: Flask) -> None:
    def count_then_refuse() -> Any:
        write_a_station()
        raise Refused("login_failed", "Wrong username or password.", kind=Kind.UNAUTHENTICATED, keep=True)

    answer = app.test_client().post(route(app, count_then_refuse))
    assert (answer.status_code, answer.get_json()["code"]) == (401, "login_failed")
    assert written(app) == (1, 1, 1)


def test_a_bug_escaping_a_view_rolls_its_work_back(app: Flask) -> None:
    def write_then_fail() -> Any:
        write_a_station()
        raise RuntimeError("a bug")

    with pytest.raises(RuntimeError):
        app.test_client().post(route(app, write_then_fail))
    assert written(app) == (0, 0, 0)


def test_a_failed_request_does_not_roll_back_the_next_one_in_the_same_app_context(app: Flask) -> None:
    """Under one app context (a script, a test) ``g`` outlives a request: the next must not inherit its failure."""

    def refuse() -> Any:
        raise Refused("stale", "Changed meanwhile.", kind=Kind.CONFLICT)

    def write_and_answer() -> Any:
        write_a_station()
        return {"answered": 200}

    client, refusing, writing = app.test_client(), route(app, refuse), route(app, write_and_answer)
    with app.app_context():
        assert client.post(refusing).status_code == 409
        assert client.post(writing).status_code == 200
    assert written(app) == (1, 1, 1)


HEADERS = {Kind.TOO_MANY: {"Retry-After": "30"}, Kind.OUTDATED: {"Upgrade": f"beatlog-sync/{SCHEMA_VERSION}"}}


@pytest.mark.parametrize("kind,status", [(Kind.MALFORMED, 400), (Kind.UNAUTHENTICATED, 401), (Kind.FORBIDDEN, 403),
                                         (Kind.NOT_FOUND, 404), (Kind.CONFLICT, 409), (Kind.TOO_LARGE, 413),
                                         (Kind.UNSUPPORTED, 415), (Kind.INVALID, 422), (Kind.OUTDATED, 426),
                                         (Kind.TOO_MANY, 429)])
def test_each_kind_of_refusal_reaches_the_client_in_the_one_json_shape_with_its_status(
    app: Flask, kind: Kind, status: int
) -> None:
    def refuse() -> Any:
        raise Refused("some_code", "Why not, for people.", {"name": ["Wrong."]}, kind=kind,
                      extra={"current": {"version": 3}}, retry_after=30 if kind is Kind.TOO_MANY else None)

    answer = app.test_client().post(route(app, refuse))
    assert answer.status_code == status == STATUS_OF_KIND[kind]
    assert answer.get_json() == {"code": "some_code", "message": "Why not, for people.", "fields": {"name": ["Wrong."]},
                                 "request_id": answer.headers["X-Request-Id"], "current": {"version": 3}}
    for name, value in HEADERS.get(kind, {}).items():
        assert answer.headers[name] == value


def test_what_waits_for_the_commit_happens_only_for_work_that_is_committed(app: Flask) -> None:
    happened: list[str] = []

    def write_and_promise(name: str) -> None:
        save_station(db.session, None, {"name": name}, actor_id=None)
        on_commit(db.session(), lambda: happened.append(name))

    def commit() -> str:
        write_and_promise("committed")
        return "ok"

    def refuse() -> Any:
        write_and_promise("refused")
        raise Refused("stale", "Changed meanwhile.", kind=Kind.CONFLICT)

    def keep() -> Any:
        write_and_promise("kept")
        raise Refused("login_failed", "Counted all the same.", kind=Kind.UNAUTHENTICATED, keep=True)

    client, paths = app.test_client(), [route(app, view) for view in (refuse, commit, keep)]
    assert [client.post(path).status_code for path in paths] == [409, 200, 401]
    assert happened == ["committed", "kept"]


def test_what_waits_for_a_commit_that_fails_never_happens(app: Flask) -> None:
    happened: list[str] = []
    with app.app_context():
        first = Station(name=STATION)
        db.session.add(first)
        db.session.commit()
        taken = first.id
        db.session.expunge_all()
        on_commit(db.session(), lambda: happened.append("failed"))
        db.session.add(Station(id=taken, name="The same id again"))
        with pytest.raises(SQLAlchemyError):
            db.session.commit()
        db.session.rollback()
        db.session.commit()
    assert happened == []


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


HTTP = ("werkzeug", "server.errors", "server.transaction", "flask_smorest")


@pytest.mark.parametrize("path", [SERVER / "refusals.py", *sorted((SERVER / "operations").glob("*.py")),
                                  SERVER / "syncing" / "cursor.py"], ids=lambda path: path.name)
def test_operations_and_their_refusals_know_nothing_of_http(path: Path) -> None:
    modules = imported_modules(path)
    assert not {name for name in modules if name.startswith(HTTP)}, modules
    if path.name == "refusals.py":
        assert not {name for name in modules if name.startswith("flask")}, modules
