"""One change to a synced record, whoever makes it: the only place a record gets a new version.

A push, a review, a conflict's resolution, an admin's edit, a move and the demo loader all
change records through ``change()``. It takes the ledger lock first (every writer queues on
the same row, in the same order, before it reads what it decides on), then computes
everything a new version means: the version, the next change sequence number, provenance
(who, when), the wire entry a pull sends, the audit entry and the blob references. Only the
persisting differs: a push collects the rows and writes them in bulk (``BatchWriter``), the
other paths write one ORM row (``write_record``).

::

    push ──(RecordState.load, bulk)──┐
    review, resolve, admin edit,     ├──▶ change() ──▶ Written ──▶ BatchWriter (bulk insert/update)
    move, demo ──(RecordState.of)────┘                        └──▶ write_record (one ORM row)
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from marshmallow import ValidationError
from sqlalchemy import null, select
from sqlalchemy.orm import Session

from server.database import insert_ignoring_duplicates
from server.ledger import audit_row, held, lock_ledger, next_seq
from server.models import AuditEntry, BlobRef, WebhookEvent
from server.models.base import SyncRecord, utcnow
from server.outbox import event_row
from server.refusals import invalid
from server.syncing.wire import MAPPING_OF_MODEL, WireMapping, change_entry, data_of

Record = TypeVar("Record", bound=SyncRecord)

@dataclass
class Values:
    """Field values of one record type, as Python values (``loaded``) and in wire form."""

    loaded: dict[str, Any]
    wire: dict[str, Any]

    @classmethod
    def of(cls, mapping: WireMapping, loaded: Mapping[str, Any]) -> Values:
        """Values to write; a server time (any time but a device's) is kept in UTC, as its column reads back."""
        loaded = {name: value.astimezone(UTC) if isinstance(value, datetime) and name not in mapping.device_times
                  else value for name, value in loaded.items()}
        return cls(loaded, mapping.data.dump(loaded))


@dataclass
class RecordState:
    """One record as a writer sees it: its version, tombstone, wire data and room."""

    mapping: WireMapping
    id: uuid.UUID
    version: int
    deleted: bool
    data: dict[str, Any]
    room_id: uuid.UUID | None
    in_database: bool
    squad_id: uuid.UUID | None = None
    columns: dict[str, Any] = field(default_factory=dict)
    changed: bool = False
    seq: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None
    updated_by: uuid.UUID | None = None

    @classmethod
    def load(cls, session: Session, mapping: WireMapping, ids: Iterable[uuid.UUID]) -> list[RecordState]:
        """The committed state of these records (the caller holds the ledger lock)."""
        table = mapping.table
        room = table.c[mapping.room_field] if mapping.room_field else null()
        squad = table.c[mapping.squad_field] if mapping.squad_field else null()
        rows = session.execute(select(table.c.id, table.c.version, table.c.deleted, table.c.wire, room, squad)
                               .where(table.c.id.in_(list(ids))))
        return [cls(mapping, row.id, row.version, row.deleted, data_of(mapping.entry(row.wire)), row[4],
                    in_database=True, squad_id=row[5]) for row in rows]

    @classmethod
    def new(cls, mapping: WireMapping, record_id: uuid.UUID, room_id: uuid.UUID | None,
            squad_id: uuid.UUID | None = None) -> RecordState:
        return cls(mapping, record_id, 0, False, {}, room_id, in_database=False, squad_id=squad_id)

    @classmethod
    def of(cls, record: SyncRecord) -> RecordState:
        """The state of an ORM record; a record never written (version 0) is new."""
        mapping = MAPPING_OF_MODEL[type(record)]
        if not record.version:
            return cls.new(mapping, record.id, mapping.room_of(record), mapping.squad_of(record))
        return cls(mapping, record.id, record.version, record.deleted, mapping.wire_of(record),
                   mapping.room_of(record), in_database=True, squad_id=mapping.squad_of(record))

    def row(self) -> dict[str, Any]:
        """The record's columns as this change leaves them."""
        if self.updated_at is None:
            raise RuntimeError("only a record its batch changed is written")
        row = {
            "id": self.id,
            "version": self.version,
            "seq": self.seq,
            "deleted": self.deleted,
            "wire": self.mapping.stored(change_entry(self.mapping.name, self.id, self.version, self.deleted,
                                                     self.updated_at, self.updated_by, self.data)),
            "updated_at": self.updated_at,
            "updated_by": self.updated_by,
            **self.columns,
        }
        if not self.in_database:
            row["created_at"] = self.created_at
            if self.mapping.room_field not in (None, "id"):
                row[self.mapping.room_field] = self.room_id
            if self.mapping.squad_field is not None:
                row[self.mapping.squad_field] = self.squad_id
        return row


@dataclass
class Written:
    """What one change writes beside the record's row: its audit entry, blob references and webhook event."""

    state: RecordState
    audit: dict[str, Any]
    blob_refs: list[dict[str, Any]]
    event: dict[str, Any] | None = None


def change(
    session: Session,
    state: RecordState,
    values: Values,
    action: str,
    *,
    actor_id: uuid.UUID | None,
    device_id: uuid.UUID | None = None,
    details: dict[str, Any] | None = None,
    deleted: bool | None = None,
    now: datetime | None = None,
    key: bytes | None = None,
) -> Written:
    """Give the record its next version with these values; what it writes beside the row.

    ``action`` names what happened (``create``, ``update``, ``delete``, ``review``,
    ``resolve``, ``move`` …); the audit entry is ``<record type>.<action>``. ``deleted``
    sets the tombstone. ``now`` backdates the change (demo data only); ``key`` is the audit
    key, looked up once by a caller writing many changes.
    """
    if state.in_database and not held(session):
        raise RuntimeError("take the ledger lock before reading a record you change (see locked())")
    lock_ledger(session)
    now = (now or utcnow()).astimezone(UTC)
    record_type = state.mapping.record_type
    state.version += 1
    state.seq = next_seq(session)
    state.data.update(values.wire)
    state.columns.update(state.mapping.columns(values.loaded, state.id, state.data))
    if record_type.room_field and record_type.room_field in values.loaded and record_type.room_field != "id":
        state.room_id = values.loaded[record_type.room_field]
    if record_type.squad_field and record_type.squad_field in values.loaded:
        state.squad_id = values.loaded[record_type.squad_field]
    if deleted is not None:
        state.deleted = deleted
    state.changed = True
    if state.version == 1:
        state.created_at = now
    state.updated_at = now
    state.updated_by = actor_id
    audit = audit_row(session, f"{record_type.name}.{action}", actor_id=actor_id, device_id=device_id,
                      record_type=record_type.name, record_id=state.id, record_version=state.version,
                      details=details, at=now, key=key)
    refs = [] if state.room_id is None else [
        {"sha256": sha256, "record_id": state.id, "room_id": state.room_id, "squad_id": state.squad_id}
        for sha256 in record_type.blob_hashes(values.wire)
    ]
    event = event_row(record_type.name, state.id, state.version, state.deleted, state.seq, action, state.data, now)
    return Written(state, audit, refs, event)


def write_record(
    session: Session,
    record: Record,
    action: str,
    changes: Mapping[str, Any] | None = None,
    **how: Any,
) -> Record:
    """Change one record through the ORM: ``changes`` are Python values of its wire fields.

    A new record (never written) is created from the wire fields set on it and ``changes``,
    loaded by its wire schema like a pushed one (defaults filled, every rule checked; invalid
    values are refused); an existing one must have been read with ``locked()``. ``how`` is passed to
    ``change()`` (``actor_id``, ``device_id``, ``details``, ``deleted``, ``now``).
    """
    state = RecordState.of(record)
    mapping = state.mapping
    if state.in_database:
        values = Values.of(mapping, changes or {})
    else:
        given = {name: getattr(record, name) for name in mapping.data.names if getattr(record, name) is not None}
        try:
            values = Values.of(mapping, mapping.data.load(mapping.data.dump({**given, **(changes or {})})))
        except ValidationError as error:
            raise invalid(error.normalized_messages()) from None
    written = change(session, state, values, action, **how)
    for name, value in state.row().items():
        setattr(record, name, value)
    if record not in session:
        session.add(record)
    session.add(AuditEntry(**written.audit))
    if written.event is not None:
        session.add(WebhookEvent(**written.event))
    insert_ignoring_duplicates(session, BlobRef.__table__, written.blob_refs)
    return record
