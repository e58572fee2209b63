"""The health endpoints an orchestrator or load balancer probes: live (the process) and ready (what it needs)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

from server import MIGRATIONS
from server.extensions import db
from tests.conftest import make_app, scratch_database
from tests.e2e.conftest import free_port

CHECKS = {"database", "migrations", "blob_store"}


def failing(response_json: dict) -> set[str]:
    return {name for name, check in response_json["checks"].items() if check["status"] != "pass"}


@pytest.fixture
def unreachable_app(backend: str, tmp_path: Path) -> Iterator[Flask]:
    """An app whose database cannot be reached: a SQLite file in a missing folder, or a closed port."""
    url = (f"sqlite:///{tmp_path}/missing/beatlog.sqlite" if backend == "sqlite"
           else f"postgresql://postgres@127.0.0.1:{free_port()}/beatlog")
    app = make_app(url, tmp_path / "instance")
    yield app
    with app.app_context():
        db.engine.dispose()


def test_live_answers_without_touching_the_database(unreachable_app: Flask) -> None:
    response = unreachable_app.test_client().get("/health/live")
    assert (response.status_code, response.json) == (200, {"status": "pass"})


def test_ready_passes_when_the_database_its_migrations_and_the_blob_store_are_fine(client: FlaskClient) -> None:
    response = client.get("/health/ready")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "pass"
    assert set(response.json["checks"]) == CHECKS and failing(response.json) == set()


def test_ready_fails_naming_the_database_while_it_cannot_be_reached(unreachable_app: Flask) -> None:
    response = unreachable_app.test_client().get("/health/ready")
    assert response.status_code == 503
    assert response.json["status"] == "fail"
    assert failing(response.json) == {"database", "migrations"}
    assert response.json["checks"]["blob_store"]["status"] == "pass"


def test_ready_says_nothing_of_the_database_address_or_its_error(unreachable_app: Flask) -> None:
    body = unreachable_app.test_client().get("/health/ready").get_data(as_text=True)
    url = unreachable_app.config["SQLALCHEMY_DATABASE_URI"]
    assert "127.0.0.1" not in body and "sqlite" not in body.lower() and url not in body
    assert "postgres" not in body.lower() and "missing" not in body


def test_ready_fails_naming_the_migrations_when_the_database_is_one_migration_behind(
    backend: str, tmp_path: Path
) -> None:
    scripts = ScriptDirectory(MIGRATIONS)
    head = scripts.get_revision(scripts.get_current_head())
    with scratch_database(backend, tmp_path) as url:
        app = make_app(url, tmp_path / "instance")
        with app.app_context():
            upgrade(revision=head.down_revision)
        response = app.test_client().get("/health/ready")
        with app.app_context():
            db.engine.dispose()
    assert response.status_code == 503
    assert failing(response.json) == {"migrations"}
    assert head.revision in response.json["checks"]["migrations"]["message"]
    assert "flask --app server db upgrade" in response.json["checks"]["migrations"]["message"]


def test_ready_fails_naming_the_blob_store_when_it_cannot_be_written(migrated_database: str, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    app = make_app(migrated_database, tmp_path / "instance", BLOB_STORE=str(blocker / "blobs"))
    response = app.test_client().get("/health/ready")
    with app.app_context():
        db.engine.dispose()
    assert response.status_code == 503
    assert failing(response.json) == {"blob_store"}
    assert "a-file" not in response.get_data(as_text=True)


def test_health_needs_no_sign_in_even_with_a_bad_token(client: FlaskClient) -> None:
    headers = {"Authorization": "Bearer not-a-token"}
    assert client.get("/health/live", headers=headers).status_code == 200
    assert client.get("/health/ready", headers=headers).status_code == 200


def test_the_old_ping_still_answers(client: FlaskClient) -> None:
    assert client.get("/api/v1/ping").json["status"] == "ok"
