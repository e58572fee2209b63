"""Pull cursors: opaque to devices, signed and bound to the person they were issued to.

A cursor carries the position of a pull and the scope it was issued for (see
``server.syncing.pull``). It is signed with a key derived from ``SECRET_KEY`` and the
person's id, so a device can neither change it (widen its scope, say) nor use another
person's; and it is checked field by field when it comes back.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from flask import current_app

from server.access import ROLES
from server.refusals import Kind, Refused
from sync.records import RECORD_TYPES

PULL_ORDER = tuple(RECORD_TYPES)
"""The order the full, leave and enter phases walk the types in (parents first, as declared);
``type_index`` points into it."""
CURSOR_VERSION = 2
CURSOR_MAC_BYTES = 16
MAX_SEQ = 2**63 - 1
PHASES = ("full", "leave", "enter", "live")


@dataclass
class Cursor:
    epoch: str
    seq: int
    scope: dict[str, Any]
    phase: str = "live"
    type_index: int = 0
    after: int = 0
    after_id: str = ""
    high: int = 0
    previous: dict[str, Any] | None = None

    @property
    def position(self) -> int:
        """The furthest ledger position this cursor names: a page read where the ledger is behind it would go back."""
        return max(self.seq, self.high)

    def encode(self, person_id: uuid.UUID) -> str:
        """The cursor as the person it is issued to gets it: signed, so they cannot change it."""
        return seal(json.dumps({"v": CURSOR_VERSION, **asdict(self)}, separators=(",", ":")).encode(), person_id)

    @classmethod
    def decode(cls, raw: str, person_id: uuid.UUID) -> Cursor:
        """The cursor if this server issued it to this person, exactly as it was issued; else refused.

        The structure is checked even though it is signed, so that a cursor signed by a
        server with a bug, or with a leaked key, is refused rather than a 500.
        """
        try:
            payload = json.loads(unseal(raw, person_id))
        except ValueError:
            payload = None
        if not (isinstance(payload, dict) and payload.keys() == CURSOR_CHECKS.keys()
                and all(check(payload[name]) for name, check in CURSOR_CHECKS.items())
                and (payload["phase"] in ("leave", "enter")) == (payload["previous"] is not None)):
            raise Refused("invalid_cursor", "The cursor is not one this server issued to you; pull again without it.",
                          {"cursor": ["Not a valid cursor."]}, kind=Kind.MALFORMED)
        del payload["v"]
        return cls(**payload)


def _cursor_key() -> bytes:
    """A key for cursors alone, derived from ``SECRET_KEY`` so it signs nothing else."""
    return hmac.new(current_app.config["SECRET_KEY"].encode(), b"beatlog pull cursor", hashlib.sha256).digest()


def _mac(payload: bytes, person_id: uuid.UUID) -> bytes:
    return hmac.new(_cursor_key(), person_id.bytes + payload, hashlib.sha256).digest()[:CURSOR_MAC_BYTES]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def seal(payload: bytes, person_id: uuid.UUID) -> str:
    """``payload`` and its MAC, bound to the person: ``<base64 payload>.<base64 MAC>``."""
    return f"{_b64(payload)}.{_b64(_mac(payload, person_id))}"


def unseal(raw: str, person_id: uuid.UUID) -> bytes:
    """The payload of a cursor ``seal`` made for this person; ValueError for anything else."""
    text, _, mac = raw.partition(".")
    try:
        payload, given = (base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)) for part in (text, mac))
    except (binascii.Error, ValueError):
        raise ValueError("not base64") from None
    if not hmac.compare_digest(given, _mac(payload, person_id)):
        raise ValueError("not signed for this person")
    return payload


def _is_uuid(value: Any) -> bool:
    try:
        return isinstance(value, str) and uuid.UUID(value) is not None
    except ValueError:
        return False


def _is_position(value: Any) -> bool:
    return type(value) is int and 0 <= value <= MAX_SEQ


def _is_scope_key(value: Any) -> bool:
    if not (isinstance(value, dict) and value.keys() - {"squad", "schema"} == {"person", "role", "station", "rooms"}):
        return False
    if "squad" in value and not _is_uuid(value["squad"]):
        return False
    if "schema" in value and type(value["schema"]) is not int:
        return False
    rooms = value["rooms"]
    return (
        _is_uuid(value["person"]) and isinstance(value["role"], str) and value["role"] in ROLES
        and (value["station"] is None or _is_uuid(value["station"]))
        and (rooms is None or (isinstance(rooms, list) and all(_is_uuid(room) for room in rooms)))
    )


CURSOR_CHECKS: dict[str, Callable[[Any], bool]] = {
    "v": lambda value: type(value) is int and value == CURSOR_VERSION,
    "epoch": lambda value: isinstance(value, str),
    "seq": _is_position,
    "scope": _is_scope_key,
    "phase": lambda value: isinstance(value, str) and value in PHASES,
    "type_index": lambda value: type(value) is int and 0 <= value < len(PULL_ORDER),
    "after": _is_position,
    "after_id": lambda value: value == "" or _is_uuid(value),
    "high": _is_position,
    "previous": lambda value: value is None or _is_scope_key(value),
}
"""What each field of a decoded cursor must be: exactly these fields, each of its type and range."""
