"""The audit trail detects any edited or removed entry."""

from __future__ import annotations

from itertools import pairwise

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import delete, func, select, update

from server.extensions import db
from server.ledger import verify_audit
from server.models import AuditEntry, Ledger
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
    assert all(later.prev_hash == earlier.entry_hash for earlier, later in pairwise(entries))


def checkpoint(runner: FlaskCliRunner) -> str:
    result = runner.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def truncate_and_rewrite_the_ledger(app: Flask, removed: int) -> None:
    """What someone with write access to the database does to hide the newest entries."""
    with app.app_context():
        newest = db.session.scalar(select(func.max(AuditEntry.id)))
        db.session.execute(delete(AuditEntry).where(AuditEntry.id > newest - removed))
        kept = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        count = db.session.scalar(select(func.count()).select_from(AuditEntry))
        db.session.execute(update(Ledger).values(audit_count=count, audit_head=kept.entry_hash))
        db.session.commit()


def test_a_signed_checkpoint_detects_the_newest_entries_removed_with_the_ledger_rewritten(
    app: Flask, runner: FlaskCliRunner, world: World
) -> None:
    kept_outside = checkpoint(runner)
    truncate_and_rewrite_the_ledger(app, removed=2)
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    result = runner.invoke(args=["audit", "verify", "--checkpoint", kept_outside])
    assert result.exit_code == 1
    assert "fewer entries than the checkpoint" in result.output


def test_a_checkpoint_still_verifies_after_new_entries(app: Flask, runner: FlaskCliRunner, client: FlaskClient,
                                                       world: World) -> None:
    kept_outside = checkpoint(runner)
    client.post("/api/v1/auth/login", json={"username": "officer_a1", "password": "wrong",
                                            "device_id": "00000000-0000-4000-8000-000000000001", "device_name": "x"})
    result = runner.invoke(args=["audit", "verify", "--checkpoint", kept_outside])
    assert result.exit_code == 0 and "checkpoint" in result.output


def test_a_forged_checkpoint_is_refused(runner: FlaskCliRunner, world: World) -> None:
    entries, head, _mac = checkpoint(runner).rsplit(":", 2)
    result = runner.invoke(args=["audit", "verify", "--checkpoint", f"{entries}:{head}:{'0' * 64}"])
    assert result.exit_code != 0 and "not signed with this server's audit key" in result.output
