"""Keeping sync's storage in bounds: purging old tombstones and scope exits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import Session

from server.ledger import LEDGER_ROW, hold, record_audit
from server.models import BlobRef, Followup, Inspection, Ledger, ScopeExit, Venue
from server.models.base import utcnow


def purge_tombstones(session: Session, older_than: timedelta) -> int:
    """Delete tombstones older than ``older_than`` that nothing live still references, and older scope exits.

    Devices whose cursor is older than the newest purged change can no longer be told about
    those deletions (or departures) one by one; their next pull is a full resync instead.
    """
    hold(session)
    cutoff = utcnow() - older_than
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
        session.execute(delete(BlobRef).where(BlobRef.record_id.in_(ids)))
        session.execute(delete(model).where(model.id.in_(ids)))
        purged += len(rows)
        newest = max(newest, *(row.seq for row in rows))
    exits = session.execute(select(ScopeExit.id, ScopeExit.seq).where(ScopeExit.at <= cutoff)).all()
    if exits:
        session.execute(delete(ScopeExit).where(ScopeExit.id.in_([row.id for row in exits])))
        newest = max(newest, *(row.seq for row in exits))
    if purged or exits:
        ledger = session.get(Ledger, LEDGER_ROW, populate_existing=True)
        session.execute(
            update(Ledger).where(Ledger.id == LEDGER_ROW).values(purged_seq=max(ledger.purged_seq, newest))
        )
        record_audit(session, "sync.purge_tombstones",
                     details={"purged": purged, "scope_exits": len(exits), "newest_seq": newest})
    return purged
