"""Keeping sync's storage in bounds: purging old tombstones and scope exits, and remembering the ids purged.

A purged id is never created again (``purged_among``): ids are UUIDs a device generates, so
a genuinely new record never reuses one, and a create of a purged id can only be a device
that was offline past the purge re-sending a record that was deleted since.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, exists, insert, select, update
from sqlalchemy.orm import Session

from server.ledger import LEDGER_ROW, lock_ledger, record_audit
from server.models import SYNCED_MODELS, BlobRef, Followup, Inspection, Ledger, PurgedRecord, ScopeExit, Venue
from server.models.base import utcnow


def purge_tombstones(session: Session, older_than: timedelta) -> int:
    """Delete tombstones older than ``older_than`` that nothing live still references, and older scope exits.

    Devices whose cursor is older than the newest purged change can no longer be told about
    those deletions (or departures) one by one; their next pull is a full resync instead.
    """
    lock_ledger(session)
    now = utcnow()
    cutoff = now - older_than
    referenced: dict[Any, list[Any]] = {
        Followup: [],
        Inspection: [exists().where(Followup.inspection_id == Inspection.id)],
        Venue: [exists().where(Inspection.venue_id == Venue.id), exists().where(Followup.venue_id == Venue.id)],
    }
    purged = 0
    newest = 0
    for model, references in referenced.items():
        condition = [model.deleted.is_(True), model.updated_at <= cutoff, *[~reference for reference in references]]
        rows = session.execute(select(model.id, model.seq).where(*condition)).all()
        if not rows:
            continue
        ids = [row.id for row in rows]
        record_type = next(name for name, synced in SYNCED_MODELS.items() if synced is model)
        session.execute(insert(PurgedRecord), [{"record_id": record_id, "record_type": record_type,
                                                "purged_at": now} for record_id in ids])
        session.execute(delete(BlobRef).where(BlobRef.record_id.in_(ids)))
        session.execute(delete(model).where(model.id.in_(ids)))
        purged += len(rows)
        newest = max(newest, *(row.seq for row in rows))
    exits = session.execute(select(ScopeExit.id, ScopeExit.seq).where(ScopeExit.at <= cutoff)).all()
    if exits:
        session.execute(delete(ScopeExit).where(ScopeExit.id.in_([row.id for row in exits])))
        newest = max(newest, *(row.seq for row in exits))
    if purged or exits:
        ledger = session.get_one(Ledger, LEDGER_ROW, populate_existing=True)
        session.execute(
            update(Ledger).where(Ledger.id == LEDGER_ROW).values(purged_seq=max(ledger.purged_seq, newest))
        )
        record_audit(session, "sync.purge_tombstones",
                     details={"purged": purged, "scope_exits": len(exits), "newest_seq": newest})
    return purged


def purged_among(session: Session, keys: Iterable[tuple[str, uuid.UUID]]) -> set[tuple[str, uuid.UUID]]:
    """Which of these (type, id) were records whose tombstones were purged."""
    wanted = set(keys)
    if not wanted:
        return set()
    rows = session.execute(select(PurgedRecord.record_type, PurgedRecord.record_id).where(
        PurgedRecord.record_id.in_({record_id for _, record_id in wanted})))
    return {(row.record_type, row.record_id) for row in rows} & wanted
