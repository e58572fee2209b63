"""Planning the beat (``sync.planning``): schedule rules, assignments, and notices to one person."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, DeviceTime, SyncRecord
from server.models.venue import one_of
from sync import vocab

SCHEDULED = "origin = 'schedule'"


class ScheduleRule(SyncRecord, Base):
    __tablename__ = "schedule_rule"
    __table_args__ = (
        CheckConstraint("venue_kind IS NULL OR " + one_of("venue_kind", vocab.VENUE_KINDS), name="venue_kind"),
        CheckConstraint("risk_level IS NULL OR " + one_of("risk_level", vocab.RISK_LEVELS), name="risk_level"),
        CheckConstraint("interval_days BETWEEN 1 AND 366", name="interval_days"),
    )

    station_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("station.id"), index=True)
    venue_kind: Mapped[str | None] = mapped_column(String(32), default=None)
    risk_level: Mapped[str | None] = mapped_column(String(16), default=None)
    interval_days: Mapped[int] = mapped_column()
    starts_on: Mapped[date] = mapped_column()
    active: Mapped[bool] = mapped_column(default=True)


class Assignment(SyncRecord, Base):
    """A piece of planned work in a room: a scheduled or assigned inspection, or a case re-visit.

    At most one scheduled inspection of a venue falls due on a day (``uq_assignment_scheduled``),
    so the upkeep that plans them can run again, or on two workers, without doubling one.
    """

    __tablename__ = "assignment"
    __table_args__ = (
        CheckConstraint(one_of("origin", vocab.ASSIGNMENT_ORIGINS), name="origin"),
        CheckConstraint(one_of("kind", vocab.ASSIGNMENT_KINDS), name="kind"),
        CheckConstraint(one_of("status", vocab.ASSIGNMENT_STATUSES), name="status"),
        Index("ix_assignment_room_seq", "room_id", "seq"),
        Index("ix_assignment_status_due", "status", "due_date"),
        Index("ix_assignment_officer", "officer_id", "status"),
        Index("uq_assignment_scheduled", "venue_id", "due_date", unique=True,
              sqlite_where=text(SCHEDULED), postgresql_where=text(SCHEDULED)),
    )

    room_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("room.id"))
    officer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), default=None)
    origin: Mapped[str] = mapped_column(String(16), default="chief")
    kind: Mapped[str] = mapped_column(String(16))
    venue_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("venue.id"), default=None, index=True)
    case_number: Mapped[str] = mapped_column(String(40), default="")
    visit_whom: Mapped[str] = mapped_column(String(120), default="")
    due_date: Mapped[date] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")
    assigned_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), default=None)
    status: Mapped[str] = mapped_column(String(16), default="open")
    inspection_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("inspection.id"), default=None)
    followup_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("followup.id"), default=None)
    done_at_utc: Mapped[datetime | None] = mapped_column(default=None)
    done_offset_min: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    comment: Mapped[str] = mapped_column(Text, default="")
    commented_at_utc: Mapped[datetime | None] = mapped_column(default=None)
    commented_offset_min: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    missed_on: Mapped[date | None] = mapped_column(default=None)
    handed_back_reason: Mapped[str | None] = mapped_column(String(16), default=None)
    handed_back_from: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), default=None)

    done_at = DeviceTime("done_at_utc", "done_offset_min")
    commented_at = DeviceTime("commented_at_utc", "commented_offset_min")


class Notice(SyncRecord, Base):
    """Something one person should know (``person_id``), about one record (``subject_type``, ``subject_id``)."""

    __tablename__ = "notice"
    __table_args__ = (
        CheckConstraint(one_of("kind", vocab.NOTICE_KINDS), name="kind"),
        Index("ix_notice_person_seq", "person_id", "seq"),
        Index("ix_notice_subject", "subject_id", "kind"),
    )

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    kind: Mapped[str] = mapped_column(String(24))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[uuid.UUID] = mapped_column()
    summary: Mapped[str] = mapped_column(String(500), default="")
    raised_at: Mapped[datetime] = mapped_column()
    read_at: Mapped[datetime | None] = mapped_column(default=None)
