"""Handhelds, the bearer tokens issued to them, and failed sign-ins."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import Base, BigIntegerKey, utcnow
from server.models.org import Person


class Device(Base):
    """One install of the app, identified by the UUID it generated for itself.

    A revoked device stays revoked: its tokens fail and it may not sign in again; the app
    wipes its data and enrols under a new identity.
    """

    __tablename__ = "device"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    platform: Mapped[str] = mapped_column(String(40), default="")
    app_version: Mapped[str] = mapped_column(String(40), default="")
    schema_version: Mapped[int | None] = mapped_column(default=None)
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_address: Mapped[str] = mapped_column(String(64), default="")
    last_push_at: Mapped[datetime | None] = mapped_column(default=None)
    last_pull_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), default=None)
    revoke_reason: Mapped[str] = mapped_column(String(200), default="")
    written_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    """The ledger position the latest write made with this device's token committed at: its pulls
    read a standby only once the standby has replayed that far (``server.replica``)."""

    person: Mapped[Person] = relationship(foreign_keys=[person_id])

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class AccessToken(Base):
    """A bearer token, stored only as its SHA-256: the database never holds a usable token."""

    __tablename__ = "access_token"

    id: Mapped[int] = mapped_column(BigIntegerKey, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("device.id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)

    device: Mapped[Device] = relationship()
    person: Mapped[Person] = relationship()


class LoginFailure(Base):
    """A failed sign-in, counted per account and per address to throttle guessing."""

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(BigIntegerKey, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class EnrolmentCode(Base):
    """A one-time code an admin hands an officer (as text or a QR code) to enrol a phone.

    Only the code's SHA-256 is kept. Using it sets the officer's password and signs the
    phone in; it works once, and only until it expires.
    """

    __tablename__ = "enrolment_code"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    device_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
