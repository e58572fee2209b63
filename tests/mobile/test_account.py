"""What the server says about this app: a 426 holds syncing until the app is updated."""

from __future__ import annotations

import pytest

from mobile.account import Account, AccountState
from mobile.session import Attempt, AuthError, UpgradeRequired
from mobile.store import Store


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
    assert (store.get_meta("user"), store.get_meta("token")) == (None, None)
    assert account.server_url == "https://beatlog.example"
