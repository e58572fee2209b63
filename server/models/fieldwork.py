"""What officers record in the field: venue inspections and follow-up visits.

Both carry ``room_id``, copied from their venue when written, so that scope filters and
pulls select by room without a join.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.database import JSONDocument
from server.models.base import Base, DeviceTime, SyncRecord
from server.models.org import Person, Room
from server.models.venue import Venue, one_of
from sync import vocab


class Inspection(SyncRecord, Base):
    __tablename__ = "inspection"
    __table_args__ = (
        CheckConstraint(one_of("hazard_level", vocab.HAZARD_LEVELS), name="hazard_level"),
        CheckConstraint(one_of("status", vocab.INSPECTION_STATUSES), name="status"),
        Index("ix_inspection_room_seq", "room_id", "seq"),
        Index("ix_inspection_inspected", "inspected_at_utc", "room_id", "hazard_level", "deleted"),
        Index("ix_inspection_room_inspected", "room_id", "inspected_at_utc", "hazard_level", "deleted", "id"),
        Index("ix_inspection_venue_inspected", "venue_id", "inspected_at_utc", "id"),
        Index("ix_inspection_officer_inspected", "officer_id", "inspected_at_utc", "id"),
        Index("ix_inspection_room_status", "room_id", "status", "deleted", "inspected_at_utc", "id"),
        Index("ix_inspection_status_listed", "status", "deleted", "inspected_at_utc", "id"),
        Index("ix_inspection_created", "created_at"),
        Index("ix_inspection_room_created", "room_id", "created_at"),
        Index("ix_inspection_hazard", "hazard_level", "room_id", "status", "deleted"),
        Index("ix_inspection_rectifying", "rectification_required", "deleted", "rectification_deadline", "room_id",
              "id"),
        Index("ix_inspection_room_rectifying", "room_id", "rectification_required", "deleted",
              "rectification_deadline", "id"),
        Index("ix_inspection_venue_room", "venue_id", "room_id", "deleted", "inspected_at_utc", "id"),
    )

    venue_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("venue.id"), index=True)
    room_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("room.id"), index=True)
    officer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    inspected_at_utc: Mapped[datetime] = mapped_column()
    inspected_offset_min: Mapped[int] = mapped_column(SmallInteger, default=0)
    template_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    template_version: Mapped[int | None] = mapped_column(default=None)
    checklist: Mapped[dict] = mapped_column(JSONDocument, default=dict)
    findings: Mapped[str] = mapped_column(Text, default="")
    hazard_level: Mapped[str] = mapped_column(String(16), default="none")
    rectification_required: Mapped[bool] = mapped_column(default=False)
    rectification_deadline: Mapped[date | None] = mapped_column(default=None)
    photo_hashes: Mapped[list] = mapped_column(JSONDocument, default=list)
    photo_notes: Mapped[dict] = mapped_column(JSONDocument, default=dict)
    signature_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    signer_name: Mapped[str] = mapped_column(String(60), default="")
    location: Mapped[dict | None] = mapped_column(JSONDocument, default=None)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    review_comment: Mapped[str] = mapped_column(Text, default="")
    reviewer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), default=None)
    reviewed_at: Mapped[datetime | None] = mapped_column(default=None)

    inspected_at = DeviceTime("inspected_at_utc", "inspected_offset_min")

    venue: Mapped[Venue] = relationship()
    room: Mapped[Room] = relationship()
    officer: Mapped[Person] = relationship(foreign_keys=[officer_id])
    reviewer: Mapped[Person | None] = relationship(foreign_keys=[reviewer_id])


class Followup(SyncRecord, Base):
    __tablename__ = "followup"
    __table_args__ = (
        CheckConstraint(one_of("subject_kind", vocab.FOLLOWUP_SUBJECTS), name="subject_kind"),
        CheckConstraint(one_of("status", vocab.FOLLOWUP_STATUSES), name="status"),
        CheckConstraint(
            "satisfaction IS NULL OR " + one_of("satisfaction", vocab.SATISFACTION),
            name="satisfaction",
        ),
        Index("ix_followup_room_seq", "room_id", "seq"),
        Index("ix_followup_room_status", "room_id", "status", "deleted", "due_date", "id"),
        Index("ix_followup_room_due", "room_id", "due_date", "id"),
        Index("ix_followup_status_due", "status", "deleted", "due_date", "id"),
        Index("ix_followup_inspection", "inspection_id", "status", "rectified"),
        Index("ix_followup_created", "created_at"),
        Index("ix_followup_visited", "visited_at_utc"),
    )

    venue_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("venue.id"), index=True)
    room_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("room.id"), index=True)
    officer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    subject_kind: Mapped[str] = mapped_column(String(16))
    inspection_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("inspection.id"), default=None)
    case_number: Mapped[str] = mapped_column(String(40), default="")
    due_date: Mapped[date] = mapped_column(index=True)
    visited_at_utc: Mapped[datetime | None] = mapped_column(default=None)
    visited_offset_min: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    outcome: Mapped[str] = mapped_column(Text, default="")
    rectified: Mapped[bool | None] = mapped_column(default=None)
    satisfaction: Mapped[str | None] = mapped_column(String(24), default=None)
    notes: Mapped[str] = mapped_column(Text, default="")
    photo_hashes: Mapped[list] = mapped_column(JSONDocument, default=list)
    photo_notes: Mapped[dict] = mapped_column(JSONDocument, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="planned", index=True)

    visited_at = DeviceTime("visited_at_utc", "visited_offset_min")

    venue: Mapped[Venue] = relationship()
    room: Mapped[Room] = relationship()
    officer: Mapped[Person] = relationship()
    inspection: Mapped[Inspection | None] = relationship()
