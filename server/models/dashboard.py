"""What the dashboard remembers per person: when they last looked at the inbox."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base


class InboxMark(Base):
    """Logs that reached the server after ``seen_at`` are new to this reviewer."""

    __tablename__ = "inbox_mark"

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), primary_key=True)
    seen_at: Mapped[datetime]
