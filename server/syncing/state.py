"""A push batch's bulk writes: the records it changed and every row those changes bring."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from psycopg import sql
from sqlalchemy import BindParameter, Column, Dialect, Table, bindparam, update
from sqlalchemy.orm import Session

from server.database import insert_ignoring_duplicates
from server.models import (
    AuditEntry,
    BlobRef,
    QuarantinedMutation,
    ScopeExit,
    SyncConflict,
    SyncMutation,
    WebhookEvent,
)
from server.models.base import python_default
from server.privacy import seal_values
from server.syncing.change import RecordState, Written
from sync.records import RECORD_TYPES

if TYPE_CHECKING:
    from server.refusals import Refused
    from server.syncing.mutations import Caller, Mutation


class BatchWriter:
    """Collects a batch's rows and writes them in bulk, parents before children."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.mutations: list[dict[str, Any]] = []
        self.conflicts: list[dict[str, Any]] = []
        self.quarantined: list[dict[str, Any]] = []
        self.audit_rows: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.blob_refs: dict[tuple[str, uuid.UUID], dict[str, Any]] = {}
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
            "fields": seal_values("sync_conflict", mutation.record_id, state.mapping.sealed, fields),
            "status": "open",
            "created_at": now,
            "version": 1,
        })

    def quarantine(self, mutation: Mutation, refusal: Refused, caller: Caller, now: datetime) -> None:
        self.quarantined.append({
            "id": uuid.uuid4(),
            "mutation_id": mutation.mutation_id,
            "device_id": caller.device_id,
            "person_id": caller.person_id,
            "record_type": mutation.type,
            "record_id": mutation.record_id,
            "payload": sealed_payload(mutation),
            "code": refusal.code,
            "message": refusal.message[:300],
            "errors": refusal.fields,
            "status": "open",
            "created_at": now,
        })

    def audit(self, row: dict[str, Any]) -> None:
        self.audit_rows.append(row)

    def exit(self, row: dict[str, Any]) -> None:
        self.exits.append(row)

    def written(self, written: Written) -> None:
        """Keep what a change writes beside its record: its audit entry and blob references."""
        self.audit_rows.append(written.audit)
        if written.event is not None:
            self.events.append(written.event)
        for ref in written.blob_refs:
            self.blob_refs[(ref["sha256"], ref["record_id"])] = ref

    def write(self, states: Iterable[RecordState]) -> None:
        """Write the changed records, parents before the records that belong to them, then the rest."""
        changed = [state for state in states if state.changed]
        for name in RECORD_TYPES:
            of_type = [state for state in changed if state.mapping.name == name]
            if not of_type:
                continue
            table = of_type[0].mapping.table
            self.insert(table, [state.row() for state in of_type if not state.in_database])
            self.update(table, [state.row() for state in of_type if state.in_database])
        self.insert(SyncConflict.__table__, self.conflicts)
        self.insert(QuarantinedMutation.__table__, self.quarantined)
        self.insert(SyncMutation.__table__, self.mutations)
        self.insert(AuditEntry.__table__, self.audit_rows)
        self.insert(WebhookEvent.__table__, self.events)
        self.insert(ScopeExit.__table__, self.exits)
        insert_ignoring_duplicates(self.session, BlobRef.__table__, list(self.blob_refs.values()))

    def insert(self, table: Table, rows: list[dict[str, Any]]) -> None:
        if rows:
            bulk_insert(self.session, table, rows)

    def update(self, table: Table, rows: list[dict[str, Any]]) -> None:
        by_keys: dict[frozenset[str], list[dict[str, Any]]] = {}
        for row in rows:
            by_keys.setdefault(frozenset(row), []).append(row)
        for keys, group in by_keys.items():
            values: dict[str, BindParameter[Any]] = {name: bindparam(f"v_{name}") for name in keys if name != "id"}
            statement = update(table).where(table.c.id == bindparam("v_id")).values(values)
            self.session.execute(statement, [{f"v_{k}": v for k, v in row.items()} for row in group])


def sealed_payload(mutation: Mutation) -> dict[str, Any]:
    """A refused mutation as quarantine keeps it: whole, with the personal fields of its data and base sealed."""
    payload = mutation.payload()
    sealed = RECORD_TYPES[mutation.type].sealed if mutation.type in RECORD_TYPES else frozenset()
    for part in ("data", "base"):
        payload[part] = seal_values("quarantined_mutation", str(mutation.record_id), sealed, payload[part])
    return payload


def bulk_insert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows on the session's connection, in its transaction, as SQLAlchemy's ``insert`` would.

    A push writes three rows or more per record, and SQLAlchemy's executemany spends more
    on each row's parameters than the database spends storing it. Here each value goes
    through its column type's own bind processor (so the stored text is the same), a
    column left out gets its Python default, and the rows go straight to the driver:
    PostgreSQL takes them as one ``COPY … FROM STDIN``, SQLite as one ``executemany``.
    """
    dialect = session.get_bind().dialect
    columns = [column for column in table.columns if column.key in rows[0] or python_default(column) is not None]
    shaped = list(zip(*(column_values(column, dialect, rows) for column in columns), strict=True))
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        if dialect.name == "postgresql":
            statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(column.name) for column in columns))
            with cursor.copy(statement) as copy:
                for values in shaped:
                    copy.write_row(values)
        else:
            names = ", ".join(f'"{column.name}"' for column in columns)
            cursor.executemany(f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" * len(columns))})',
                               shaped)
    finally:
        cursor.close()


def column_values(column: Column[Any], dialect: Dialect, rows: list[dict[str, Any]]) -> list[Any]:
    """The rows' values for the column, or its default, as the column's type hands them to the driver."""
    key, default = column.key, python_default(column)
    values = [row[key] for row in rows] if default is None else \
        [row[key] if key in row else default() for row in rows]
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    return values if process is None else list(map(process, values))
