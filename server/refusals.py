"""Why an operation says no, in the domain's words: free of HTTP.

Operations (``server/operations/``) and the sync machinery raise ``Refused``; they import
neither Flask's request machinery nor werkzeug, and know nothing of status codes. The
layers that talk to people translate: ``server/errors.py`` turns a refusal into the one JSON
error shape with the status its ``kind`` stands for, and the dashboard into its pages.

A refusal carries what a client needs beside the message: its ``kind`` (not found, forbidden,
stale …), the offending ``fields``, and ``extra`` such as the current state after a stale
write. ``retryable`` says whether the same request may succeed later unchanged; a push
answers a refused mutation with the same class, inside its batch (``server/syncing/push.py``).
``keep`` is for the rare refusal that is itself an outcome to keep: see ``server/transaction.py``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

Fields = Mapping[str, Any]


class Kind(enum.Enum):
    """What sort of no it is; each layer that answers people says it its own way."""

    MALFORMED = "malformed"
    """The request cannot be read as asked (a cursor this server never issued, no schema version)."""
    UNAUTHENTICATED = "unauthenticated"
    """Who is asking is not established (a wrong password, an invalid enrolment code, a revoked device)."""
    FORBIDDEN = "forbidden"
    """The caller is known and may not do this."""
    NOT_FOUND = "not_found"
    """No such thing within the caller's scope (whether it exists elsewhere is not said)."""
    CONFLICT = "conflict"
    """The current state forbids it: stale, already decided, taken, no longer reviewable."""
    TOO_LARGE = "too_large"
    UNSUPPORTED = "unsupported"
    """A kind of content the server does not take."""
    INVALID = "invalid"
    """The values themselves are wrong."""
    OUTDATED = "outdated"
    """The app is too old to be served; it must be updated first."""
    TOO_MANY = "too_many"
    """Throttled; ``retry_after`` says when to try again."""


class Refused(Exception):
    """An operation refused; nothing it wrote stands, unless ``keep``."""

    def __init__(
        self,
        code: str,
        message: str,
        fields: Fields | None = None,
        *,
        kind: Kind = Kind.INVALID,
        extra: Mapping[str, Any] | None = None,
        retry_after: int | None = None,
        retryable: bool = False,
        keep: bool = False,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = dict(fields or {})
        self.kind = kind
        self.extra = dict(extra or {})
        self.retry_after = retry_after
        self.retryable = retryable or retry_after is not None
        self.keep = keep

    def __repr__(self) -> str:
        return f"Refused({self.code!r}, {self.message!r}, kind={self.kind.name})"


INVALID_FIELDS = "Some fields are invalid."


def invalid(fields: Fields, message: str = INVALID_FIELDS) -> Refused:
    """The common refusal of bad values: ``validation_failed``, with the messages per field."""
    return Refused("validation_failed", message, fields, kind=Kind.INVALID)


def not_found(message: str) -> Refused:
    return Refused("not_found", message, kind=Kind.NOT_FOUND)
