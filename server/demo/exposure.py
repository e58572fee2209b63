"""Whether demo accounts still sign in with the demo password, said on the dashboard and in the log.

Checking a password costs an Argon2 verification, so each stored hash is checked once per
process: a changed password has a new hash and is checked again. A production worker checks
the hashes as it starts (``check_demo_passwords`` from ``server.wsgi``), before it takes a
request: twenty demo accounts with passwords of their own cost about 5 s of Argon2, which
would otherwise land on the worker's first dashboard page.
"""

from __future__ import annotations

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from server.demo.org import ADMINS, CHIEFS, DEMO_PASSWORD, OFFICERS, TRAFFIC
from server.extensions import db
from server.models import Person
from server.passwords import verify_password

DEMO_USERNAMES = frozenset(username for username, *_ in (*ADMINS, *CHIEFS, *OFFICERS, *TRAFFIC))
_checked: dict[str, bool] = {}


def demo_password_accounts(session: Session) -> list[str]:
    """The active demo accounts whose password is still the demo password, by username."""
    rows = session.execute(
        select(Person.username, Person.password_hash)
        .where(Person.username.in_(DEMO_USERNAMES), Person.active.is_(True), Person.deleted.is_(False))
        .order_by(Person.username)
    ).all()
    return [username for username, stored in rows if _is_demo_password(stored)]


def check_demo_passwords(app: Flask) -> None:
    """Check the demo accounts' stored hashes now, so no page waits for it; a database not yet
    reachable or migrated leaves the checks to the first page, as before."""
    with app.app_context():
        try:
            demo_password_accounts(db.session())
        except SQLAlchemyError:
            app.logger.info("Demo passwords not checked at start: the database is not ready.")
        finally:
            db.session.remove()


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
