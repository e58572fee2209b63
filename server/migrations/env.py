"""Alembic environment: migrate the database of the Flask app running the command.

Logging is the app's (``server/logs.py``): Alembic's lines come out as the server's do.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from alembic import context
from alembic.operations import MigrationScript
from alembic.runtime.migration import MigrationContext
from flask import current_app
from sqlalchemy import Connection

config = context.config
logger = logging.getLogger("alembic.env")

database = current_app.extensions["migrate"].db
config.set_main_option(
    "sqlalchemy.url", database.engine.url.render_as_string(hide_password=False).replace("%", "%%")
)


def skip_empty_autogenerate(context: MigrationContext, revision: Any, directives: list[MigrationScript]) -> None:
    """Make ``flask db migrate`` write nothing when the models match the database."""
    if getattr(config.cmd_opts, "autogenerate", False) and all(
        ops.is_empty() for ops in directives[0].upgrade_ops_list
    ):
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"), target_metadata=database.metadata, literal_binds=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    options = dict(current_app.extensions["migrate"].configure_args)
    options.setdefault("process_revision_directives", skip_empty_autogenerate)
    with database.engine.connect() as connection, foreign_keys_checked_at_the_end(connection):
        context.configure(connection=connection, target_metadata=database.metadata, **options)
        with context.begin_transaction():
            context.run_migrations()


@contextmanager
def foreign_keys_checked_at_the_end(connection: Connection) -> Iterator[None]:
    """On SQLite, check foreign keys once all migrations ran rather than at each statement.

    A batch migration rebuilds a table (copy, drop, rename) to change a column; with foreign
    keys enforced, dropping a table other rows reference (``blob``, referenced by
    ``blob_possession``) fails. Alembic's advice: switch enforcement off around the
    migrations (SQLite ignores the pragma inside a transaction, so on the raw connection
    before any), then ``PRAGMA foreign_key_check`` proves nothing was left dangling.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    raw = connection.connection.driver_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
        dangling = raw.execute("PRAGMA foreign_key_check").fetchall()
        if dangling:
            raise RuntimeError(f"the migrations left rows whose foreign keys point nowhere: {dangling[:5]}")
    finally:
        raw.execute("PRAGMA foreign_keys = ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
