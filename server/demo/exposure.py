"""Whether demo accounts still sign in with the demo password, said on the dashboard and in the log.

Checking a password costs an Argon2 verification, so each stored hash is checked once per
process: a changed password has a new hash and is checked again.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.demo.org import ADMINS, CHIEFS, DEMO_PASSWORD, OFFICERS
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


def warn_of_demo_sign_in(username: str, password: str) -> None:
    """Log a warning each time a demo account signs in with the demo password."""
    if password == DEMO_PASSWORD and username in DEMO_USERNAMES:
        current_app.logger.warning(
            "%s signed in with the demo password %r: anyone can. Change the demo accounts' passwords "
            "(flask person set-password) or disable them before real use.", username, DEMO_PASSWORD)
