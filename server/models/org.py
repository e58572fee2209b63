"""The organisation: police stations, their community police rooms, and people."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import Base, SyncRecord, utcnow


class Station(Base):
    """派出所: a police station, the scope of a chief."""

    __tablename__ = "station"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    district: Mapped[str] = mapped_column(String(80), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    rooms: Mapped[list[Room]] = relationship(back_populates="station", order_by="Room.name")


class TrafficSquad(Base):
    """交警中队: a traffic squad; the police rooms it covers route their work orders to it."""

    __tablename__ = "traffic_squad"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    rooms: Mapped[list[Room]] = relationship(back_populates="squad", order_by="Room.name")


class Room(SyncRecord, Base):
    """警务室: a community police room with its own brand (一室一品); an officer's scope."""

    __tablename__ = "room"

    station_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("station.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    brand: Mapped[str] = mapped_column(String(80), default="")
    community: Mapped[str] = mapped_column(String(80), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    squad_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("traffic_squad.id"), default=None, index=True)
    """The traffic squad the room's work orders go to; not on the wire (devices need not know it)."""

    station: Mapped[Station] = relationship(back_populates="rooms")
    squad: Mapped[TrafficSquad | None] = relationship(back_populates="rooms")


class Person(SyncRecord, Base):
    """An officer, a chief, an admin, or a traffic officer or squad leader.

    Officers belong to a room and, through it, a station; ``station_id`` is kept equal to
    their room's station so that scope checks need no join. Chiefs have a station only.
    Traffic police belong to a squad only (``squad_id``, not on the wire).
    """

    __tablename__ = "person"
    __table_args__ = (
        CheckConstraint("role IN ('officer', 'chief', 'admin', 'traffic', 'squad_lead')", name="role"),
        CheckConstraint("star_level BETWEEN 0 AND 5", name="star_level"),
        CheckConstraint(
            "(role = 'officer' AND room_id IS NOT NULL AND station_id IS NOT NULL)"
            " OR (role = 'chief' AND room_id IS NULL AND station_id IS NOT NULL)"
            " OR (role = 'admin' AND room_id IS NULL AND station_id IS NULL)"
            " OR (role IN ('traffic', 'squad_lead') AND room_id IS NULL AND station_id IS NULL)",
            name="role_scope",
        ),
        CheckConstraint(
            "(role IN ('traffic', 'squad_lead')) = (squad_id IS NOT NULL)", name="squad_member",
        ),
        Index("ix_person_display_name", "display_name", "id"),
    )

    username: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(60))
    role: Mapped[str] = mapped_column(String(16))
    room_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("room.id"), index=True)
    station_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("station.id"), index=True)
    squad_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("traffic_squad.id"), default=None, index=True)
    star_level: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str] = mapped_column(String(200), default="")
    password_changed_at: Mapped[datetime | None] = mapped_column(default=None)

    room: Mapped[Room | None] = relationship()
    station: Mapped[Station | None] = relationship()
