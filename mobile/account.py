"""The device's identity and the officer's sign-in, online the first time and offline after.

The first sign-in needs the network: it creates the device's identity and gets a token.
Later unlocks are checked against a verifier made with a slow key-derivation function
(scrypt), so the password itself is never stored. The same password, with a salt of its own,
gives the key the store is encrypted with (``store_key``): without the password the store
reads as noise, and the key lives only in memory while the app is unlocked. What the server says about the token
decides the rest: expired asks for the password again and keeps everything; a revoked
device or a disabled officer wipes the device; an app too old keeps everything and asks
for an update. The store remembers which app version was told to update, so the updated
app (any other version) syncs again by itself.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import uuid
from collections.abc import Callable
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qs

from mobile.services.platform import on_android
from mobile.session import AuthError, Session, SyncError, UpgradeRequired
from mobile.store import Store, WrongKey

APP_VERSION = "1.0.0"
KDF = {"n": 2**14, "r": 8, "p": 1}
WIPE_CODES = frozenset({"device_revoked", "account_disabled"})
ENROLMENT_SCHEME = "beatlog:enrol?"


class AccountState(StrEnum):
    NEW = "new"
    LOCKED = "locked"
    READY = "ready"
    NEEDS_PASSWORD = "needs_password"
    UPGRADE_REQUIRED = "upgrade_required"
    WIPED = "wiped"


class WrongPassword(Exception):
    pass


def read_enrolment(text: str) -> tuple[str | None, str]:
    """(server, code) from a scanned enrolment QR code (``beatlog:enrol?server=…&code=…``), or
    (None, code) when the officer typed just the code."""
    text = text.strip()
    if text.startswith(ENROLMENT_SCHEME):
        query = parse_qs(text[len(ENROLMENT_SCHEME):])
        server = query["server"][0] if "server" in query else None
        return server, (query.get("code") or [""])[0]
    return None, text.upper()


def verifier(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, dklen=32, **KDF)


def store_key(password: str, salt: bytes) -> bytes:
    """The key of the store's encryption: scrypt of the password under the store's own salt, never the verifier's."""
    return hashlib.scrypt(b"beatlog store\0" + password.encode(), salt=salt, dklen=32, **KDF)


class Account:
    def __init__(self, store: Store, session_factory: Callable[..., Session] = Session) -> None:
        self.store = store
        self.session_factory = session_factory
        self.unlocked = False
        self.wiped = False

    @property
    def user(self) -> dict[str, Any] | None:
        return self.store.get_meta("user")

    @property
    def server_url(self) -> str | None:
        """The server this device syncs with: set by the first sign-in, changed in settings, kept
        through a wipe so the next sign-in starts from it. Its one home is the store."""
        return self.store.get_meta("server_url")

    def use_server(self, server_url: str) -> None:
        self.store.set_meta("server_url", server_url)

    @property
    def device_id(self) -> str:
        device_id = self.store.get_meta("device_id")
        if device_id is None:
            device_id = str(uuid.uuid4())
            self.store.set_meta("device_id", device_id)
        return device_id

    @property
    def state(self) -> AccountState:
        if self.user is None:
            return AccountState.WIPED if self.wiped else AccountState.NEW
        if not self.unlocked:
            return AccountState.LOCKED
        if self.store.get_meta("upgrade_required") == APP_VERSION:
            return AccountState.UPGRADE_REQUIRED
        if self.store.get_meta("needs_password", False):
            return AccountState.NEEDS_PASSWORD
        return AccountState.READY

    def enrol(self, server_url: str, username: str, password: str, device_name: str) -> dict[str, Any]:
        """First sign-in on this device (online)."""
        self._sign_in(server_url, username, password, device_name)
        self.unlocked = True
        return self.user  # type: ignore[return-value]

    def enrol_with_code(self, server_url: str, code: str, password: str, device_name: str) -> dict[str, Any]:
        """First sign-in with a one-time code from an admin; the officer chooses the password here."""
        self._sign_in(server_url, None, password, device_name, code=code)
        self.unlocked = True
        return self.user  # type: ignore[return-value]

    def unlock(self, password: str) -> None:
        """Open the app offline with the officer's password: it checks it and opens the store with its key.

        A password the verifier does not know still unlocks a store it opens: a sign-in with a new
        password re-keys the store before it writes the new verifier, and may have stopped between.
        """
        salt, expected = self.store.get_meta("verifier", [None, None])
        verified = salt is not None and hmac.compare_digest(verifier(password, bytes.fromhex(salt)).hex(), expected)
        if not verified and not self.store.get_meta("store_salt"):
            raise WrongPassword("The password does not match.")
        self.open_store(password)
        if not verified:
            salt = os.urandom(16)
            self.store.set_meta("verifier", [salt.hex(), verifier(password, salt).hex()])
        self.unlocked = True

    def open_store(self, password: str) -> None:
        """Open the store with the password's key; a store kept in the clear gets its salt (and its encryption) now.

        A re-key interrupted between its two writes left the new salt aside (``store_salt_next``): the
        store opens with whichever of the two its key was made with.
        """
        salts = [salt for salt in (self.store.get_meta("store_salt"), self.store.get_meta("store_salt_next")) if salt]
        if not salts:
            salts = [os.urandom(16).hex()]
            self.store.set_meta("store_salt", salts[0])
        for salt in salts:
            key = store_key(password, bytes.fromhex(salt))
            if self.store.is_open:
                if not hmac.compare_digest(key, self.store.key or b""):
                    continue
            else:
                try:
                    self.store.open(key)
                except WrongKey:
                    continue
            self.store.set_meta("store_salt", salt)
            return
        raise WrongPassword("The password does not open this phone's store.")

    def key_store(self, password: str) -> None:
        """The store opened, or re-keyed, with the password just accepted by the server (it may be a new one)."""
        if not self.store.is_open:
            if self.store.get_meta("store_salt"):
                raise WrongPassword("Unlock with the password this phone was last opened with first.")
            salt = os.urandom(16)
            self.store.set_meta("store_salt", salt.hex())
            self.store.open(store_key(password, salt))
            return
        current = bytes.fromhex(self.store.get_meta("store_salt"))
        if store_key(password, current) == self.store.key:
            return
        salt = os.urandom(16)
        self.store.set_meta("store_salt_next", salt.hex())
        self.store.rekey(store_key(password, salt))
        self.store.set_meta("store_salt", salt.hex())
        self.store.set_meta("store_salt_next", None)

    def reauthenticate(self, password: str) -> None:
        """After ``token_expired``: a new token for the same device, everything kept."""
        user, server_url = self.user, self.server_url
        if user is None or server_url is None:
            raise WrongPassword("Sign in first.")
        self._sign_in(server_url, user["username"], password,
                      self.store.get_meta("device_name", "Beatlog"))
        self.store.set_meta("needs_password", False)

    def _sign_in(self, server_url: str, username: str | None, password: str, device_name: str,
                 code: str | None = None) -> None:
        session = self.session_factory(server_url)
        credentials = {"code": code} if code is not None else {"username": username}
        body = session.post("/api/v1/auth/enrol" if code is not None else "/api/v1/auth/login", {
            **credentials, "password": password, "device_id": self.device_id, "device_name": device_name,
            "platform": "android" if on_android() else "desktop", "app_version": APP_VERSION})
        salt = os.urandom(16)
        self.key_store(password)
        with self.store.transaction() as db:
            for key_name, value in (("server_url", server_url), ("token", body["token"]),
                               ("token_expires_at", body["expires_at"]), ("user", body["user"]),
                               ("device_name", device_name),
                               ("verifier", [salt.hex(), verifier(password, salt).hex()])):
                self.store.set_meta(key_name, value, db)

    def lock(self) -> None:
        """Back to the lock screen: the store closes and its key is forgotten."""
        self.store.close()
        self.unlocked = False

    def session(self) -> Session:
        return self.session_factory(self.server_url, self.store.get_meta("token"))

    def handle(self, error: SyncError) -> AccountState:
        """Act on what the server said about this device; returns the new state."""
        if isinstance(error, UpgradeRequired):
            self.store.set_meta("upgrade_required", APP_VERSION)
        elif isinstance(error, AuthError) and error.code in WIPE_CODES:
            server_url = self.server_url
            self.store.wipe()
            if server_url:
                self.use_server(server_url)
            self.unlocked = False
            self.wiped = True
        elif isinstance(error, AuthError):
            self.store.set_meta("needs_password", True)
        return self.state

    def sign_out(self) -> None:
        """End the session on the server when reachable; the data stays for the next unlock."""
        try:
            self.session().request("POST", "/api/v1/auth/logout")
        except SyncError:
            pass
        self.store.set_meta("token", None)
        self.store.set_meta("needs_password", True)
        self.lock()
