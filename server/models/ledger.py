"""The change counter and the append-only audit trail.

Both are written under one lock (the counter row), so change sequence numbers follow
commit order and each audit entry can chain to the one before it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from server.database import JSONDocument
from server.models.base import Base, BigIntegerKey, utcnow


class Ledger(Base):
    """A single row: the last change sequence number handed out and the audit chain's head.

    Every writing transaction updates this row first, which makes it the write lock.
    ``epoch`` names this database's history: a pull cursor from another epoch (a restored or
    replaced database) starts over. ``purged_seq`` is the newest change whose tombstone was
    purged; a cursor older than it cannot be continued.
    """

    __tablename__ = "ledger"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    audit_count: Mapped[int] = mapped_column(BigInteger, default=0)
    audit_head: Mapped[str] = mapped_column(String(64), default="")
    epoch: Mapped[str] = mapped_column(String(36), default="")
    purged_seq: Mapped[int] = mapped_column(BigInteger, default=0)


class AuditEntry(Base):
    """One entry of the audit trail.

    ``entry_hash`` is an HMAC over the entry and ``prev_hash``, keyed with the server's
    audit key: editing or deleting an entry breaks the chain at that point.
    """

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(BigIntegerKey, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
    device_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    action: Mapped[str] = mapped_column(String(48), index=True)
    record_type: Mapped[str] = mapped_column(String(32), default="")
    record_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
    record_version: Mapped[int | None] = mapped_column(default=None)
    details: Mapped[dict] = mapped_column(JSONDocument, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)
