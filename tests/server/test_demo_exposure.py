"""A production worker checks the demo passwords as it starts, not on its first page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from server.demo import exposure
from server.demo.org import DEMO_PASSWORD
from server.extensions import db
from server.operations.people import create_person
from server.passwords import hash_demo_password
from tests.conftest import empty_tables, make_app


@pytest.fixture
def demo_admin(migrated_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """An app whose one account is the demo's admin with the demo password, and no verdict remembered."""
    monkeypatch.setattr(exposure, "_checked", {})
    app = make_app(migrated_database, tmp_path / "instance")
    with app.app_context():
        empty_tables()
        create_person(db.session, actor_id=None, username="admin", display_name="管理员", role="admin",
                      demo_password_hash=hash_demo_password(DEMO_PASSWORD))
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        empty_tables()
        db.session.remove()
        db.engine.dispose()


def test_a_worker_checks_the_demo_passwords_as_it_starts_so_no_page_waits_for_argon2(
        demo_admin: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    exposure.check_demo_passwords(demo_admin)

    def no_argon2(stored_hash: str, password: str) -> bool:
        raise AssertionError("a page verified a password")

    monkeypatch.setattr(exposure, "verify_password", no_argon2)
    with demo_admin.app_context():
        assert exposure.demo_password_accounts(db.session()) == ["admin"]
        db.session.remove()


def test_a_worker_starting_before_the_database_is_migrated_leaves_the_check_to_the_first_page(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exposure, "_checked", {})
    app = make_app(f"sqlite:///{tmp_path / 'empty.sqlite'}", tmp_path / "instance")
    exposure.check_demo_passwords(app)
    assert exposure._checked == {}
    with app.app_context():
        db.engine.dispose()
