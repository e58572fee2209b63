"""Declarative base and the columns every syncable record carries."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import BigInteger, Column, Integer, MetaData, Table, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry
from sqlalchemy.sql.schema import CallableColumnDefault, ScalarElementColumnDefault

from server.database import UTCDateTime
from sync import clock

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


BigIntegerKey = BigInteger().with_variant(Integer(), "sqlite")
"""A 64-bit auto-increment key that SQLite also treats as its row id."""


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )
    if TYPE_CHECKING:
        __table__: ClassVar[Table]
        """Every model maps a table (declarative types it as any FROM clause)."""

    def __init__(self, **values: Any) -> None:
        """Fill in column defaults at construction, not only at flush.

        A record's wire form is computed when it is written (``server.syncing.change``), before it is flushed, and must
        show the same defaults the row will get.
        """
        for column in self.__table__.columns:
            default = python_default(column)
            if column.key not in values and default is not None:
                values[column.key] = default()
        for name, value in values.items():
            if not hasattr(type(self), name):
                raise TypeError(f"{name!r} is not an attribute of {type(self).__name__}")
            setattr(self, name, value)


def python_default(column: Column[Any]) -> Callable[[], Any] | None:
    """What SQLAlchemy puts in a column an INSERT leaves out, when it, not the database, decides."""
    default = column.default
    if isinstance(default, CallableColumnDefault):
        # SQLAlchemy wraps our zero-argument defaults to take a context they ignore; its
        # protocol asks for an ExecutionContext, which only an INSERT has.
        return lambda: default.arg(None)  # type: ignore[arg-type]
    if isinstance(default, ScalarElementColumnDefault):
        return lambda: default.arg
    return None


def utcnow() -> datetime:
    """Now, from the process's clock (``sync.clock``): tests and demos set it."""
    return clock.now()


class SyncRecord:
    """Columns of every record that syncs to handhelds.

    ``version`` is bumped by the server on each accepted change; ``seq`` is the position of
    the record's latest change in the server's commit order, which pull cursors follow.
    ``created_at`` is when the server first received the record. ``wire`` caches the data
    fields in their wire form, so a pull costs no serialising.
    """

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    version: Mapped[int] = mapped_column(default=0)
    seq: Mapped[int] = mapped_column(BigInteger, default=0, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    deleted: Mapped[bool] = mapped_column(default=False)
    wire: Mapped[str] = mapped_column(Text, default="{}")
    """The record's data fields as the wire JSON, rewritten with every change; pulls send it as is."""


class DeviceTime:
    """An aware datetime stored as UTC plus the device's UTC offset in minutes.

    The UTC column sorts and filters; the offset gives back the officer's local time
    exactly as the device recorded it.
    """

    def __init__(self, utc_attribute: str, offset_attribute: str) -> None:
        self.utc_attribute = utc_attribute
        self.offset_attribute = offset_attribute

    def __get__(self, record: object, owner: type | None = None) -> datetime | None:
        if record is None:
            return self  # type: ignore[return-value]
        moment = getattr(record, self.utc_attribute)
        if moment is None:
            return None
        offset = timedelta(minutes=getattr(record, self.offset_attribute) or 0)
        return moment.astimezone(timezone(offset))

    def __set__(self, record: object, value: datetime | None) -> None:
        if value is None:
            setattr(record, self.utc_attribute, None)
            setattr(record, self.offset_attribute, None)
            return
        offset = value.utcoffset()
        if offset is None:
            raise ValueError("device times carry their UTC offset")
        setattr(record, self.utc_attribute, value.astimezone(UTC))
        setattr(record, self.offset_attribute, int(offset.total_seconds() // 60))
