"""Notices every dashboard page shows at its top: what an administrator must know now."""

from __future__ import annotations

from typing import Any

from flask import g

from server.dashboard import bp
from server.demo.exposure import demo_password_accounts
from server.extensions import db
from server.operations.devices import Attack, accounts_under_attack


def under_attack() -> list[Attack]:
    """For an admin, the accounts whose failed sign-ins reached the alarm (for others, none)."""
    person = g.get("person")
    if person is None or person.role != "admin":
        return []
    return accounts_under_attack(db.session())


def demo_accounts() -> list[str]:
    """For anyone signed in, the demo accounts that still take the demo password."""
    return demo_password_accounts(db.session()) if g.get("person") is not None else []


@bp.context_processor
def notices() -> dict[str, Any]:
    return {"under_attack": under_attack, "demo_accounts": demo_accounts}
