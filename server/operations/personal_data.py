"""Residents' personal data: found by document, revealed with a reason, re-sealed, erased after retention.

What shows a personal value unmasked, or asks who holds a document, leaves an audit entry
saying who, whose, when and why (``personal.reveal``, ``personal.search``); the entries never
hold the values themselves, nor the number searched for (``server.ledger.without_personal_data``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.access import Scope
from server.ledger import lock_ledger, record_audit
from server.models import Occupant, QuarantinedMutation, RentalHouse, SyncConflict
from server.models.base import SyncRecord, utcnow
from server.operations.records import locked
from server.privacy import keyring, seal_values
from server.syncing.change import write_record
from server.syncing.wire import MAPPING_OF_MODEL, MAPPINGS
from sync.registry import OCCUPANT_PERSONAL, search_key

SEALED_MODELS: tuple[type[SyncRecord], ...] = (RentalHouse, Occupant)


@dataclass(frozen=True)
class Found:
    """Who holds a document, within the searcher's scope: registrations (open or not) and houses they let."""

    occupants: list[Occupant]
    houses: list[RentalHouse]


def find_by_document(session: Session, scope: Scope, kind: str, number: str, nationality: str, *,
                     actor_id: uuid.UUID, device_id: uuid.UUID | None, purpose: str) -> Found:
    """Exact search through the blind index: nothing is decrypted to find a match."""
    index = keyring().blind_index("document", search_key(kind, number, nationality))
    occupants = list(session.scalars(scope.select(Occupant).where(Occupant.document_number_index == index,
                                                                  Occupant.deleted.is_(False))))
    houses = [] if kind != "resident_id" else list(session.scalars(
        scope.select(RentalHouse).where(RentalHouse.landlord_id_number_index == index, RentalHouse.deleted.is_(False))))
    record_audit(session, "personal.search", actor_id=actor_id, device_id=device_id,
                 details={"document_kind": kind, "purpose": purpose, "found_occupants": [str(o.id) for o in occupants],
                          "found_houses": [str(h.id) for h in houses]})
    return Found(occupants, houses)


def reveal(session: Session, scope: Scope, model: type[SyncRecord], record_id: uuid.UUID, reason: str, *,
           actor_id: uuid.UUID, device_id: uuid.UUID | None) -> dict[str, Any]:
    """One record's personal fields unmasked, for a stated reason (audited before anything is shown)."""
    record = scope.get(session, model, record_id)
    mapping = MAPPING_OF_MODEL[model]
    record_audit(session, "personal.reveal", actor_id=actor_id, device_id=device_id, record_type=mapping.name,
                 record_id=record.id, record_version=record.version,
                 details={"reason": reason, "fields": sorted(mapping.sealed)})
    data = mapping.wire_of(record)
    return {name: data[name] for name in sorted(mapping.sealed)}


def erase_expired(session: Session, retention: timedelta) -> dict[str, int]:
    """Remove the personal fields of registrations moved out longer than ``retention`` ago.

    What stays is anonymous: the house, the unit, the dates, the kind of document and nationality
    (the registry's counts). The erasure is a new version, so the room's phones lose the values
    too; copies in conflicts and refused changes about the registration are removed with it.
    """
    cutoff = utcnow() - retention
    due = list(session.scalars(select(Occupant.id).where(Occupant.moved_out_at_utc < cutoff,
                                                         Occupant.erased_at.is_(None))))
    for record_id in due:
        record = locked(session, Occupant, record_id)
        if record.erased_at is not None or record.moved_out_at_utc is None or record.moved_out_at_utc >= cutoff:
            continue
        erased = {**dict.fromkeys(OCCUPANT_PERSONAL, ""), "erased_at": utcnow()}
        write_record(session, record, "erase", erased, actor_id=None,
                     details={"retention_days": retention.days, "erased": sorted(OCCUPANT_PERSONAL)})
        _forget_copies(session, "occupant", record_id, OCCUPANT_PERSONAL)
    return {"registrations_erased": len(due)}


def _forget_copies(session: Session, record_type: str, record_id: uuid.UUID, sealed: frozenset[str]) -> None:
    for conflict in session.scalars(select(SyncConflict).where(SyncConflict.record_id == record_id)):
        conflict.fields = {name: sides for name, sides in conflict.fields.items() if name not in sealed}
        if conflict.resolution is not None:
            conflict.resolution = {name: value for name, value in conflict.resolution.items() if name not in sealed}
    for refused in session.scalars(select(QuarantinedMutation).where(QuarantinedMutation.record_id == record_id)):
        refused.payload = {**refused.payload, **{
            part: {name: value for name, value in (refused.payload.get(part) or {}).items() if name not in sealed}
            for part in ("data", "base")}}


def reseal(session: Session) -> dict[str, int]:
    """Seal again under the current key whatever an older key sealed, and recompute the blind indexes.

    Run after putting a new key first in ``BEATLOG_PII_KEYS`` (and after changing
    ``BEATLOG_PII_INDEX_KEY``); the old key can be dropped once this reports nothing left.
    Versions do not change: the values are the same, only how they are kept. It holds the ledger
    lock, so no push rewrites a record between its read here and its re-sealed write.
    """
    lock_ledger(session)
    ring = keyring()
    counts = {"records": 0, "conflicts": 0, "refused_changes": 0}
    for model in SEALED_MODELS:
        mapping = MAPPING_OF_MODEL[model]
        for record in session.scalars(select(model)):
            changes: dict[str, Any] = {}
            if ring.needs_resealing(record.wire):
                changes["wire"] = mapping.stored(mapping.entry(record.wire))
            for name in mapping.sealed:
                value = getattr(record, name)
                if value and ring.needs_resealing(value):
                    changes[name] = ring.seal(mapping.sealed_place(name, record.id),
                                              ring.open(mapping.sealed_place(name, record.id), value))
            indexed = f"{mapping.record_type.indexed}_index"
            if (index := mapping.blind_index(mapping.wire_of(record))) != getattr(record, indexed):
                changes[indexed] = index
            if changes:
                session.execute(update(model).where(model.id == record.id).values(changes))
                counts["records"] += 1
    for conflict in session.scalars(select(SyncConflict).where(SyncConflict.record_type.in_(_sealed_types()))):
        sealed = MAPPINGS[conflict.record_type].sealed
        documents = [conflict.fields, conflict.resolution or {}]
        if any(ring.needs_resealing(document[name]) for document in documents for name in sealed & document.keys()):
            sides, chosen = conflict.sides, conflict.chosen
            conflict.fields = seal_values("sync_conflict", conflict.record_id, sealed, sides)
            if chosen is not None:
                conflict.resolution = seal_values("sync_conflict", conflict.record_id, sealed, chosen)
            counts["conflicts"] += 1
    for refused in session.scalars(select(QuarantinedMutation).where(
            QuarantinedMutation.record_type.in_(_sealed_types()))):
        sealed = MAPPINGS[refused.record_type].sealed
        parts = [refused.payload.get(part) or {} for part in ("data", "base")]
        if any(ring.needs_resealing(part[name]) for part in parts for name in sealed & part.keys()):
            opened = refused.sent
            refused.payload = {**opened, **{part: seal_values("quarantined_mutation", str(refused.record_id), sealed,
                                                              opened[part]) for part in ("data", "base")}}
            counts["refused_changes"] += 1
    record_audit(session, "personal.reseal", details={**counts, "key": ring.current})
    return counts


def _sealed_types() -> list[str]:
    return [MAPPING_OF_MODEL[model].name for model in SEALED_MODELS]
