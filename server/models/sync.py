"""What sync keeps besides the records: mutations seen, conflicts, quarantine, purged ids and blobs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from server.database import JSONDocument
from server.models.base import Base, utcnow
from server.privacy import open_values
from sync.records import RECORD_TYPES


class SyncMutation(Base):
    """A mutation the server has decided on, so a replay gets the same answer.

    Rejections a device can cure by retrying the same mutation (a photo not uploaded yet)
    are not kept here.
    """

    __tablename__ = "sync_mutation"
    __table_args__ = (
        # A device's answers by age: the replay lookup by device and the daily prune of old answers
        # (migration 0013) read the same index, so a push writes no more index entries than before.
        Index("ix_sync_mutation_device_received", "device_id", "received_at"),
    )

    mutation_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    device_id: Mapped[uuid.UUID]
    person_id: Mapped[uuid.UUID]
    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[uuid.UUID]
    op: Mapped[str] = mapped_column(String(8))
    payload_hash: Mapped[str] = mapped_column(String(64))
    result: Mapped[dict] = mapped_column(JSONDocument)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class SyncConflict(Base):
    """A device change the server could not apply without overruling someone.

    ``fields`` holds, per field, the device's ``base``, the ``server`` value and the
    ``device`` value. It stays after resolution, with what the admin chose.
    """

    __tablename__ = "sync_conflict"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[uuid.UUID] = mapped_column(index=True)
    room_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("room.id"), index=True)
    mutation_id: Mapped[uuid.UUID]
    device_id: Mapped[uuid.UUID]
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    reason: Mapped[str] = mapped_column(String(32))
    base_version: Mapped[int | None]
    server_version: Mapped[int]
    fields: Mapped[dict] = mapped_column(JSONDocument)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    version: Mapped[int] = mapped_column(default=1)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), default=None)
    resolution: Mapped[dict | None] = mapped_column(JSONDocument, default=None)
    result_version: Mapped[int | None] = mapped_column(default=None)

    @property
    def sides(self) -> dict[str, Any]:
        """``fields`` with the personal fields' sides opened: they are sealed at rest (``server.privacy``)."""
        return open_values("sync_conflict", self.record_id, RECORD_TYPES[self.record_type].sealed, self.fields)

    @property
    def chosen(self) -> dict[str, Any] | None:
        """``resolution``, opened like ``sides``."""
        if self.resolution is None:
            return None
        return open_values("sync_conflict", self.record_id, RECORD_TYPES[self.record_type].sealed, self.resolution)


class QuarantinedMutation(Base):
    """A mutation refused for good (invalid, out of scope, not the sender's to write), kept whole."""

    __tablename__ = "quarantined_mutation"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    mutation_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    device_id: Mapped[uuid.UUID] = mapped_column(index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[uuid.UUID | None]
    payload: Mapped[dict] = mapped_column(JSONDocument)
    code: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(String(300))
    errors: Mapped[dict] = mapped_column(JSONDocument, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), default=None)
    note: Mapped[str] = mapped_column(String(300), default="")
    """Why an admin dismissed it, or the mutation that applied the corrected change."""

    @property
    def sent(self) -> dict[str, Any]:
        """``payload`` with the personal fields of its data and base opened: they are sealed at rest."""
        sealed = RECORD_TYPES[self.record_type].sealed if self.record_type in RECORD_TYPES else frozenset()
        place = "quarantined_mutation"
        return {**self.payload, **{part: open_values(place, str(self.record_id), sealed, self.payload.get(part) or {})
                                   for part in ("data", "base")}}


class PurgedRecord(Base):
    """A record whose tombstone was purged. Its id is never created again: a device that was
    offline past the purge, re-sending an old create, must not bring a deleted record back."""

    __tablename__ = "purged_record"

    record_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    record_type: Mapped[str] = mapped_column(String(32))
    purged_at: Mapped[datetime] = mapped_column(default=utcnow)


class Blob(Base):
    """A photo or signature, addressed by the SHA-256 of its bytes, which the blob store keeps."""

    __tablename__ = "blob"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int]
    content_type: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    """The bytes of a blob stored before the blob store (migration 0008) until ``blobs move-out``
    moves them there; NULL once the store holds them, and for every blob uploaded since."""
    thumbnail_sha256: Mapped[str | None] = mapped_column(String(64))
    """The store address of its 320 px JPEG preview; NULL when none could be made (not a decodable image)."""
    uploaded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class BlobPossession(Base):
    """Someone who uploaded a blob's bytes (the first time or again): they may read and reference it."""

    __tablename__ = "blob_possession"

    sha256: Mapped[str] = mapped_column(ForeignKey("blob.sha256"), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), primary_key=True)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class BlobRef(Base):
    """A record that references a blob, and the room (and traffic squad) it sits in: who may read the blob."""

    __tablename__ = "blob_ref"

    sha256: Mapped[str] = mapped_column(ForeignKey("blob.sha256"), primary_key=True)
    record_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    room_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("room.id"), index=True)
    squad_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("traffic_squad.id"), default=None, index=True)
