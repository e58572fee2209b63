"""Rental housing and its occupants' registrations (出租房屋, 流动人口), and residence-permit applications.

The columns of personal data (``RecordType.sealed``) hold sealed text (``server.privacy``), never
the value: ``v1:<key id>:<base64>``, empty where nothing was given. ``*_index`` holds the blind
index of the searchable one, so an exact search by document number needs no decryption.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.database import JSONDocument
from server.models.base import Base, DeviceTime, SyncRecord
from server.models.venue import one_of
from sync import vocab


class RentalHouse(SyncRecord, Base):
    __tablename__ = "rental_house"
    __table_args__ = (
        CheckConstraint(one_of("status", vocab.HOUSE_STATUSES), name="status"),
        Index("ix_rental_house_room_seq", "room_id", "seq"),
    )

    room_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("room.id"), index=True)
    officer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    address: Mapped[str] = mapped_column(String(200))
    venue_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("venue.id"), default=None)
    landlord_name: Mapped[str] = mapped_column(Text, default="")
    landlord_id_number: Mapped[str] = mapped_column(Text, default="")
    landlord_id_number_index: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    landlord_phone: Mapped[str] = mapped_column(Text, default="")
    units: Mapped[list] = mapped_column(JSONDocument, default=list)
    status: Mapped[str] = mapped_column(String(16), default="let")
    last_verified_at_utc: Mapped[datetime | None] = mapped_column(default=None)
    last_verified_offset_min: Mapped[int | None] = mapped_column(SmallInteger, default=None)

    last_verified_at = DeviceTime("last_verified_at_utc", "last_verified_offset_min")


class Occupant(SyncRecord, Base):
    __tablename__ = "occupant"
    __table_args__ = (
        CheckConstraint(one_of("document_kind", vocab.DOCUMENT_KINDS), name="document_kind"),
        CheckConstraint(one_of("verification", vocab.VERIFICATIONS), name="verification"),
        Index("ix_occupant_room_seq", "room_id", "seq"),
        Index("ix_occupant_house", "house_id", "moved_out_at_utc"),
    )

    house_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rental_house.id"))
    room_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("room.id"), index=True)
    officer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    unit: Mapped[str] = mapped_column(String(20), default="")
    full_name: Mapped[str] = mapped_column(Text, default="")
    document_kind: Mapped[str] = mapped_column(String(16))
    document_number: Mapped[str] = mapped_column(Text, default="")
    document_number_index: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    nationality: Mapped[str] = mapped_column(String(3), default="")
    visa_type: Mapped[str] = mapped_column(String(2), default="")
    phone: Mapped[str] = mapped_column(Text, default="")
    household_place: Mapped[str] = mapped_column(Text, default="")
    employer: Mapped[str] = mapped_column(Text, default="")
    arrived_at_utc: Mapped[datetime] = mapped_column()
    arrived_offset_min: Mapped[int] = mapped_column(SmallInteger, default=0)
    registered_at_utc: Mapped[datetime] = mapped_column()
    registered_offset_min: Mapped[int] = mapped_column(SmallInteger, default=0)
    moved_out_at_utc: Mapped[datetime | None] = mapped_column(default=None)
    moved_out_offset_min: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    verification: Mapped[str] = mapped_column(String(16), default="document_seen")
    earlier_registration: Mapped[bool] = mapped_column(default=False)
    superseded_at: Mapped[datetime | None] = mapped_column(default=None)
    erased_at: Mapped[datetime | None] = mapped_column(default=None)

    arrived_at = DeviceTime("arrived_at_utc", "arrived_offset_min")
    registered_at = DeviceTime("registered_at_utc", "registered_offset_min")
    moved_out_at = DeviceTime("moved_out_at_utc", "moved_out_offset_min")


class ResidencePermit(SyncRecord, Base):
    __tablename__ = "residence_permit"
    __table_args__ = (
        CheckConstraint(one_of("status", vocab.PERMIT_STATUSES), name="status"),
        Index("ix_residence_permit_room_seq", "room_id", "seq"),
    )

    occupant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("occupant.id"), index=True)
    room_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("room.id"), index=True)
    officer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    applied_at_utc: Mapped[datetime] = mapped_column()
    applied_offset_min: Mapped[int] = mapped_column(SmallInteger, default=0)
    status: Mapped[str] = mapped_column(String(16), default="applied")
    accepted_at_utc: Mapped[datetime | None] = mapped_column(default=None)
    accepted_offset_min: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    decided_at_utc: Mapped[datetime | None] = mapped_column(default=None)
    decided_offset_min: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    permit_number: Mapped[str] = mapped_column(String(40), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")

    applied_at = DeviceTime("applied_at_utc", "applied_offset_min")
    accepted_at = DeviceTime("accepted_at_utc", "accepted_offset_min")
    decided_at = DeviceTime("decided_at_utc", "decided_offset_min")
