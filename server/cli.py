"""Command-line administration: ``flask --app server <group> <command>`` or ``beatlog …``."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext
from sqlalchemy import or_, select

from server.backup import Outcome, make_backup, restore_backup
from server.blob_upkeep import Batch, check_store, make_thumbnails, move_back, move_out
from server.config import demo_mode
from server.demo.loader import load_demo
from server.demo.org import ADMINS, CHIEFS, DEMO_PASSWORD, OFFICERS, TRAFFIC
from server.dumps import BackupError
from server.extensions import db
from server.ledger import Checkpoint, audit_key, verify_audit
from server.models import Device, Person, Room, Station, TrafficSquad
from server.operations.devices import revoke_device
from server.operations.people import create_person, set_password, update_person
from server.refusals import Refused
from server.syncing.wire import rebuild_wire
from server.transaction import settle
from server.upkeep.jobs import JOBS, run_job, schedule
from server.upkeep.worker import serve_worker
from sync.rules import ROLES

person_cli = AppGroup("person", help="Create people, set passwords, disable and enable accounts.")
device_cli = AppGroup("device", help="List enrolled devices and revoke a lost one.")
demo_cli = AppGroup("demo", help="Demo data for trying Beatlog out.")
audit_cli = AppGroup("audit", help="Check the audit trail.")
blobs_cli = AppGroup("blobs", help="Photo and signature bytes: move them out of the database, check the blob store.")
sync_cli = AppGroup("sync", help="Sync storage repairs.")
upkeep_cli = AppGroup("upkeep", help="The scheduled upkeep jobs: list them, run one now.")


def committing(command: Callable[..., Any]) -> Callable[..., Any]:
    """Run the command as one transaction, settled as a request's is; a refusal becomes a clean CLI error."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            result = command(*args, **kwargs)
        except Refused as error:
            settle(db.session(), error)
            details = "; ".join(f"{name}: {' '.join(map(str, msgs))}" for name, msgs in error.fields.items())
            raise click.ClickException(error.message + (f" ({details})" if details else "")) from None
        settle(db.session(), None)
        return result

    return run


def find_record(model: type[Any], value: str, *names: str) -> Any:
    """The one row of ``model`` whose id or one of ``names`` is ``value``; a clean CLI error otherwise."""
    conditions = [getattr(model, name) == value for name in names]
    try:
        conditions.append(model.id == uuid.UUID(value))
    except ValueError:
        pass
    found = db.session.scalars(select(model).where(or_(*conditions))).all()
    if len(found) != 1:
        raise click.ClickException(f"No single {model.__tablename__} matches {value!r}.")
    return found[0]


def find_person(username: str) -> Person:
    return find_record(Person, username.lower(), "username")


@person_cli.command("create")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="Name shown to others, e.g. 李持忠.")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--room", help="Police room (name or id); officers only.")
@click.option("--station", help="Police station (name or id); chiefs only.")
@click.option("--squad", help="Traffic squad (name or id); traffic officers and squad leaders only.")
@click.option("--stars", type=click.IntRange(0, 5), default=0, help="Star rating of a community officer.")
@click.password_option()
@committing
def create_person_command(
    username: str, display_name: str, role: str, room: str | None, station: str | None, squad: str | None,
    stars: int, password: str,
) -> None:
    """Create a person who can sign in."""
    person = create_person(
        db.session(),
        actor_id=None,
        username=username,
        display_name=display_name,
        role=role,
        password=password,
        room_id=find_record(Room, room, "name").id if room else None,
        station_id=find_record(Station, station, "name").id if station else None,
        squad_id=find_record(TrafficSquad, squad, "name").id if squad else None,
        star_level=stars,
    )
    click.echo(f"Created {person.role} {person.username} ({person.id}).")


@person_cli.command("set-password")
@click.argument("username")
@click.password_option()
@committing
def set_password_command(username: str, password: str) -> None:
    """Set a person's password; their devices must sign in again."""
    set_password(db.session(), find_person(username).id, password, actor_id=None)
    click.echo(f"Password of {username} set; their sessions have ended.")


@person_cli.command("disable")
@click.argument("username")
@committing
def disable_command(username: str) -> None:
    """Disable an account: its tokens stop working at once."""
    update_person(db.session(), find_person(username).id, {"active": False}, actor_id=None)
    click.echo(f"{username} is disabled.")


@person_cli.command("enable")
@click.argument("username")
@committing
def enable_command(username: str) -> None:
    """Enable a disabled account again."""
    update_person(db.session(), find_person(username).id, {"active": True}, actor_id=None)
    click.echo(f"{username} is enabled.")


@device_cli.command("list")
@click.option("--person", "username", help="Only this person's devices.")
def list_devices_command(username: str | None) -> None:
    """List devices, most recently seen first."""
    statement = select(Device).order_by(Device.last_seen_at.desc())
    if username:
        statement = statement.where(Device.person_id == find_person(username).id)
    devices = db.session.scalars(statement).all()
    if not devices:
        click.echo("No devices.")
    for device in devices:
        state = f"revoked {device.revoked_at:%Y-%m-%d %H:%M}" if device.revoked else "active"
        click.echo(
            f"{device.id}  {device.person.username:<12} {device.name:<20} "
            f"last seen {device.last_seen_at:%Y-%m-%d %H:%M}Z  {state}"
        )


@device_cli.command("revoke")
@click.argument("device_id", type=click.UUID)
@click.option("--reason", required=True, help="Why, e.g. 'lost on patrol'.")
@committing
def revoke_device_command(device_id: uuid.UUID, reason: str) -> None:
    """Revoke a device: its tokens fail now and it wipes its data on next contact."""
    if db.session.get(Device, device_id) is None:
        raise click.ClickException(f"No device {device_id}.")
    revoke_device(db.session(), device_id, actor_id=None, reason=reason)
    click.echo(f"Device {device_id} revoked.")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True,
              help="What `make run` does: load only into an empty SQLite database, or any empty one when "
                   "BEATLOG_DEMO=1.")
@committing
def load_demo_command(if_empty: bool) -> None:
    """Load the demo stations, rooms, venues, templates, people and field records (all with password 'demo')."""
    if if_empty and not demo_mode(current_app.config):
        click.echo("This is not a demo database (not SQLite, and BEATLOG_DEMO=1 is not set); demo not loaded. "
                   "Run `flask demo load` to load it anyway.")
        return
    if if_empty and db.session.scalars(select(Person.id)).first() is not None:
        click.echo("Database already has data; demo not loaded.")
        return
    summary = load_demo(db.session())
    click.echo("Demo data loaded: " + ", ".join(f"{count} {name}" for name, count in summary.items()) + ".")


@demo_cli.command("welcome")
@click.option("--url", default="http://127.0.0.1:5000", help="Where the server listens.")
def welcome_command(url: str) -> None:
    """Say where the server is and which demo accounts sign in."""
    click.echo(f"\nBeatlog is starting at {url}")
    click.echo(f"  Dashboard: {url}/dashboard/  (chief1, admin or squadlead1, password '{DEMO_PASSWORD}')")
    click.echo("  Handheld:  make app  (officer1, same password)")
    click.echo(f"  API:      {url}/api/v1/  (OpenAPI: {url}/api/v1/openapi.json)")
    click.echo(f"  Sign in:  POST {url}/api/v1/auth/login with a username below and password '{DEMO_PASSWORD}'")
    click.echo("  Accounts: " + ", ".join(account[0] for group in (ADMINS, CHIEFS, OFFICERS, TRAFFIC)
                                          for account in group))
    click.echo("            admin (all stations), chief1 (南湖派出所), officer1 + officer2 (枫杨社区警务室),")
    click.echo("            officer3 (中港警务室), squadlead1 + traffic1 + traffic2 (南湖交警一中队)\n")


@audit_cli.command("verify")
@click.option("--checkpoint", "checkpoint_text", default=None,
              help="A checkpoint printed earlier by `audit checkpoint`: its entry must still be there.")
def verify_audit_command(checkpoint_text: str | None) -> None:
    """Walk the audit trail and report any edited or removed entry (exit 1 if so)."""
    try:
        checkpoint = Checkpoint.parse(checkpoint_text) if checkpoint_text is not None else None
        verification = verify_audit(db.session(), checkpoint=checkpoint)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--checkpoint") from None
    for problem in verification.problems:
        click.echo(problem, err=True)
    click.echo(f"{verification.entries} entries, head {verification.head}.")
    if not verification.intact:
        raise SystemExit(1)
    click.echo("The audit trail is intact" + (f", up to and past the checkpoint of {checkpoint.entries} entries."
                                               if checkpoint is not None else "."))


@audit_cli.command("checkpoint")
def checkpoint_audit_command() -> None:
    """Verify the trail, then print its head signed with the audit key: keep it outside the database."""
    verification = verify_audit(db.session())
    if not verification.intact:
        for problem in verification.problems:
            click.echo(problem, err=True)
        raise SystemExit(1)
    click.echo(str(Checkpoint.sign(audit_key(), verification.entries, verification.head)))


@sync_cli.command("rebuild-wire")
@committing
def rebuild_wire_command() -> None:
    """Recompute every record's cached wire form from its columns (after a manual data fix)."""
    click.echo(f"Rebuilt the wire form of {rebuild_wire(db.session.connection())} records.")


def in_batches(step: Callable[..., Batch], batch: int, summary: str) -> None:
    """Run ``step`` over every blob, one committed batch at a time, then say what the batches did.

    A failure rolls back only the batch it struck: run the command again to go on from there.
    ``summary`` may name ``{blobs}`` and ``{thumbnails}`` (how many were moved or made),
    ``{not_images}`` and ``{store}``. Each blob left as it was is named on stderr, and the
    command then exits 1.
    """
    total = Batch()
    while True:
        try:
            done = step(db.session(), after=total.last or "", limit=batch)
        except BaseException as error:
            settle(db.session(), error)
            raise
        settle(db.session(), None)
        total += done
        if done.last is None:
            break
    click.echo(summary.format(blobs=plural(total.moved, "blob"), thumbnails=plural(total.moved, "thumbnail"),
                              not_images=plural(total.not_images, "blob"), store=current_app.config["BLOB_STORE"]))
    for line in total.refused:
        click.echo(line, err=True)
    if total.refused:
        raise SystemExit(1)


BATCH = click.option("--batch", type=click.IntRange(min=1), default=100, show_default=True,
                     help="Blobs per transaction.")


@blobs_cli.command("move-out")
@BATCH
def move_out_command(batch: int) -> None:
    """Move blob bytes still in the database to the blob store, verified; resumable, and harmless to repeat."""
    in_batches(move_out, batch, "Moved {blobs} out of the database into {store}, each verified there.")


@blobs_cli.command("move-back")
@BATCH
def move_back_command(batch: int) -> None:
    """Copy blob bytes from the blob store back into the database, as a downgrade past 0008 needs."""
    in_batches(move_back, batch, "Moved {blobs} back into the database from {store}.")


@blobs_cli.command("thumbnails")
@BATCH
def thumbnails_command(batch: int) -> None:
    """Make the thumbnails of blobs that have none (stored before migration 0008) or whose thumbnail was lost."""
    in_batches(make_thumbnails, batch, "Made {thumbnails}; {not_images} no thumbnail can be made of "
                                       "(not an image Pillow decodes safely; the original is served instead).")


@blobs_cli.command("check")
def check_blobs_command() -> None:
    """Verify every file the database expects in the blob store, and list those it does not know (exit 1 if any
    is missing or damaged)."""
    check = check_store(db.session())
    db.session.rollback()
    for line in check.missing:
        click.echo(f"missing {line}")
    for line in check.damaged:
        click.echo(f"damaged {line}")
    for sha256 in check.orphans:
        click.echo(f"orphan {sha256}")
    click.echo(f"{current_app.config['BLOB_STORE']}: {check.verified} files verified: {len(check.missing)} missing, "
               f"{len(check.damaged)} damaged, {plural(len(check.orphans), 'orphan')}; "
               f"{plural(check.in_database, 'blob')} still in the database.")
    if not check.sound:
        raise SystemExit(1)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


@upkeep_cli.command("list")
def list_upkeep_command() -> None:
    """List the upkeep jobs and how often the worker runs each."""
    every = schedule(current_app.config)
    for job in JOBS.values():
        click.echo(f"{job.name:<20} every {every[job.name].total_seconds():>6.0f} s  {job.summary}")


@upkeep_cli.command("run")
@click.argument("job", type=click.Choice(list(JOBS)))
def run_upkeep_command(job: str) -> None:
    """Run one upkeep job now, once (whether or not a worker is running: jobs are idempotent)."""
    run = run_job(JOBS[job], current_app.config)
    if run.error is not None:
        raise click.ClickException(f"{run.describe()}: {run.error}")
    click.echo(run.describe())


@click.command("worker")
@click.option("--metrics-port", type=click.IntRange(min=0), default=None,
              help="Serve the worker's metrics on 127.0.0.1 at this port (default BEATLOG_WORKER_METRICS_PORT; "
                   "0: none).")
def worker_command(metrics_port: int | None) -> None:
    """Run the scheduled upkeep jobs while this worker holds the upkeep lock (one worker runs them)."""
    port = current_app.config["WORKER_METRICS_PORT"] if metrics_port is None else metrics_port
    try:
        serve_worker(current_app._get_current_object(), port)  # type: ignore[attr-defined]
    except (ValueError, OSError) as error:
        raise click.ClickException(str(error)) from None


@click.command("backup")
@click.argument("directory", type=click.Path(path_type=Path))
@with_appcontext
def backup_command(directory: Path) -> None:
    """Back up the database, the blob store and a signed audit checkpoint into DIRECTORY (new or empty)."""
    report(make_backup, directory)


@click.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def restore_command(directory: Path) -> None:
    """Restore a backup into an EMPTY database and the blob store, then verify it (exit 1 on any problem)."""
    report(restore_backup, directory)


def report(action: Callable[[Path], Outcome], directory: Path) -> None:
    try:
        outcome = action(directory)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    for line in outcome.done:
        click.echo(line)
    for problem in outcome.problems:
        click.echo(problem, err=True)
    if outcome.problems:
        raise SystemExit(1)


def init_app(app: Flask) -> None:
    from server.personal_data_cli import personal_data_cli
    from server.squad_cli import squad_cli

    for group in (person_cli, device_cli, demo_cli, audit_cli, sync_cli, blobs_cli, upkeep_cli, squad_cli,
                  personal_data_cli):
        app.cli.add_command(group)
    for command in (worker_command, backup_command, restore_command):
        app.cli.add_command(command)


def main() -> None:
    """The ``beatlog`` console script: the same commands as ``flask --app server``."""
    from server import create_app

    FlaskGroup(create_app=create_app)(prog_name="beatlog")
