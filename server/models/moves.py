"""Where records and officers were: scope exits, and who served which room when."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, BigIntegerKey, utcnow


class ScopeExit(Base):
    """A record left a place: the devices that saw it there get a ``left_scope`` tombstone.

    Written in the same transaction as the change that moved the record (an officer moved to
    another room, a venue and its logs moved to another room), with that change's ``seq``.
    ``room_id``, ``station_id`` and ``role`` are where the record was, so the scope rule that
    selected it there selects the exit; ``person_id`` instead addresses one person's devices
    (work an officer pushed for a room they no longer serve). ``wire`` is the tombstone as a
    pull page lists it.
    """

    __tablename__ = "scope_exit"
    __table_args__ = (Index("ix_scope_exit_type_seq", "record_type", "seq"),)

    id: Mapped[int] = mapped_column(BigIntegerKey, primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[uuid.UUID]
    room_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    station_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    role: Mapped[str | None] = mapped_column(String(16), default=None)
    person_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    wire: Mapped[str] = mapped_column(Text)


class ServicePeriod(Base):
    """An officer served a room from ``started_at`` until ``ended_at``.

    The open period (``ended_at`` NULL) is the officer's current room. ``started_at`` is NULL
    for the first room the server knows for them. Work dated inside a period is the
    officer's to record for that room, even when it arrives after they moved.
    """

    __tablename__ = "service_period"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    room_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("room.id"))
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
