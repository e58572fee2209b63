"""What the server says about this app: a 426 holds syncing until the app is updated."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from mobile.account import Account, AccountState, WrongPassword, verifier
from mobile.session import Attempt, AuthError, UpgradeRequired
from mobile.store import Records, Store, database

SALT = bytes(range(16))
REGISTRATION = {"house_id": "8f9c3a52-3c1d-4f37-9a8e-5d2f1b7c6e10",
                "officer_id": "2b7e1c44-5a3d-4d2e-8f19-6c0b9a7d3e21",
                "full_name": "测试甲", "document_kind": "resident_id", "document_number": "330402199001011230",
                "phone": "13800001234", "arrived_at": "2026-06-14T09:00:00+08:00",
                "registered_at": "2026-06-14T10:00:00+08:00"}


@pytest.fixture
def account(store: Store) -> Account:
    signed_in = Account(store)
    store.set_meta("user", {"id": "p1", "username": "officer1"})
    signed_in.unlocked = True
    return signed_in


def told_to_upgrade(account: Account) -> AccountState:
    return account.handle(UpgradeRequired("too old", Attempt("POST", "http://server/api/v1/sync/push")))


def test_an_app_told_to_upgrade_stays_held_while_it_is_the_same_version(account: Account, store: Store) -> None:
    assert told_to_upgrade(account) is AccountState.UPGRADE_REQUIRED
    reopened = Account(store)
    reopened.unlocked = True
    assert reopened.state is AccountState.UPGRADE_REQUIRED


def test_an_updated_app_syncs_again_without_being_told(
    account: Account, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    told_to_upgrade(account)
    monkeypatch.setattr("mobile.account.APP_VERSION", "99.0.0")
    updated = Account(store)
    updated.unlocked = True
    assert updated.state is AccountState.READY


def test_a_wiped_device_forgets_the_officer_but_keeps_the_server_to_sign_in_to_again(
    account: Account, store: Store
) -> None:
    account.use_server("https://beatlog.example")
    store.set_meta("token", "bl_token")
    revoked = AuthError("revoked", Attempt("POST", "https://beatlog.example/api/v1/sync/push"))
    revoked.code = "device_revoked"
    assert account.handle(revoked) is AccountState.WIPED
    assert store.get_meta("user") is None and not store.is_open and not store.path.exists()
    assert account.server_url == "https://beatlog.example"


def test_a_lost_phones_store_read_without_the_password_yields_nothing(tmp_path: Path) -> None:
    """The residents' data, the outbox and the token are in a file SQLite cannot read without the key."""
    store = Store(tmp_path / "phone")
    account = Account(store)
    store.set_meta("verifier", [SALT.hex(), verifier("secret-pass", SALT).hex()])
    account.unlock("secret-pass")
    Records(store).save("occupant", REGISTRATION)
    store.set_meta("token", "bl_secret_token")
    store.close()
    raw = b"".join(path.read_bytes() for path in (tmp_path / "phone").rglob("*") if path.is_file())
    for secret in (b"330402199001011230", "测试甲".encode(), b"13800001234", b"bl_secret_token", b"occupant"):
        assert secret not in raw
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(store.path).execute("SELECT * FROM record").fetchall()
    with pytest.raises(WrongPassword):
        Account(Store(tmp_path / "phone")).unlock("wrong-pass")
    reopened = Store(tmp_path / "phone")
    Account(reopened).unlock("secret-pass")
    assert Records(reopened).all("occupant")[0].data["document_number"] == "330402199001011230"


def test_a_store_kept_in_the_clear_is_encrypted_on_its_first_unlock(tmp_path: Path) -> None:
    directory = tmp_path / "phone"
    directory.mkdir()
    with sqlite3.connect(directory / "beatlog.sqlite") as legacy:
        database.migrate(legacy)
        legacy.execute("INSERT INTO meta (key, value) VALUES (?, ?)",
                       ("verifier", json.dumps([SALT.hex(), verifier("secret-pass", SALT).hex()])))
        legacy.execute("INSERT INTO meta (key, value) VALUES ('cursor', '\"c-7\"')")
        legacy.execute("INSERT INTO record (type, id, local) VALUES ('venue', 'v1', '{\"name\": \"月河宾馆\"}')")
    store = Store(directory)
    Account(store).unlock("secret-pass")
    assert store.get_meta("cursor") == "c-7" and Records(store).get("venue", "v1").data["name"] == "月河宾馆"
    store.close()
    assert "月河宾馆".encode() not in (directory / "beatlog.sqlite").read_bytes()


def test_a_new_password_rekeys_the_store_and_the_old_one_no_longer_opens_it(tmp_path: Path) -> None:
    store = Store(tmp_path / "phone")
    account = Account(store)
    store.set_meta("verifier", [SALT.hex(), verifier("old-password", SALT).hex()])
    account.unlock("old-password")
    store.set_meta("cursor", "c-1")
    account.key_store("new-password")
    store.close()
    account.unlock("new-password")
    assert store.get_meta("cursor") == "c-1"
    with pytest.raises(WrongPassword):
        account.unlock("a-wrong-password")
    store.close()
    with pytest.raises(WrongPassword):
        account.unlock("old-password")
    account.unlock("new-password")
