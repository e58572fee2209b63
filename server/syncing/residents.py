"""What a push adds to occupants' registrations: one open registration per document (一人一档 at a time).

A registration of a document (a resident ID, or a passport of a nationality) that is open in
another registration applies; the earlier one is marked ``superseded_at`` ("moved?"), for the
officers of its own room to confirm with a move-out, and the new one ``earlier_registration``,
which tells its room only that one existed, not where. Documents are compared by their blind
index (``server.privacy``), which the records of the batch are loaded by; pushes queue on the
ledger lock, so of two phones registering the same person offline, the later push supersedes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import Occupant
from server.syncing.change import RecordState, Values
from server.syncing.wire import MAPPINGS
from sync.registry import document_of, is_open

DOCUMENT_FIELDS = frozenset({"document_kind", "document_number", "nationality", "moved_out_at"})
"""The fields whose change can open a registration of a document: the rule is applied again when one changes."""


def index_of(data: Mapping[str, Any]) -> str | None:
    return MAPPINGS["occupant"].blind_index(dict(data))


def registered_with(session: Session, indexes: Iterable[str | None]) -> list[uuid.UUID]:
    """The registrations, in any room, of the documents with these blind indexes."""
    wanted = sorted({index for index in indexes if index is not None})
    if not wanted:
        return []
    return list(session.scalars(select(Occupant.id).where(Occupant.document_number_index.in_(wanted))))


class Registrations:
    """The one-open-registration rule over one push batch's records (the caller holds the ledger lock)."""

    def __init__(self, records: Mapping[tuple[str, uuid.UUID], RecordState], now: datetime) -> None:
        self.records = records
        self.now = now

    def open_elsewhere(self, record_id: uuid.UUID, data: Mapping[str, Any]) -> list[RecordState]:
        """The other open, not yet superseded registrations of this registration's document.

        The batch holds every registration of its documents (loaded by blind index), so the
        documents compare as they are: no keyed hash per comparison.
        """
        document = document_of(data, "document_number") if is_open(data) else None
        if document is None:
            return []
        return [state for (name, _), state in self.records.items()
                if name == "occupant" and state.id != record_id and not state.deleted and is_open(state.data)
                and not state.data.get("superseded_at") and document_of(state.data, "document_number") == document]

    def flagged(self, values: Values) -> Values:
        """A new registration's values, saying whether an earlier one of its document was open."""
        return Values.of(MAPPINGS["occupant"], {**values.loaded, "earlier_registration": True})

    def superseded(self) -> Values:
        return Values.of(MAPPINGS["occupant"], {"superseded_at": self.now})
