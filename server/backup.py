"""Backups that restore: ``flask --app server backup DIR`` and ``flask --app server restore DIR``.

A backup folder holds:

- ``database.dump`` (PostgreSQL, ``pg_dump``'s custom format) or ``database.sqlite``;
- ``blobs/``: every blob of the store, laid out as a filesystem blob store, each one checked
  against its hash as it is read and as it is written;
- ``audit-checkpoint``: the trail's head signed with the audit key, as ``flask audit
  checkpoint`` prints it, of the same instant as the database copy (missing when the trail
  was already broken then: a broken trail is kept as it is, never signed);
- ``manifest.json``, written last, so a folder without it is not a whole backup: the format,
  when it was made, the Alembic revision, the rows of each table, the audit trail's length
  and head, and the blobs.

A restore goes into an empty database only. It puts the blobs back, starts a new database
epoch (the database's history forks at the backup, so phones resync in full), then checks
the restored database against the manifest, the audit trail against the checkpoint, and the
blob store against the database (``blobs check``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, inspect, select, table
from sqlalchemy.orm import Session

from server.blob_upkeep import check_store
from server.blobstore import BlobCorrupt, BlobMissing, BlobStore, FilesystemBlobStore, blob_store
from server.dumps import BackupError, database_dump
from server.extensions import db
from server.ledger import Checkpoint, Verification, audit_key, start_new_epoch, verify_audit
from server.models.base import utcnow
from server.revisions import UPGRADE, code_heads, database_heads, known

FORMAT = 1
MANIFEST = "manifest.json"
CHECKPOINT = "audit-checkpoint"
BLOBS = "blobs"


@dataclass
class Outcome:
    """What a backup or a restore did, and what is wrong with its result (anything: exit 1)."""

    done: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class BlobCopy:
    count: int = 0
    size: int = 0
    damaged: list[str] = field(default_factory=list)


def copy_blobs(source: BlobStore, target: BlobStore) -> BlobCopy:
    """Every blob of ``source`` into ``target``, each checked against its hash; a damaged one is named, not copied."""
    copied = BlobCopy()
    for sha256 in sorted(source.hashes()):
        try:
            data = source.get(sha256)
        except (BlobCorrupt, BlobMissing):
            copied.damaged.append(sha256)
            continue
        target.put(sha256, data)
        copied.count += 1
        copied.size += len(data)
    return copied


def table_counts(connection: Connection) -> dict[str, int]:
    return {name: connection.scalar(select(func.count()).select_from(table(name))) or 0
            for name in sorted(inspect(connection).get_table_names())}


def verify(connection: Connection, checkpoint: Checkpoint | None = None) -> Verification:
    with Session(bind=connection) as session:
        return verify_audit(session, checkpoint=checkpoint)


def make_backup(directory: Path) -> Outcome:
    """Copy the database, the blob store and a signed audit checkpoint into ``directory`` (new or empty).

    Everything is made readable by its owner only (umask 077 while the backup runs, pg_dump's
    file included): the dump holds password hashes and token digests, and a copy of the files
    without their folder (``cp dir/*``, ``rsync dir/``) must not expose them.
    """
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise BackupError(f"{directory} is not empty: a backup goes into a new or empty folder.")
    previous = os.umask(0o077)
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        directory.chmod(0o700)
        return _back_up_into(directory)
    finally:
        os.umask(previous)


def _back_up_into(directory: Path) -> Outcome:
    dump = database_dump(db.engine)
    with dump.snapshot(db.engine, directory / dump.file_name) as connection:
        revisions, tables, trail = sorted(database_heads(connection)), table_counts(connection), verify(connection)
    (directory / BLOBS).mkdir()
    blobs = copy_blobs(blob_store(), FilesystemBlobStore(directory / BLOBS))
    outcome = Outcome()
    if trail.intact:
        _write(directory / CHECKPOINT, f"{Checkpoint.sign(audit_key(), trail.entries, trail.head)}\n")
    else:
        outcome.problems += ["The audit trail is broken: the backup keeps it as it is, without a checkpoint.",
                             *trail.problems]
    if blobs.damaged:
        outcome.problems += [(f"{len(blobs.damaged)} blobs of the store no longer match their hash and are not in "
                             "the backup: restore them from an older backup."), *blobs.damaged]
    manifest = {
        "format": FORMAT,
        "created_at": utcnow().isoformat(),
        "database": {"backend": dump.backend, "file": dump.file_name, "alembic_revisions": revisions},
        "tables": tables,
        "audit": {"entries": trail.entries, "head": trail.head, "intact": trail.intact},
        "blobs": {"count": blobs.count, "bytes": blobs.size, "damaged": blobs.damaged},
    }
    _write(directory / MANIFEST, json.dumps(manifest, indent=2) + "\n")
    outcome.done.append(f"Backed up the {dump.backend} database ({sum(tables.values())} rows in {len(tables)} "
                        f"tables, revision {', '.join(revisions) or 'none'}), {blobs.count} blobs ({blobs.size} "
                        f"bytes) and an audit trail of {trail.entries} entries (head {trail.head}) into {directory}.")
    return outcome


def restore_backup(directory: Path) -> Outcome:
    """Load a backup into the (empty) database and the blob store, then check it against its manifest."""
    manifest = read_manifest(directory)
    database = manifest["database"]
    dump = database_dump(db.engine)
    if database["backend"] != dump.backend:
        raise BackupError(f"This is a backup of a {database['backend']} database; DATABASE_URL names a "
                          f"{dump.backend} one.")
    unknown = [revision for revision in database["alembic_revisions"] if not known(revision)]
    if unknown:
        raise BackupError(f"The backup's database is at {', '.join(unknown)}, which this release's migrations do "
                          "not know: restore it with the release that made it, or a newer one.")
    existing = dump.objects(db.engine)
    if existing:
        raise BackupError(f"Restore goes into an empty database only, and this one holds {len(existing)} tables "
                          f"or other objects ({', '.join(existing[:5])}{', …' if len(existing) > 5 else ''}). "
                          "Create a new database and point DATABASE_URL at it, then run the restore again.")
    dump.load(db.engine, directory / database["file"])
    db.engine.dispose()
    blobs = copy_blobs(FilesystemBlobStore(directory / BLOBS), blob_store())
    start_new_epoch(db.session())
    db.session.commit()
    outcome = Outcome(done=[
        f"Restored the {dump.backend} database backed up at {manifest['created_at']} from {directory}.",
        f"Restored {blobs.count} blobs ({blobs.size} bytes) into the blob store.",
        ("The database starts a new epoch: every phone resyncs in full on its next pull. What reached the "
        "server after the backup was made is not restored."),
    ])
    _check_blobs(manifest["blobs"], blobs, outcome)
    with db.engine.connect() as connection:
        _check_tables(manifest["tables"], table_counts(connection), outcome)
        _check_trail(directory, manifest["audit"], connection, outcome)
        heads = database_heads(connection)
    if heads == code_heads():
        _check_store(outcome)
    else:
        outcome.done.append(f"The database is at {', '.join(sorted(heads))}; this release expects "
                            f"{', '.join(sorted(code_heads()))}: run `{UPGRADE}` before serving it, then "
                            "`flask --app server blobs check`.")
    if outcome.problems:
        outcome.problems.append("The restore is not whole (see above): do not serve from it unless you accept that.")
    return outcome


def read_manifest(directory: Path) -> dict[str, Any]:
    path = directory / MANIFEST
    if not path.is_file():
        raise BackupError(f"{directory} is not a whole backup: it has no {MANIFEST}, which a backup writes last.")
    try:
        manifest: dict[str, Any] = json.loads(path.read_text())
    except ValueError as error:
        raise BackupError(f"{path} is not readable JSON ({error}).") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is of backup format {manifest.get('format')!r}; this release reads {FORMAT}.")
    return manifest


def _check_blobs(listed: dict[str, Any], blobs: BlobCopy, outcome: Outcome) -> None:
    for sha256 in listed["damaged"]:
        outcome.problems.append(f"blob {sha256}: already damaged in the store when the backup was made; not in it.")
    for sha256 in blobs.damaged:
        outcome.problems.append(f"blob {sha256}: damaged in the backup (it no longer matches its hash); not restored.")
    if blobs.count + len(blobs.damaged) != listed["count"]:
        outcome.problems.append(f"The backup's {BLOBS}/ holds {blobs.count + len(blobs.damaged)} blobs; "
                                f"the manifest lists {listed['count']}.")


def _check_tables(listed: dict[str, int], restored: dict[str, int], outcome: Outcome) -> None:
    for name in sorted(listed.keys() | restored.keys()):
        if listed.get(name) != restored.get(name):
            outcome.problems.append(f"table {name}: the manifest lists {listed.get(name, 'no')} rows, the restored "
                                    f"database holds {restored.get(name, 'no')}.")
    if restored == listed:
        outcome.done.append(f"Every table holds the rows the manifest lists ({sum(listed.values())} rows in "
                            f"{len(listed)} tables).")


def _check_store(outcome: Outcome) -> None:
    """Every file the restored database names (blobs moved out of it, thumbnails) is in the store, whole."""
    check = check_store(db.session())
    db.session.rollback()
    outcome.problems += [f"{line}: the restored database names it but the store does not hold it."
                         for line in check.missing]
    outcome.problems += [f"{line}: damaged in the store." for line in check.damaged]
    if check.sound:
        outcome.done.append(f"Every blob the database names is in the store, whole ({check.verified} files "
                            f"verified, {check.in_database} blobs still in the database, {len(check.orphans)} "
                            "files no blob names).")


def _check_trail(directory: Path, listed: dict[str, Any], connection: Connection, outcome: Outcome) -> None:
    found: list[str] = []
    path = directory / CHECKPOINT
    try:
        checkpoint = Checkpoint.parse(path.read_text()) if path.is_file() else None
        if checkpoint is None:
            found.append("The backup holds no audit checkpoint" + (
                "" if listed["intact"] else ": its audit trail was already broken when it was made") + ".")
        trail = verify(connection, checkpoint)
    except ValueError as error:
        outcome.problems += [*found, (f"{path}: {error} Restore with the BEATLOG_AUDIT_KEY of the server that made "
                                     "the backup.")]
        return
    found += trail.problems
    if (trail.entries, trail.head) != (listed["entries"], listed["head"]):
        found.append(f"The restored audit trail has {trail.entries} entries (head {trail.head}); the manifest "
                     f"lists {listed['entries']} (head {listed['head']}).")
    outcome.problems += found
    if not found:
        outcome.done.append(f"The audit trail is intact: {trail.entries} entries, head {trail.head}, up to and past "
                            "the backup's signed checkpoint.")


def _write(path: Path, text: str) -> None:
    with path.open("w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
