"""Residents' personal data at rest: AES-GCM field encryption and a keyed blind index (issue 18).

Names, ID numbers and phone numbers of occupants and landlords are stored encrypted, so a dump
of the database alone reveals none of them. Each value is sealed with AES-256-GCM under the
current key, with the field's name as associated data (a value moved to another column does
not open), and kept as text: ``v1:<key id>:<base64 of nonce and ciphertext>``. An exact search
by ID number uses the blind index, an HMAC-SHA256 of the value under a key of its own, so the
number is found without decrypting anything.

Keys are configuration, apart from ``SECRET_KEY`` and the audit key:

- ``BEATLOG_PII_KEYS``: ``<id>:<base64 of 32 bytes>`` entries, comma-separated; the first seals,
  every one opens, so a key is rotated by putting a new one first and re-sealing
  (``needs_resealing``) before the old one is dropped;
- ``BEATLOG_PII_INDEX_KEY``: base64 of 32 bytes, the blind index's HMAC key.

Production refuses to start without both. Elsewhere (tests, the demo, a laptop) each is derived
from ``SECRET_KEY`` for its purpose, so nothing needs setting up there.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Flask, current_app

VERSION = "v1"
KEY_BYTES = 32
NONCE_BYTES = 12


class SealError(ValueError):
    """A stored value that does not open: unknown key, another field's value, or altered bytes."""


@dataclass(frozen=True)
class KeyRing:
    """The sealing keys by id (the first is current) and the blind index's key."""

    keys: Mapping[str, bytes]
    index_key: bytes

    @property
    def current(self) -> str:
        return next(iter(self.keys))

    def seal(self, field: str, value: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.keys[self.current]).encrypt(nonce, value.encode(), field.encode())
        return f"{VERSION}:{self.current}:{base64.b64encode(nonce + sealed).decode()}"

    def open(self, field: str, stored: str) -> str:
        version, key_id, payload = _parts(stored)
        if version != VERSION or key_id not in self.keys:
            raise SealError(f"sealed with an unknown key ({key_id!r})")
        try:
            raw = base64.b64decode(payload, validate=True)
            return AESGCM(self.keys[key_id]).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], field.encode()).decode()
        except (InvalidTag, binascii.Error, ValueError):
            raise SealError("the value does not open: altered, or sealed for another field") from None

    def needs_resealing(self, stored: str) -> bool:
        """Sealed under a key other than the current one (the rotation command re-seals these)."""
        return _parts(stored)[1] != self.current

    def blind_index(self, field: str, value: str) -> str:
        """The value's search key: equal for equal values of a field, useless without the index key."""
        return hmac.new(self.index_key, f"{field}\0{value}".encode(), hashlib.sha256).hexdigest()


def _parts(stored: str) -> tuple[str, str, str]:
    parts = stored.split(":", 2)
    if len(parts) != 3:
        raise SealError("not a sealed value")
    return parts[0], parts[1], parts[2]


def keyring_from(config: Mapping[str, Any], *, production: bool) -> KeyRing:
    """The key ring the configuration gives; derived from ``SECRET_KEY`` outside production."""
    given, index = config.get("PII_KEYS"), config.get("PII_INDEX_KEY")
    if production and not (given and index):
        raise RuntimeError("Set BEATLOG_PII_KEYS and BEATLOG_PII_INDEX_KEY (keys of their own, see "
                           "docs/operations.md): production refuses to store residents' data without them.")
    secret = str(config["SECRET_KEY"]).encode()
    keys = _keys(given) if given else {"dev": hashlib.sha256(b"beatlog pii seal\0" + secret).digest()}
    index_key = _key(index, "BEATLOG_PII_INDEX_KEY") if index else hashlib.sha256(
        b"beatlog pii index\0" + secret).digest()
    if index_key in keys.values():
        raise RuntimeError("BEATLOG_PII_INDEX_KEY must differ from every sealing key.")
    others = {str(config.get(name) or "") for name in ("SECRET_KEY", "AUDIT_KEY")}
    if given and others & ({entry.partition(":")[2].strip() for entry in given.split(",")} | {index}):
        raise RuntimeError("BEATLOG_PII_KEYS and BEATLOG_PII_INDEX_KEY must differ from SECRET_KEY and "
                           "BEATLOG_AUDIT_KEY.")
    return KeyRing(keys, index_key)


def _keys(text: str) -> dict[str, bytes]:
    keys: dict[str, bytes] = {}
    for entry in filter(None, (part.strip() for part in text.split(","))):
        key_id, _, encoded = entry.partition(":")
        if not key_id.isalnum() or key_id in keys:
            raise RuntimeError(f"BEATLOG_PII_KEYS: {key_id!r} is not a key id of letters and digits used once")
        keys[key_id] = _key(encoded, f"BEATLOG_PII_KEYS ({key_id})")
    if not keys:
        raise RuntimeError("BEATLOG_PII_KEYS names no key")
    return keys


def _key(encoded: str, name: str) -> bytes:
    try:
        key = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise RuntimeError(f"{name} is not base64") from None
    if len(key) != KEY_BYTES:
        raise RuntimeError(f"{name} must be {KEY_BYTES} bytes, base64-encoded (openssl rand -base64 32)")
    return key


def init_app(app: Flask, *, production: bool) -> None:
    app.extensions["beatlog.pii"] = keyring_from(app.config, production=production)


def keyring() -> KeyRing:
    ring: KeyRing = current_app.extensions["beatlog.pii"]
    return ring


def seal_values(place: str, record_id: uuid.UUID | str, sealed: frozenset[str],
                values: Mapping[str, Any]) -> dict[str, Any]:
    """A document about a record (a conflict's sides, a refused change's data) with its personal fields sealed.

    Each sealed field's value, whatever its JSON type, is sealed for ``<place>.<field>.<record id>``,
    so it opens only there and only for that record. Other fields are kept as they are.
    """
    if not sealed & values.keys():
        return dict(values)
    ring = keyring()
    return {name: ring.seal(f"{place}.{name}.{record_id}", json.dumps(value, ensure_ascii=False))
            if name in sealed else value for name, value in values.items()}


def open_values(place: str, record_id: uuid.UUID | str, sealed: frozenset[str],
                values: Mapping[str, Any]) -> dict[str, Any]:
    """What ``seal_values`` sealed, opened."""
    if not sealed & values.keys():
        return dict(values)
    ring = keyring()
    return {name: json.loads(ring.open(f"{place}.{name}.{record_id}", value)) if name in sealed else value
            for name, value in values.items()}
