"""Work orders from community officers to traffic police (警社联动), and the events of their lives.

An order keeps its reporter's ``room_id`` (which the station's officers and chief see it by)
and the ``squad_id`` it was routed to (which that squad's traffic police see it by); its
events copy both from it, so scope filters and pulls select them without a join.
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


class WorkOrder(SyncRecord, Base):
    __tablename__ = "work_order"
    __table_args__ = (
        CheckConstraint(one_of("kind", vocab.WORK_ORDER_KINDS), name="kind"),
        CheckConstraint(one_of("status", vocab.WORK_ORDER_STATES), name="status"),
        CheckConstraint(one_of("urgency", vocab.URGENCIES), name="urgency"),
        CheckConstraint("outcome IS NULL OR " + one_of("outcome", vocab.WORK_ORDER_OUTCOMES), name="outcome"),
        Index("ix_work_order_room_seq", "room_id", "seq"),
        Index("ix_work_order_squad_seq", "squad_id", "seq"),
        Index("ix_work_order_squad_status", "squad_id", "status", "deleted", "accept_due"),
        Index("ix_work_order_plate", "plate", "reported_at_utc"),
    )

    room_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("room.id"), index=True)
    officer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    plate: Mapped[str] = mapped_column(String(10), default="")
    vehicle_colour: Mapped[str] = mapped_column(String(20), default="")
    vehicle_make: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(200))
    location: Mapped[dict | None] = mapped_column(JSONDocument, default=None)
    venue_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("venue.id"), default=None)
    photo_hashes: Mapped[list] = mapped_column(JSONDocument, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    urgency: Mapped[str] = mapped_column(String(16), default="normal")
    reported_at_utc: Mapped[datetime] = mapped_column()
    reported_offset_min: Mapped[int] = mapped_column(SmallInteger, default=0)
    squad_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("traffic_squad.id"), default=None)
    dispatched_at: Mapped[datetime | None] = mapped_column(default=None)
    accept_due: Mapped[datetime | None] = mapped_column(default=None)
    resolve_due: Mapped[datetime | None] = mapped_column(default=None)
    repeat_plate: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), default="reported")
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), default=None)
    assignee_name: Mapped[str] = mapped_column(String(60), default="")
    accepted_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    outcome: Mapped[str | None] = mapped_column(String(24), default=None)
    ticket_number: Mapped[str] = mapped_column(String(40), default="")
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    reopen_count: Mapped[int] = mapped_column(default=0)

    reported_at = DeviceTime("reported_at_utc", "reported_offset_min")


class WorkOrderEvent(SyncRecord, Base):
    __tablename__ = "work_order_event"
    __table_args__ = (
        CheckConstraint(one_of("kind", vocab.WORK_ORDER_EVENTS), name="kind"),
        Index("ix_work_order_event_room_seq", "room_id", "seq"),
        Index("ix_work_order_event_squad_seq", "squad_id", "seq"),
        Index("ix_work_order_event_order_position", "work_order_id", "position", unique=True),
    )

    work_order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("work_order.id"))
    room_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("room.id"), index=True)
    squad_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("traffic_squad.id"), default=None)
    kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    actor_role: Mapped[str] = mapped_column(String(16))
    at_utc: Mapped[datetime] = mapped_column()
    at_offset_min: Mapped[int] = mapped_column(SmallInteger, default=0)
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), default=None)
    contact_result: Mapped[str | None] = mapped_column(String(16), default=None)
    outcome: Mapped[str | None] = mapped_column(String(24), default=None)
    ticket_number: Mapped[str] = mapped_column(String(40), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    photo_hashes: Mapped[list] = mapped_column(JSONDocument, default=list)
    position: Mapped[int | None] = mapped_column(default=None)
    received_at: Mapped[datetime | None] = mapped_column(default=None)
    actor_name: Mapped[str] = mapped_column(String(60), default="")

    at = DeviceTime("at_utc", "at_offset_min")


class Vehicle(SyncRecord, Base):
    """一车一档: a plate's file, written by the server only (``server.operations.vehicles``).

    It belongs to no room or squad: whoever sees an order naming its plate sees it
    (``RecordType.seen_with``), so its scope is looked up through ``work_order.plate``.
    """

    __tablename__ = "vehicle"

    plate: Mapped[str] = mapped_column(String(10), unique=True)
    colour: Mapped[str] = mapped_column(String(20), default="")
    make: Mapped[str] = mapped_column(String(40), default="")
    report_count: Mapped[int] = mapped_column(default=1)
    first_reported_at: Mapped[datetime] = mapped_column()
    last_reported_at: Mapped[datetime] = mapped_column()
    recent_reports: Mapped[list] = mapped_column(JSONDocument, default=list)
    flagged: Mapped[bool] = mapped_column(default=False)
