"""Which Alembic revisions the code expects (its heads) and which a database is at."""

from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import Connection

UPGRADE = "flask --app server db upgrade"
"""What brings a database to the code's heads; messages that say a database is behind name it."""


def scripts() -> ScriptDirectory:
    return ScriptDirectory(current_app.extensions["migrate"].directory)


def code_heads() -> set[str]:
    """The newest revisions this release's migrations know: what ``flask db upgrade`` brings a database to."""
    return set(scripts().get_heads())


def database_heads(connection: Connection) -> set[str]:
    """The revisions the database is at; empty when it was never migrated."""
    return set(MigrationContext.configure(connection).get_current_heads())


def known(revision: str) -> bool:
    """Whether this release's migrations hold ``revision`` (a newer release's database would not)."""
    return any(script.revision == revision for script in scripts().walk_revisions())
