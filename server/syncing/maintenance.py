"""Keeping sync's storage in bounds: purging old tombstones and scope exits (remembering the ids
purged), and pruning the stored push answers no device can replay any more.

A purged id is never created again (``purged_among``): ids are UUIDs a device generates, so
a genuinely new record never reuses one, and a create of a purged id can only be a device
that was offline past the purge re-sending a record that was deleted since.

Both run as upkeep jobs (``server.upkeep``), each in a transaction of its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, exists, insert, select, update
from sqlalchemy.orm import Session

from server.database import delete_counted
from server.ledger import LEDGER_ROW, lock_ledger, record_audit
from server.models import (
    SYNCED_MODELS,
    BlobRef,
    Device,
    Followup,
    Inspection,
    Ledger,
    PurgedRecord,
    ScopeExit,
    SyncMutation,
    Venue,
)
from server.models.base import utcnow

PROOF_MARGIN = timedelta(hours=1)
"""How long after a push answer its device's pull must come to prove the answer landed (see ``prune_push_answers``)."""


def purge_tombstones(session: Session, older_than: timedelta) -> dict[str, int]:
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
    return {"tombstones": purged, "scope_exits": len(exits)}


def prune_push_answers(session: Session, older_than: timedelta) -> dict[str, int]:
    """Delete stored push answers (``sync_mutation``) that no device can replay any more.

    The handheld sends a mutation again, with the same id, for as long as it sits in its
    outbox marked ``sending``; it deletes it in the same local transaction that lands the
    answer. A sync round pulls only after its push phase sent every mutation that was waiting
    when the round began and landed every answer (``mobile.sync_client``): a round that
    loses an answer ends there, without pulling. So a pull from a device served
    ``PROOF_MARGIN`` or more after an answer was first given proves the device holds that
    answer. The margin covers requests held up in queues and server clocks that disagree.

    An answer goes when it is older than ``older_than`` and either its device pulled at
    least ``PROOF_MARGIN`` after it (``device.last_pull_at``), or its device is revoked (its
    tokens fail and it may not sign in again, so it never pushes again). Answers of a device
    that has not pulled since stay, however old: if it replayed a mutation whose answer was
    gone, the mutation would be decided again (a conflict opened twice, a quarantined
    mutation refused twice). The age alone proves nothing; it keeps answers for a while
    for whoever investigates a sync, and covers a handheld restored from a backup made up
    to that long ago.

    The candidates are read before the ledger lock is taken, so pushes do not wait on that
    scan; what may change meanwhile (a revocation, a later pull) only proves more.
    """
    cutoff = utcnow() - older_than
    devices = session.execute(select(Device.id, Device.revoked_at, Device.last_pull_at).where(
        exists().where(SyncMutation.device_id == Device.id, SyncMutation.received_at < cutoff),
        Device.revoked_at.is_not(None) | Device.last_pull_at.is_not(None))).all()
    if not devices:
        return {"push_answers": 0}
    lock_ledger(session)
    pruned = 0
    for device in devices:
        proven = [] if device.revoked_at is not None else [
            SyncMutation.received_at <= device.last_pull_at - PROOF_MARGIN]
        pruned += delete_counted(session, delete(SyncMutation).where(
            SyncMutation.device_id == device.id, SyncMutation.received_at < cutoff, *proven))
    if pruned:
        record_audit(session, "sync.prune_push_answers", details={"pruned": pruned})
    return {"push_answers": pruned}


def purged_among(session: Session, keys: Iterable[tuple[str, uuid.UUID]]) -> set[tuple[str, uuid.UUID]]:
    """Which of these (type, id) were records whose tombstones were purged."""
    wanted = set(keys)
    if not wanted:
        return set()
    rows = session.execute(select(PurgedRecord.record_type, PurgedRecord.record_id).where(
        PurgedRecord.record_id.in_({record_id for _, record_id in wanted})))
    return {(row.record_type, row.record_id) for row in rows} & wanted
