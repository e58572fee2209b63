"""What changing a key does, as docs/operations.md ("Rotate keys") tells the on-call engineer.

A new ``SECRET_KEY`` signs every dashboard browser out and makes each handheld pull in full once,
with the token it has. A new ``BEATLOG_AUDIT_KEY`` makes every earlier audit entry fail verification
and every earlier checkpoint be refused: that key cannot be rotated.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from tests.phone import DeviceFactory
from tests.server.dashboard.conftest import Reviewer
from tests.world import World


def test_a_new_secret_key_signs_every_dashboard_browser_out(app: Flask, client: FlaskClient, world: World) -> None:
    browser = Reviewer(client)
    assert browser.sign_in("chief_a").status_code == 302
    assert browser.get("/dashboard/inbox").status_code == 200
    app.config["SECRET_KEY"] = "a-new-secret-key"
    for signed_out in (browser.get("/dashboard/inbox"), browser.post("/dashboard/logout", {})):
        assert signed_out.status_code == 302 and signed_out.headers["Location"].startswith("/dashboard/login")


def test_a_new_secret_key_makes_each_handheld_pull_in_full_once_with_the_token_it_has(
    app: Flask, device: DeviceFactory
) -> None:
    phone = device("officer_a1")
    phone.pull()
    app.config["SECRET_KEY"] = "a-new-secret-key"
    assert phone.sync_client().pull() > 0 and phone.resets == 2
    assert phone.sync_client().pull() == 0 and phone.resets == 2


def test_a_new_audit_key_fails_every_earlier_entry_and_refuses_every_earlier_checkpoint(
    app: Flask, runner: FlaskCliRunner, device: DeviceFactory
) -> None:
    device("officer_a1").pull()
    taken = runner.invoke(args=["audit", "checkpoint"])
    assert taken.exit_code == 0, taken.output
    app.config["AUDIT_KEY"] = "a-new-audit-key"
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 1 and "its content does not match its hash" in verified.output
    refused = runner.invoke(args=["audit", "verify", "--checkpoint", taken.output.strip()])
    assert refused.exit_code == 2 and "not signed with this server's audit key" in refused.output
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 1
