"""One JSON log line per request, with its request id; never a password, token or query string.

The lines are read from what the process writes to stderr (``capsys``), as a log collector
reads them under gunicorn or systemd.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from server.extensions import db
from tests.conftest import make_app
from tests.phone import hostile_push
from tests.server.test_auth import login
from tests.server.test_metrics import a_push_of_every_outcome, dispose
from tests.world import PASSWORD, World

GENERATED = re.compile(r"[0-9a-f]{32}")


def log_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """Every line written to stderr since the last call; each one must be a JSON object."""
    return [json.loads(line) for line in capsys.readouterr().err.splitlines()]


def request_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [line for line in log_lines(capsys) if line["logger"] == "server.requests"]


def test_a_sign_in_is_one_json_line_without_the_password_or_the_token(
    client: FlaskClient, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    answer = login(client, "officer_a1")
    written = capsys.readouterr().err
    assert PASSWORD not in written and answer.json["token"] not in written
    [line] = [json.loads(row) for row in written.splitlines() if json.loads(row)["logger"] == "server.requests"]
    assert (line["level"], line["method"], line["endpoint"], line["route"], line["status"]) == (
        "INFO", "POST", "auth.login", "/api/v1/auth/login", 200)
    assert line["request_id"] == answer.headers["X-Request-Id"]
    assert isinstance(line["duration_ms"], float) and line["timestamp"]


def test_a_push_line_names_who_pushed_and_counts_its_outcomes(
    client: FlaskClient, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    hostile_push(client, world, "officer_a1", *a_push_of_every_outcome(world))
    [line] = request_lines(capsys)
    assert (line["endpoint"], line["status"]) == ("sync.push_mutations", 200)
    assert (line["person_id"], line["device_id"]) == (str(world.people["officer_a1"]),
                                                      str(world.devices["officer_a1"]))
    assert line["push"] == {"applied": 2, "merged": 1, "conflict": 1, "duplicate": 1, "rejected": 1}
    assert line["rejected_codes"] == {"out_of_scope": 1}


def test_a_pull_line_says_how_many_records_it_sent(
    client: FlaskClient, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    answer = client.get("/api/v1/sync/pull?schema_version=3", headers=world.headers("officer_a1"))
    [line] = request_lines(capsys)
    assert line["pulled"] == len(answer.json["changes"]) > 0


def test_an_incoming_request_id_is_echoed_and_named_in_the_error_body_and_the_log(
    client: FlaskClient, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    answer = client.get("/api/v1/auth/me", headers={"X-Request-Id": "edge-7f3a.42:b_c"})
    assert answer.status_code == 401
    assert answer.headers["X-Request-Id"] == answer.json["request_id"] == "edge-7f3a.42:b_c"
    [line] = request_lines(capsys)
    assert (line["request_id"], line["status"]) == ("edge-7f3a.42:b_c", 401)


@pytest.mark.parametrize("given", ["x" * 65, "abc\x01def", "tab\there", "a b", "", "请求", "a;b=c"])
def test_a_request_id_that_is_not_a_short_plain_token_is_replaced(
    client: FlaskClient, capsys: pytest.CaptureFixture[str], given: str
) -> None:
    capsys.readouterr()
    answer = client.get("/no-such-page", headers={"X-Request-Id": given})
    made = answer.headers["X-Request-Id"]
    assert GENERATED.fullmatch(made) and answer.json["request_id"] == made
    [line] = request_lines(capsys)
    assert line["request_id"] == made


def test_each_request_without_an_id_gets_a_new_one(client: FlaskClient) -> None:
    first, second = (client.get("/api/v1/ping").headers["X-Request-Id"] for _ in range(2))
    assert GENERATED.fullmatch(first) and GENERATED.fullmatch(second) and first != second


def test_every_answer_says_how_long_the_server_took(client: FlaskClient, world: World) -> None:
    for answer in (client.get("/api/v1/ping"), client.get("/api/v1/auth/me"),
                   client.get("/api/v1/auth/me", headers=world.headers("officer_a1"))):
        assert re.fullmatch(r"app;dur=\d+\.\d\d", answer.headers["Server-Timing"])


def test_a_query_string_never_reaches_the_log(client: FlaskClient, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    client.get("/api/v1/ping?token=bl_secret-in-a-query&password=hunter2")
    written = capsys.readouterr().err
    assert "bl_secret-in-a-query" not in written and "hunter2" not in written
    assert json.loads(written.splitlines()[-1])["route"] == "/api/v1/ping"


def test_what_the_server_code_logs_during_a_request_is_json_with_its_request_id(
    app: Flask, capsys: pytest.CaptureFixture[str]
) -> None:
    def forgot_its_policy() -> str:
        return "never"

    app.add_url_rule("/test/no-policy", "no_policy", forgot_its_policy)
    capsys.readouterr()
    answer = app.test_client().get("/test/no-policy", headers={"X-Request-Id": "trace-1"})
    assert answer.status_code == 403
    lines = log_lines(capsys)
    [complaint] = [line for line in lines if line["level"] == "ERROR"]
    assert complaint["message"] == "endpoint no_policy declares no access policy"
    assert complaint["request_id"] == "trace-1" and complaint["logger"] == "server"


def test_the_text_format_is_one_readable_line_per_request(
    migrated_database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app(migrated_database, tmp_path / "instance", LOG_FORMAT="text")
    try:
        capsys.readouterr()
        app.test_client().get("/api/v1/ping", headers={"X-Request-Id": "plain-1"})
        [line] = capsys.readouterr().err.splitlines()
        assert "INFO server.requests GET /api/v1/ping 200" in line
        assert "request_id=plain-1" in line and "endpoint=health.ping" in line
    finally:
        dispose(app)


def test_a_failed_statement_never_shows_its_parameters(app: Flask) -> None:
    secret = f"bl_{uuid.uuid4().hex}"
    with app.app_context():
        with pytest.raises(SQLAlchemyError) as failed:
            db.session.execute(text("SELECT * FROM no_such_table WHERE token = :token"), {"token": secret})
        db.session.rollback()
    assert "no_such_table" in str(failed.value) and secret not in str(failed.value)
