"""``flask --app server personal-data …``: residents' personal data at rest (docs/privacy.md)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from server.cli import committing
from server.extensions import db
from server.operations.personal_data import reseal

personal_data_cli = AppGroup("personal-data", help="Residents' personal data, kept encrypted (docs/privacy.md).")


@personal_data_cli.command("reseal")
@committing
def reseal_command() -> None:
    """Seal again under the first key of BEATLOG_PII_KEYS what older keys sealed, and re-index documents.

    Run after putting a new key first; drop an old key only once this reports nothing more to do.
    """
    counts = reseal(db.session())
    if not any(counts.values()):
        click.echo("Nothing to re-seal: every value is sealed under the current key and indexed with the current "
                   "index key.")
        return
    click.echo("Re-sealed: " + ", ".join(f"{count} {what.replace('_', ' ')}" for what, count in counts.items()))
