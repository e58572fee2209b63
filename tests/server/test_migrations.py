"""The migrations build the schema the models describe, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade

from server.extensions import db
from server.models import Base
from tests.conftest import make_app, scratch_database


def test_the_models_match_the_migrations(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_upgrade_builds_an_empty_database_and_downgrade_removes_it(backend: str, tmp_path: Path) -> None:
    with scratch_database(backend, tmp_path) as url:
        app = make_app(url, tmp_path / "instance")
        with app.app_context():
            upgrade()
            tables = set(sa.inspect(db.engine).get_table_names())
            assert {table.name for table in Base.metadata.sorted_tables} <= tables
            with db.engine.connect() as connection:
                assert connection.execute(sa.text("SELECT id, seq, audit_count, purged_seq FROM ledger")).all() == [
                    (1, 0, 0, 0)
                ]
                assert len(connection.execute(sa.text("SELECT epoch FROM ledger")).scalar_one()) == 36
            downgrade(revision="base")
            assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
            upgrade()
            db.engine.dispose()
