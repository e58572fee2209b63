"""Passwords: the one policy every path that sets one goes through, and Argon2id hashing.

The policy (``check_policy``) is applied by ``server.operations.people`` whenever a password
is set, whoever sets it: enrolment on a phone, the REST API, the dashboard, the CLI. Only the
demo loader skips it, through ``hash_demo_password``, because the demo's documented password
(``demo``) is weak on purpose and the dashboard warns while any account still takes it.
"""

from __future__ import annotations

from functools import cache, lru_cache
from importlib.resources import files

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from server.refusals import Kind, Refused
from sync.protocol import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, WEAK_PASSWORD


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of passwords too common to accept (``common_passwords.txt``), lowercase."""
    text = files("server").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def weakness(password: str, username: str) -> str | None:
    """Why ``password`` may not be ``username``'s password, or None when the policy accepts it."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"A password has at least {PASSWORD_MIN_LENGTH} characters."
    if len(password) > PASSWORD_MAX_LENGTH:
        return f"A password has at most {PASSWORD_MAX_LENGTH} characters."
    folded = password.strip().lower()
    if folded in common_passwords() or len(set(folded)) == 1:
        return "This password is among the most common ones; choose another."
    if username and username.lower() in folded:
        return "A password may not contain the user name."
    return None


def check_policy(password: str, username: str) -> None:
    """Refuse (422 ``weak_password``, on the ``password`` field) a password the policy rejects."""
    reason = weakness(password, username)
    if reason is not None:
        raise Refused(WEAK_PASSWORD, reason, {"password": [reason]}, kind=Kind.INVALID)


@lru_cache(maxsize=8)
def _hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def hasher() -> PasswordHasher:
    params = current_app.config["PASSWORD_HASH"]
    return _hasher(params["time_cost"], params["memory_cost"], params["parallelism"])


def hash_password(password: str) -> str:
    return hasher().hash(password)


def hash_new_password(password: str, username: str) -> str:
    """The hash of a password someone chose, after the policy has accepted it."""
    check_policy(password, username)
    return hash_password(password)


def hash_demo_password(password: str) -> str:
    """The policy-exempt path, for the demo loader's documented weak password only."""
    return hash_password(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    try:
        return hasher().check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


_UNKNOWN_USER_HASH: dict[tuple, str] = {}


def burn_verification(password: str) -> None:
    """Spend the time a real check would, so unknown usernames cannot be told apart."""
    key = tuple(sorted(current_app.config["PASSWORD_HASH"].items()))
    if key not in _UNKNOWN_USER_HASH:
        _UNKNOWN_USER_HASH[key] = hash_password("no such user")
    verify_password(_UNKNOWN_USER_HASH[key], password)
