"""A push batch's view of the records it touches, and its bulk writes."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import BindParameter, Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from server.database import insert_ignoring_duplicates
from server.ledger import next_seq
from server.models import AuditEntry, BlobRef, QuarantinedMutation, ScopeExit, SyncConflict, SyncMutation
from server.syncing.wire import WireMapping, change_entry, data_of

if TYPE_CHECKING:
    from server.syncing.mutations import Caller, Mutation, Refusal

WRITE_ORDER = ("venue", "inspection", "followup")


@dataclass
class RecordState:
    """One record as the batch sees it: loaded from the database, or created by the batch."""

    mapping: WireMapping
    id: uuid.UUID
    version: int
    deleted: bool
    data: dict[str, Any]
    room_id: uuid.UUID | None
    in_database: bool
    columns: dict[str, Any] = field(default_factory=dict)
    changed: bool = False
    seq: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None
    updated_by: uuid.UUID | None = None

    @classmethod
    def load(cls, session: Session, mapping: WireMapping, ids: Iterable[uuid.UUID]) -> list[RecordState]:
        table = mapping.table
        rows = session.execute(
            select(table.c.id, table.c.version, table.c.deleted, table.c.wire, table.c.room_id).where(
                table.c.id.in_(list(ids))
            )
        )
        return [
            cls(mapping, row.id, row.version, row.deleted, data_of(row.wire), row.room_id, in_database=True)
            for row in rows
        ]

    @classmethod
    def new(cls, mapping: WireMapping, record_id: uuid.UUID, room_id: uuid.UUID) -> RecordState:
        return cls(mapping, record_id, 0, False, {}, room_id, in_database=False)

    def apply(
        self, session: Session, wire: dict[str, Any], loaded: dict[str, Any], actor: uuid.UUID, now: datetime
    ) -> None:
        """Take a new version: changed fields, the next sequence number, provenance."""
        self.version += 1
        self.seq = next_seq(session)
        self.data.update(wire)
        self.columns.update(self.mapping.columns(loaded))
        self.changed = True
        if self.version == 1:
            self.created_at = now
        self.updated_at = now
        self.updated_by = actor

    def row(self) -> dict[str, Any]:
        if self.updated_at is None:
            raise RuntimeError("only a record its batch changed is written")
        row = {
            "id": self.id,
            "version": self.version,
            "seq": self.seq,
            "deleted": self.deleted,
            "wire": change_entry(self.mapping.name, self.id, self.version, self.deleted, self.updated_at,
                                 self.updated_by, self.data),
            "updated_at": self.updated_at,
            "updated_by": self.updated_by,
            **self.columns,
        }
        if not self.in_database:
            row["created_at"] = self.created_at
            row["room_id"] = self.room_id
        return row


class BatchWriter:
    """Collects a batch's rows and writes them in bulk, parents before children."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.mutations: list[dict[str, Any]] = []
        self.conflicts: list[dict[str, Any]] = []
        self.quarantined: list[dict[str, Any]] = []
        self.audit_rows: list[dict[str, Any]] = []
        self.blob_refs: dict[tuple[str, uuid.UUID], uuid.UUID] = {}
        self.exits: list[dict[str, Any]] = []

    def mutation_row(self, mutation: Mutation, result: dict[str, Any], caller: Caller, now: datetime) -> None:
        self.mutations.append({
            "mutation_id": mutation.mutation_id,
            "device_id": caller.device_id,
            "person_id": caller.person_id,
            "record_type": mutation.type,
            "record_id": mutation.record_id,
            "op": mutation.op,
            "payload_hash": mutation.payload_hash,
            "result": result,
            "received_at": now,
        })

    def conflict_row(
        self, conflict_id: uuid.UUID, mutation: Mutation, state: RecordState, reason: str,
        fields: dict[str, Any], caller: Caller, now: datetime,
    ) -> None:
        self.conflicts.append({
            "id": conflict_id,
            "record_type": mutation.type,
            "record_id": mutation.record_id,
            "room_id": state.room_id,
            "mutation_id": mutation.mutation_id,
            "device_id": caller.device_id,
            "person_id": caller.person_id,
            "reason": reason,
            "base_version": mutation.base_version,
            "server_version": state.version,
            "fields": fields,
            "status": "open",
            "created_at": now,
            "version": 1,
        })

    def quarantine(self, mutation: Mutation, refusal: Refusal, caller: Caller, now: datetime) -> None:
        self.quarantined.append({
            "id": uuid.uuid4(),
            "mutation_id": mutation.mutation_id,
            "device_id": caller.device_id,
            "person_id": caller.person_id,
            "record_type": mutation.type,
            "record_id": mutation.record_id,
            "payload": mutation.payload(),
            "code": refusal.code,
            "message": refusal.message[:300],
            "errors": refusal.errors,
            "status": "open",
            "created_at": now,
        })

    def audit(self, row: dict[str, Any]) -> None:
        self.audit_rows.append(row)

    def exit(self, row: dict[str, Any]) -> None:
        self.exits.append(row)

    def blob_ref(self, sha256: str, record_id: uuid.UUID, room_id: uuid.UUID | None) -> None:
        if room_id is not None:
            self.blob_refs[(sha256, record_id)] = room_id

    def write(self, states: Iterable[RecordState]) -> None:
        changed = [state for state in states if state.changed]
        for name in WRITE_ORDER:
            of_type = [state for state in changed if state.mapping.name == name]
            table = of_type[0].mapping.table if of_type else None
            if table is None:
                continue
            self.insert(table, [state.row() for state in of_type if not state.in_database])
            self.update(table, [state.row() for state in of_type if state.in_database])
        self.insert(SyncConflict.__table__, self.conflicts)
        self.insert(QuarantinedMutation.__table__, self.quarantined)
        self.insert(SyncMutation.__table__, self.mutations)
        self.insert(AuditEntry.__table__, self.audit_rows)
        self.insert(ScopeExit.__table__, self.exits)
        refs = [{"sha256": sha, "record_id": record, "room_id": room} for (sha, record), room in self.blob_refs.items()]
        insert_ignoring_duplicates(self.session, BlobRef.__table__, refs)

    def insert(self, table: Table, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.session.execute(insert(table), rows)

    def update(self, table: Table, rows: list[dict[str, Any]]) -> None:
        by_keys: dict[frozenset[str], list[dict[str, Any]]] = {}
        for row in rows:
            by_keys.setdefault(frozenset(row), []).append(row)
        for keys, group in by_keys.items():
            values: dict[str, BindParameter[Any]] = {name: bindparam(f"v_{name}") for name in keys if name != "id"}
            statement = update(table).where(table.c.id == bindparam("v_id")).values(values)
            self.session.execute(statement, [{f"v_{k}": v for k, v in row.items()} for row in group])
