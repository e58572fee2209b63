"""Between a record's columns and its wire form.

A model's columns mirror its wire fields by name, except device times, which are stored
as a UTC column plus the device's offset (see ``DeviceTime``). Each row also keeps, in its
``wire`` column, the change entry a pull sends for it (envelope and data, as JSON text),
rewritten with every change, so a pull only concatenates text.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from sqlalchemy import Connection, Table, bindparam, inspect, select, update

from server.database import json_text
from server.models import SYNCED_MODELS
from server.models.base import Base, DeviceTime, SyncRecord
from server.privacy import keyring
from sync.compiled import CompiledSchema, compile_schema
from sync.records import RECORD_TYPES, RecordType
from sync.registry import document_of


def wire_json(value: Any) -> str:
    """Compact JSON text, non-ASCII kept: what ``json.dumps`` writes (a float may be spelled otherwise)."""
    return json_text(value)


@dataclass(frozen=True)
class WireMapping:
    record_type: RecordType
    model: type[SyncRecord]

    @property
    def name(self) -> str:
        return self.record_type.name

    @cached_property
    def table(self) -> Table:
        if not issubclass(self.model, Base):
            raise TypeError(f"{self.model.__name__} mixes in SyncRecord but is not a mapped model")
        return self.model.__table__

    @cached_property
    def data(self) -> CompiledSchema:
        return compile_schema(self.record_type.data_schema)

    @cached_property
    def device_times(self) -> dict[str, DeviceTime]:
        return {
            name: attribute
            for name in self.data.names
            if isinstance(attribute := self.model.__dict__.get(name), DeviceTime)
        }

    @property
    def sealed(self) -> frozenset[str]:
        return self.record_type.sealed

    def columns(self, loaded: dict[str, Any], record_id: uuid.UUID, data: dict[str, Any]) -> dict[str, Any]:
        """Column values for loaded (Python-typed) data fields of a record whose wire data is now ``data``.

        A field of personal data is sealed for its column and record; the searchable one's blind
        index is recomputed from ``data`` (a passport's number is searched with its nationality).
        """
        columns: dict[str, Any] = {}
        for name, value in loaded.items():
            device_time = self.device_times.get(name)
            if name in self.sealed:
                columns[name] = keyring().seal(self.sealed_place(name, record_id), value) if value else ""
            elif device_time is None:
                columns[name] = value
            elif value is None:
                columns[device_time.utc_attribute] = None
                columns[device_time.offset_attribute] = None
            else:
                columns[device_time.utc_attribute] = value.astimezone(UTC)
                columns[device_time.offset_attribute] = int(value.utcoffset().total_seconds() // 60)
        indexed = self.record_type.indexed
        if indexed is not None and (indexed in loaded or "document_kind" in loaded or "nationality" in loaded):
            columns[f"{indexed}_index"] = self.blind_index(data)
        return columns

    def blind_index(self, data: dict[str, Any]) -> str | None:
        """The blind index of the document a record's wire data holds in its ``indexed`` field, if any."""
        key = document_of(data, self.record_type.indexed or "")
        return keyring().blind_index("document", key) if key else None

    def sealed_place(self, name: str, record_id: uuid.UUID) -> str:
        """What a sealed column's value is bound to: this column of this record (copied elsewhere, it does not open)."""
        return f"{self.table.name}.{name}.{record_id}"

    def wire_of(self, record: SyncRecord) -> dict[str, Any]:
        if not self.sealed:
            return self.data.dump_object(record)
        return self.data.dump(self.values_of(record))

    def values_of(self, record: SyncRecord) -> dict[str, Any]:
        """A record's data fields as Python values, the personal ones opened."""
        ring = keyring()
        values = {name: getattr(record, name) for name in self.data.names}
        for name in self.sealed:
            values[name] = ring.open(self.sealed_place(name, record.id), values[name]) if values[name] else ""
        return values

    def stored(self, entry: str) -> str:
        """A change entry as the ``wire`` column keeps it: sealed whole for a type of personal data."""
        return keyring().seal(f"{self.table.name}.wire", entry) if self.sealed else entry

    def entry(self, stored: str) -> str:
        """The change entry a ``wire`` column keeps (``stored``), as a pull sends it."""
        return keyring().open(f"{self.table.name}.wire", stored) if self.sealed else stored

    @cached_property
    def room_field(self) -> str | None:
        """The column holding the record's room: its own field, or (``room_id``) copied from its parent."""
        return "room_id" if self.record_type.parent is not None else self.record_type.room_field

    def room_of(self, record: SyncRecord) -> Any:
        return getattr(record, self.room_field) if self.room_field else None

    @property
    def squad_field(self) -> str | None:
        """The column holding the traffic squad the record is routed to (its own field, or copied from its parent)."""
        return self.record_type.squad_field

    def squad_of(self, record: SyncRecord) -> Any:
        return getattr(record, self.squad_field) if self.squad_field else None


MAPPINGS: dict[str, WireMapping] = {
    name: WireMapping(record_type, SYNCED_MODELS[name]) for name, record_type in RECORD_TYPES.items()
}
MAPPING_OF_MODEL: dict[type, WireMapping] = {mapping.model: mapping for mapping in MAPPINGS.values()}


def change_entry(
    record_type: str,
    record_id: uuid.UUID,
    version: int,
    deleted: bool,
    updated_at: datetime,
    updated_by: uuid.UUID | None,
    data: dict[str, Any],
) -> str:
    """The JSON text of one change, exactly as a pull page lists it."""
    return (
        f'{{"type":"{record_type}","id":"{record_id}","version":{version},'
        f'"deleted":{"true" if deleted else "false"},"updated_at":"{updated_at.isoformat()}",'
        f'"updated_by":{json.dumps(updated_by and str(updated_by))},"data":{wire_json(data)}}}'
    )


def left_scope_entry(
    record_type: str, record_id: uuid.UUID, version: int, updated_at: datetime, updated_by: uuid.UUID | None
) -> str:
    """The JSON text of the tombstone telling a device a record left its scope: remove it locally."""
    return (
        f'{{"type":"{record_type}","id":"{record_id}","version":{version},"deleted":true,"left_scope":true,'
        f'"updated_at":"{updated_at.isoformat()}","updated_by":{json.dumps(updated_by and str(updated_by))},'
        f'"data":null}}'
    )


def data_of(entry: str) -> dict[str, Any]:
    """The data fields of a stored change entry."""
    return json.loads(entry)["data"]


def refresh_wire(record: SyncRecord) -> None:
    """Rewrite a record's stored change entry from its attributes (the ORM write path)."""
    mapping = MAPPING_OF_MODEL[type(record)]
    record.wire = mapping.stored(change_entry(mapping.name, record.id, record.version, record.deleted,
                                              record.updated_at, record.updated_by, mapping.wire_of(record)))


def rebuild_wire(connection: Connection) -> int:
    """Recompute every record's ``wire`` column from its other columns; returns how many.

    Reads only the tables and columns the database has now, so a migration can call it before
    later migrations add more.
    """
    rebuilt = 0
    for mapping in MAPPINGS.values():
        if not inspect(connection).has_table(mapping.table.name):
            continue
        present = {column["name"] for column in inspect(connection).get_columns(mapping.table.name)}
        columns = [column for column in mapping.table.columns if column.name in present and column.name != "wire"]
        rows = connection.execute(select(*columns)).mappings().all()
        updates = []
        for row in rows:
            record = mapping.model(**row)
            refresh_wire(record)
            updates.append({"record_id": row["id"], "wire": record.wire})
        if updates:
            rewrite = update(mapping.table).where(mapping.table.c.id == bindparam("record_id"))
            connection.execute(rewrite.values(wire=bindparam("wire")), updates)
        rebuilt += len(updates)
    return rebuilt
