"""Readiness against a real PostgreSQL that stops, starts and hangs: a private cluster, never the shared one."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

from server.extensions import db
from tests.conftest import make_app
from tests.postgres_cluster import PrivateCluster, private_cluster
from tests.world import World, build_world


@pytest.fixture(scope="module")
def cluster() -> Iterator[PrivateCluster]:
    with private_cluster() as running:
        yield running


@dataclass
class Served:
    app: Flask
    client: FlaskClient
    world: World

    def ready(self) -> tuple[int, dict]:
        response = self.client.get("/health/ready")
        return response.status_code, response.json

    def signed_in_status(self) -> int:
        """What a signed-in request gets: it reads the database through the app's connection pool."""
        return self.client.get("/api/v1/auth/me", headers=self.world.headers("officer_a1")).status_code


@pytest.fixture
def served(cluster: PrivateCluster, tmp_path: Path) -> Iterator[Served]:
    """Beatlog on a database of its own in the private cluster, migrated, with the test world in it."""
    name = f"beatlog_{uuid.uuid4().hex[:10]}"
    maintenance = sa.create_engine(cluster.url.replace("postgresql://", "postgresql+psycopg://"),
                                   isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    with maintenance.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    app = make_app(cluster.url.rsplit("/", 1)[0] + f"/{name}", tmp_path / "instance")
    with app.app_context():
        upgrade()
        world = build_world(db.session)
    yield Served(app, app.test_client(), world)
    cluster.thaw()
    if not cluster.running():
        cluster.start()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    with maintenance.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
    maintenance.dispose()


def test_requests_work_at_once_after_postgresql_restarts(cluster: PrivateCluster, served: Served) -> None:
    assert served.signed_in_status() == 200
    cluster.stop()
    cluster.start()
    assert served.signed_in_status() == 200
    assert served.ready()[0] == 200


def test_ready_fails_while_postgresql_is_stopped_and_recovers_when_it_starts(
    cluster: PrivateCluster, served: Served
) -> None:
    assert served.ready()[0] == 200
    cluster.stop()
    status, body = served.ready()
    assert status == 503 and body["checks"]["database"]["status"] == "fail", body
    assert body["checks"]["blob_store"]["status"] == "pass"
    assert served.signed_in_status() == 503
    cluster.start()
    status, body = served.ready()
    assert status == 200, body
    assert served.signed_in_status() == 200


def test_ready_gives_up_on_a_hung_postgresql_and_recovers_when_it_answers_again(
    cluster: PrivateCluster, served: Served
) -> None:
    assert served.ready()[0] == 200
    served.app.config["READY_TIMEOUT_SECONDS"] = 1
    cluster.freeze()
    status, body = served.ready()
    again = served.ready()
    cluster.thaw()
    assert status == 503 and "did not answer" in body["checks"]["database"]["message"], body
    assert again[0] == 503
    served.app.config["READY_TIMEOUT_SECONDS"] = 60
    status, body = served.ready()
    assert status == 200, body
