"""Webhooks for the city's systems: subscribers, the durable outbox of events, deliveries and their attempts.

An event is written by the one write path (``server.syncing.change``) in the transaction of the
change it tells of, so no event is lost and none is sent for a change that rolled back. Its
position is the change's ``seq``: events are ordered as the changes were committed.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.database import JSONDocument
from server.models.base import Base, utcnow


class WebhookSubscriber(Base):
    __tablename__ = "webhook_subscriber"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    url: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(String(200), default="")
    record_types: Mapped[list] = mapped_column(JSONDocument, default=list)
    """The record types whose changes it receives (``server.webhooks.PUBLISHED``)."""
    secret: Mapped[str] = mapped_column(Text)
    """The signing secret, sealed (``server.privacy``): shown once when the subscriber is registered."""
    active: Mapped[bool] = mapped_column(default=True)
    after_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    """The position of the last event fanned out to it: it receives events written after it subscribed."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), default=None)


class WebhookEvent(Base):
    __tablename__ = "webhook_event"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    kind: Mapped[str] = mapped_column(String(60))
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[uuid.UUID] = mapped_column()
    payload: Mapped[dict] = mapped_column(JSONDocument)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class WebhookDelivery(Base):
    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("subscriber_id", "event_id", name="one_per_subscriber"),
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    subscriber_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_subscriber.id"), index=True)
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_event.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    """``pending`` (to send, again after a failure), ``delivered``, or ``failed`` after the last attempt allowed."""
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)


class WebhookAttempt(Base):
    __tablename__ = "webhook_attempt"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    delivery_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_delivery.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    status_code: Mapped[int | None] = mapped_column(default=None)
    error: Mapped[str] = mapped_column(String(500), default="")
    duration_ms: Mapped[int] = mapped_column(default=0)
