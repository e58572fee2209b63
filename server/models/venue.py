"""Venues officers inspect, and the checklist template for each kind of venue."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.database import JSONDocument
from server.models.base import Base, SyncRecord, utcnow
from server.models.org import Room
from sync import vocab


def one_of(column: str, labels: Any) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in labels)})"


class Venue(SyncRecord, Base):
    __tablename__ = "venue"
    __table_args__ = (
        CheckConstraint(one_of("kind", vocab.VENUE_KINDS), name="kind"),
        CheckConstraint(one_of("risk_level", vocab.RISK_LEVELS), name="risk_level"),
        Index("ix_venue_room_seq", "room_id", "seq"),
        Index("ix_venue_name", "name", "id"),
    )

    room_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("room.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(String(200))
    responsible_person: Mapped[str] = mapped_column(String(60), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    location: Mapped[dict | None] = mapped_column(JSONDocument, default=None)
    risk_level: Mapped[str] = mapped_column(String(16), default="low")
    notes: Mapped[str] = mapped_column(Text, default="")

    room: Mapped[Room] = relationship()


class ChecklistTemplate(SyncRecord, Base):
    """The current checklist for one venue kind; inspections keep the version they used."""

    __tablename__ = "checklist_template"
    __table_args__ = (CheckConstraint(one_of("venue_kind", vocab.VENUE_KINDS), name="venue_kind"),)

    venue_kind: Mapped[str] = mapped_column(String(32), unique=True)
    title_zh: Mapped[str] = mapped_column(String(80))
    title_en: Mapped[str] = mapped_column(String(120))
    items: Mapped[list] = mapped_column(JSONDocument, default=list)


class ChecklistTemplateVersion(Base):
    """A template as it was before an edit, so a log recorded under it still reads with its labels."""

    __tablename__ = "checklist_template_version"

    template_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("checklist_template.id"), primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True)
    title_zh: Mapped[str] = mapped_column(String(80))
    title_en: Mapped[str] = mapped_column(String(120))
    items: Mapped[list] = mapped_column(JSONDocument, default=list)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)
