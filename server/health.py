"""What an orchestrator or load balancer probes: ``/health/live`` and ``/health/ready``.

*Live* says the process answers requests, and does no database work, so a database outage
never gets healthy web workers restarted. *Ready* says this process can serve: the database
answers within ``READY_TIMEOUT_SECONDS``, it is at the migrations this release expects, and
the blob store can be written. Both are public. Their bodies name each check and whether it
passed, never an address, a path or an error's text: those go to the log.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, current_app
from sqlalchemy import Engine

from server.access import public
from server.blobstore import blob_store
from server.database import intent
from server.extensions import db
from server.revisions import UPGRADE, code_heads, database_heads, known

log = logging.getLogger(__name__)
blp = Blueprint("health_checks", __name__, url_prefix="/health")

Check = dict[str, str]


def passed() -> Check:
    return {"status": "pass"}


def failed(message: str) -> Check:
    return {"status": "fail", "message": message}


@dataclass
class Attempt:
    """One look at the database, made in a thread of its own: the revisions it is at, or why not."""

    done: threading.Event = field(default_factory=threading.Event)
    heads: set[str] = field(default_factory=set)
    error: Exception | None = None

    def run(self, engine: Engine) -> None:
        try:
            with intent(False), engine.connect() as connection:
                self.heads = database_heads(connection)
        except Exception as error:  # noqa: BLE001 - whatever failed, the database cannot serve; the caller says so
            self.error = error
        finally:
            self.done.set()


class DatabaseProbe:
    """At most one database look in flight per process; each caller waits for it up to its timeout.

    A hung database holds the look's connection until it answers again. Callers meanwhile
    share the look in flight rather than each starting one, so a hang costs one thread, and
    the first answer after the database recovers is seen by everyone waiting.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.attempt: Attempt | None = None

    def look(self, engine: Engine, timeout: float) -> Attempt | None:
        """The finished look, or None if the database did not answer within ``timeout`` seconds."""
        with self.lock:
            if self.attempt is None or self.attempt.done.is_set():
                self.attempt = Attempt()
                threading.Thread(target=self.attempt.run, args=(engine,), name="beatlog-ready-probe",
                                 daemon=True).start()
            attempt = self.attempt
        return attempt if attempt.done.wait(timeout) else None


def database_checks() -> dict[str, Check]:
    timeout = current_app.config["READY_TIMEOUT_SECONDS"]
    attempt = current_app.extensions["beatlog.database_probe"].look(db.engine, timeout)
    if attempt is None:
        log.warning("readiness: the database did not answer within %s s", timeout)
        return {"database": failed(f"The database did not answer within {timeout} seconds."),
                "migrations": failed("Not checked: the database did not answer.")}
    if attempt.error is not None:
        log.warning("readiness: the database could not be reached: %s", attempt.error)
        return {"database": failed("The database could not be reached."),
                "migrations": failed("Not checked: the database could not be reached.")}
    return {"database": passed(), "migrations": migrations_check(attempt.heads)}


def migrations_check(heads: set[str]) -> Check:
    expected = code_heads()
    if heads == expected:
        return passed()
    wanted = ", ".join(sorted(expected))
    if not heads:
        return failed(f"The database has no migrations applied; this release expects {wanted}: run `{UPGRADE}`.")
    at = ", ".join(sorted(heads))
    if all(known(head) for head in heads):
        return failed(f"The database is at {at}; this release expects {wanted}: run `{UPGRADE}`.")
    return failed(f"The database is at {at}, which this release does not know (a newer release migrated it); "
                  f"this release expects {wanted}.")


def blob_store_check() -> Check:
    try:
        blob_store().check_writable()
    except OSError as error:
        log.warning("readiness: the blob store cannot be written: %s", error)
        return failed("The blob store cannot be written.")
    return passed()


@blp.get("/live")
@public
def live() -> dict[str, Any]:
    """The process answers: no database work."""
    return {"status": "pass"}


@blp.get("/ready")
@public
def ready() -> tuple[dict[str, Any], int]:
    """Every check this process needs to serve, by name; 200 when all pass, 503 otherwise."""
    checks = {**database_checks(), "blob_store": blob_store_check()}
    ok = all(check["status"] == "pass" for check in checks.values())
    return {"status": "pass" if ok else "fail", "checks": checks}, 200 if ok else 503


def init_app(app: Flask) -> None:
    app.extensions["beatlog.database_probe"] = DatabaseProbe()
    app.register_blueprint(blp)
