"""``flask --app server squad …``: traffic squads and the police rooms they cover."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from server.cli import committing, find_record
from server.extensions import db
from server.models import Room, TrafficSquad
from server.operations.squads import cover_rooms, create_squad

squad_cli = AppGroup("squad", help="Traffic squads (交警中队) and the police rooms whose work orders they take.")


@squad_cli.command("create")
@click.argument("name")
@committing
def create_squad_command(name: str) -> None:
    """Create a traffic squad."""
    squad = create_squad(db.session(), name, actor_id=None)
    click.echo(f"Created traffic squad {squad.name} ({squad.id}).")


@squad_cli.command("cover")
@click.argument("squad")
@click.argument("rooms", nargs=-1, required=True)
@committing
def cover_command(squad: str, rooms: tuple[str, ...]) -> None:
    """Send the new work orders of these police rooms (names or ids) to the squad (name or id)."""
    found = find_record(TrafficSquad, squad, "name")
    covered = cover_rooms(db.session(), found.id, [find_record(Room, room, "name").id for room in rooms], actor_id=None)
    click.echo(f"{found.name} covers {', '.join(room.name for room in covered)}.")


@squad_cli.command("list")
def list_command() -> None:
    """Each squad and the rooms it covers."""
    for squad in db.session.scalars(select(TrafficSquad).order_by(TrafficSquad.name)):
        click.echo(f"{squad.name} ({squad.id}): {', '.join(room.name for room in squad.rooms) or '-'}")
