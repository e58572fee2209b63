"""Whether demo accounts still sign in with the demo password, said on the dashboard and in the log.

Checking a password costs an Argon2 verification, so each stored hash is checked once per
process: a changed password has a new hash and is checked again.
"""

from __future__ import annotations

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.demo.org import ADMINS, CHIEFS, DEMO_PASSWORD, OFFICERS
from server.extensions import db
from server.models import Person
from server.passwords import verify_password

DEMO_USERNAMES = frozenset(username for username, *_ in (*ADMINS, *CHIEFS, *OFFICERS))
_checked: dict[str, bool] = {}


def demo_password_accounts(session: Session) -> list[str]:
    """The active demo accounts whose password is still the demo password, by username."""
    rows = session.execute(
        select(Person.username, Person.password_hash)
        .where(Person.username.in_(DEMO_USERNAMES), Person.active.is_(True), Person.deleted.is_(False))
        .order_by(Person.username)
    ).all()
    return [username for username, stored in rows if _is_demo_password(stored)]


def _is_demo_password(stored_hash: str) -> bool:
    if stored_hash not in _checked:
        _checked[stored_hash] = verify_password(stored_hash, DEMO_PASSWORD)
    return _checked[stored_hash]


def init_app(app: Flask) -> None:
    """Warn in the server log, on the first request this process serves, while demo passwords work."""
    state = {"warned": False}

    @app.before_request
    def warn_once() -> None:
        if state["warned"]:
            return
        state["warned"] = True
        accounts = demo_password_accounts(db.session)
        if accounts:
            current_app.logger.warning(
                "Demo accounts sign in with the demo password %r: %s. Anyone can sign in as them; change "
                "their passwords (flask person set-password) before real use.", DEMO_PASSWORD, ", ".join(accounts))
