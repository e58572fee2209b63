"""Without ``DATABASE_REPLICA_URL`` everything reads and writes the one database, as before standbys.

The standby itself is tested against a real one in ``test_replica_postgres.py``.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from prometheus_client import REGISTRY

from server import replica
from server.extensions import db
from server.models import Device
from tests.phone import DeviceFactory
from tests.server.dashboard.conftest import Reviewer
from tests.world import World


def replica_reads() -> float:
    return sum(REGISTRY.get_sample_value("beatlog_replica_reads_total", {"reader": reader, "served_by": where}) or 0
               for reader in ("pull", "dashboard") for where in ("standby", "behind", "unavailable"))


def test_without_a_standby_pulls_and_pages_read_the_one_database_and_mark_nothing(
    app: Flask, client: FlaskClient, device: DeviceFactory, world: World
) -> None:
    before = replica_reads()
    officer = device("officer_a1")
    officer.pull()
    officer.edit("venue", str(world.venues["A1"]), notes="只有一个数据库")
    officer.sync()
    chief = Reviewer(client)
    chief.sign_in("chief_a")
    assert chief.get(f"/dashboard/inspections/{world.inspections['A1']}").status_code == 200
    assert replica.STANDBY not in app.extensions and replica_reads() == before
    with app.app_context():
        assert db.session.get_one(Device, world.devices["officer_a1"]).written_seq == 0
