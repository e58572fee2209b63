"""Password hashing with Argon2id; parameters come from the app config."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_LENGTH = 4


@lru_cache(maxsize=8)
def _hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def hasher() -> PasswordHasher:
    params = current_app.config["PASSWORD_HASH"]
    return _hasher(params["time_cost"], params["memory_cost"], params["parallelism"])


def hash_password(password: str) -> str:
    return hasher().hash(password)


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
