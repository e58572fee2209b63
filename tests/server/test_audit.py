"""The audit trail detects any edited or removed entry."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import delete, func, select, update

from server.extensions import db
from server.ledger import verify_audit
from server.models import AuditEntry
from tests.world import World


def verification(client: FlaskClient, world: World) -> dict:
    response = client.get("/api/v1/audit/verify", headers=world.headers("admin"))
    assert response.status_code == 200
    return response.json


def tamper(app: Flask, statement: object) -> None:
    with app.app_context():
        db.session.execute(statement)
        db.session.commit()


def middle_entry(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.min(AuditEntry.id))) + 5


def test_an_untouched_trail_verifies(client: FlaskClient, world: World) -> None:
    result = verification(client, world)
    assert result["intact"] is True and result["problems"] == []
    assert result["entries"] > 20 and len(result["head"]) == 64


def test_editing_an_entry_is_detected(app: Flask, client: FlaskClient, world: World) -> None:
    target = middle_entry(app)
    tamper(app, update(AuditEntry).where(AuditEntry.id == target).values(details={"username": "someone_else"}))
    result = verification(client, world)
    assert result["intact"] is False
    assert result["problems"] == [f"entry {target}: its content does not match its hash (it was edited)"]


def test_rewriting_an_entry_with_a_fresh_plain_hash_is_detected(app: Flask, client: FlaskClient, world: World) -> None:
    import hashlib

    target = middle_entry(app)
    forged = hashlib.sha256(b"forged").hexdigest()
    tamper(app, update(AuditEntry).where(AuditEntry.id == target).values(action="auth.logout", entry_hash=forged))
    problems = verification(client, world)["problems"]
    assert f"entry {target}: its content does not match its hash (it was edited)" in problems
    assert f"entry {target + 1}: does not follow the entry before it (one was removed or edited)" in problems


def test_deleting_an_entry_in_the_middle_is_detected(app: Flask, client: FlaskClient, world: World) -> None:
    target = middle_entry(app)
    tamper(app, delete(AuditEntry).where(AuditEntry.id == target))
    problems = verification(client, world)["problems"]
    assert f"entry {target + 1}: does not follow the entry before it (one was removed or edited)" in problems


def test_deleting_the_newest_entries_is_detected(app: Flask, client: FlaskClient, world: World) -> None:
    with app.app_context():
        newest = db.session.scalar(select(func.max(AuditEntry.id)))
    tamper(app, delete(AuditEntry).where(AuditEntry.id >= newest - 1))
    result = verification(client, world)
    assert result["intact"] is False
    assert any("removed from the end" in problem for problem in result["problems"])


def test_a_different_audit_key_fails_every_entry(app: Flask, world: World) -> None:
    with app.app_context():
        result = verify_audit(db.session, key=b"not the key")
    assert not result.intact


def test_the_cli_verifies_and_exits_non_zero_on_tampering(app: Flask, runner: FlaskCliRunner, world: World) -> None:
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "intact" in result.output
    tamper(app, update(AuditEntry).where(AuditEntry.id == middle_entry(app)).values(action="forged"))
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "was edited" in result.output


def test_entries_chain_in_commit_order(app: Flask, world: World) -> None:
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert entries[0].prev_hash == "0" * 64
    assert all(later.prev_hash == earlier.entry_hash for earlier, later in zip(entries, entries[1:]))
