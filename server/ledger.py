"""Change sequence numbers and the tamper-evident audit trail.

The first write of a transaction updates the single ``ledger`` row, which holds that row's
lock until commit. Writers therefore commit one after another, so the sequence numbers
they hand out follow commit order (a pull cursor never skips a change that a slower
transaction commits late) and each audit entry can chain to the previous one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from sqlalchemy import RowMapping, event, select, update
from sqlalchemy.orm import Session

from server import metrics
from server.models import AuditEntry, Ledger
from server.models.base import utcnow
from sync.records import RECORD_TYPES

LEDGER_ROW = 1
GENESIS = "0" * 64
MAX_PROBLEMS_LISTED = 50


@dataclass
class LedgerState:
    """What this transaction holds of the ledger row while it holds its lock."""

    seq: int
    audit_count: int
    audit_head: str
    dirty: bool = field(default=False)


def lock_ledger(session: Session) -> LedgerState:
    """Take the write lock for this transaction (once) and return the ledger state.

    Nothing the session has pending is flushed before the lock is taken: the ledger row is
    the first row every writer locks, so writers queue on it and never deadlock on the rows
    behind it. How long that queue is shows in ``beatlog_ledger_lock_wait_seconds`` (on
    SQLite a writer queues earlier, when its transaction begins, and waits little here).
    """
    state = session.info.get("ledger")
    if state is None:
        started = time.perf_counter()
        with session.no_autoflush:
            row = session.execute(
                update(Ledger)
                .where(Ledger.id == LEDGER_ROW)
                .values(seq=Ledger.seq)
                .returning(Ledger.seq, Ledger.audit_count, Ledger.audit_head)
            ).one()
        metrics.observe_ledger_wait(time.perf_counter() - started)
        state = LedgerState(seq=row.seq, audit_count=row.audit_count, audit_head=row.audit_head or GENESIS)
        session.info["ledger"] = state
    return state


def held(session: Session) -> bool:
    """Whether this transaction holds the ledger lock."""
    return "ledger" in session.info


def next_seq(session: Session) -> int:
    state = lock_ledger(session)
    state.seq += 1
    state.dirty = True
    return state.seq


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_digest(key: bytes, entry: Mapping[Any, Any]) -> str:
    """The HMAC of an entry's content and the hash of the entry before it."""
    payload = canonical(
        [
            entry["prev_hash"],
            entry["at"].isoformat(),
            entry["actor_id"] and str(entry["actor_id"]),
            entry["device_id"] and str(entry["device_id"]),
            entry["action"],
            entry["record_type"],
            entry["record_id"] and str(entry["record_id"]),
            entry["record_version"],
            entry["details"],
        ]
    )
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def audit_key() -> bytes:
    return current_app.config["AUDIT_KEY"].encode()


PERSONAL_DETAILS = ("changed", "values")
"""Details that carry a record's field values: ``changed`` (field → [before, after]) and ``values`` (field → value)."""


def without_personal_data(record_type: str, details: dict[str, Any]) -> dict[str, Any]:
    """An entry's details with the values of a record's personal fields left out, their names kept.

    The audit trail is append-only and chained, so nothing written into it could be erased when a
    registration's retention ends: it says which personal fields changed (``personal``), never to what.
    """
    sealed = RECORD_TYPES[record_type].sealed if record_type in RECORD_TYPES else frozenset()
    named = {name for key in PERSONAL_DETAILS for name in details.get(key) or ()} & sealed
    if not named:
        return details
    kept = {key: {name: value for name, value in details[key].items() if name not in sealed}
            for key in PERSONAL_DETAILS if key in details}
    return {**details, **kept, "personal": sorted(named)}


def audit_row(
    session: Session,
    action: str,
    *,
    actor_id: uuid.UUID | None = None,
    device_id: uuid.UUID | None = None,
    record_type: str = "",
    record_id: uuid.UUID | None = None,
    record_version: int | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
    key: bytes | None = None,
) -> dict[str, Any]:
    """The next audit entry's column values, chained to the entry before it.

    ``details`` must be plain JSON (strings, numbers, lists, dicts): it is hashed as given
    and must read back the same. The caller must insert the rows it asks for, in order.
    """
    state = lock_ledger(session)
    entry: dict[str, Any] = {
        "at": (at or utcnow()).astimezone(UTC),
        "actor_id": actor_id,
        "device_id": device_id,
        "action": action,
        "record_type": record_type,
        "record_id": record_id,
        "record_version": record_version,
        "details": without_personal_data(record_type, details or {}),
        "prev_hash": state.audit_head,
    }
    entry["entry_hash"] = entry_digest(key or audit_key(), entry)
    state.audit_head = entry["entry_hash"]
    state.audit_count += 1
    state.dirty = True
    return entry


def record_audit(session: Session, action: str, **entry: Any) -> AuditEntry:
    """Append one entry to the audit trail (through the ORM session)."""
    audited = AuditEntry(**audit_row(session, action, **entry))
    session.add(audited)
    return audited


@event.listens_for(Session, "before_commit")
def _write_ledger(session: Session) -> None:
    state: LedgerState | None = session.info.get("ledger")
    if state is not None and state.dirty:
        session.execute(
            update(Ledger)
            .where(Ledger.id == LEDGER_ROW)
            .values(seq=state.seq, audit_count=state.audit_count, audit_head=state.audit_head)
        )
        state.dirty = False


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _release_ledger(session: Session) -> None:
    session.info.pop("ledger", None)


def start_new_epoch(session: Session) -> None:
    """Give the database's history a new name: pull cursors issued under the old one start over.

    For a restored database, whose history forks from the original's at the backup: a cursor
    the original issued may point past changes the restored one will number anew.
    """
    session.execute(update(Ledger).where(Ledger.id == LEDGER_ROW).values(epoch=str(uuid.uuid4())))


@dataclass
class Verification:
    """The result of walking the audit trail."""

    entries: int
    head: str
    problems: list[str]

    @property
    def intact(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Checkpoint:
    """The trail's head at one moment, signed with the audit key, to keep outside the database.

    Someone able to rewrite the trail and the ledger row can remove the newest entries
    unnoticed by the chain alone; the checkpoint still names the entry that must be there.
    """

    entries: int
    head: str
    mac: str

    @staticmethod
    def sign(key: bytes, entries: int, head: str) -> Checkpoint:
        return Checkpoint(entries, head, _checkpoint_mac(key, entries, head))

    @staticmethod
    def parse(text: str) -> Checkpoint:
        """Read ``<entries>:<head>:<mac>`` as ``audit checkpoint`` prints it."""
        try:
            entries, head, mac = text.strip().split(":")
            return Checkpoint(int(entries), head, mac)
        except ValueError:
            raise ValueError("a checkpoint reads <entries>:<head>:<mac>, as `audit checkpoint` prints it") from None

    def signed_by(self, key: bytes) -> bool:
        return hmac.compare_digest(_checkpoint_mac(key, self.entries, self.head), self.mac)

    def __str__(self) -> str:
        return f"{self.entries}:{self.head}:{self.mac}"


def _checkpoint_mac(key: bytes, entries: int, head: str) -> str:
    return hmac.new(key, f"beatlog-audit-checkpoint:{entries}:{head}".encode(), hashlib.sha256).hexdigest()


def verify_audit(session: Session, key: bytes | None = None, checkpoint: Checkpoint | None = None) -> Verification:
    """Recompute every entry's HMAC and chain link, and compare the end with the ledger.

    With a ``checkpoint``, the entry it names must still be there with the hash it recorded.
    """
    key = key or audit_key()
    problems: list[str] = []
    if checkpoint is not None and not checkpoint.signed_by(key):
        raise ValueError("The checkpoint is not signed with this server's audit key.")
    expected_prev = GENESIS
    count = 0
    broken = 0
    for entry in _entries_in_order(session):
        count += 1
        found = []
        if entry["prev_hash"] != expected_prev:
            found.append(f"entry {entry['id']}: does not follow the entry before it (one was removed or edited)")
        if not hmac.compare_digest(entry_digest(key, entry), entry["entry_hash"]):
            found.append(f"entry {entry['id']}: its content does not match its hash (it was edited)")
        if checkpoint is not None and count == checkpoint.entries and entry["entry_hash"] != checkpoint.head:
            found.append(f"entry {entry['id']}: is not the entry the checkpoint recorded (the trail was rewritten)")
        broken += bool(found)
        if len(problems) < MAX_PROBLEMS_LISTED:
            problems.extend(found)
        expected_prev = entry["entry_hash"]
    if broken > MAX_PROBLEMS_LISTED:
        problems.append(f"… {broken} entries in all fail their check")
    if checkpoint is not None and count < checkpoint.entries:
        problems.append(f"the trail holds {count} entries, fewer entries than the checkpoint's {checkpoint.entries} "
                        "(entries were removed from the end)")
    ledger = session.get(Ledger, LEDGER_ROW)
    if ledger is not None:
        if ledger.audit_count != count:
            problems.append(f"the trail holds {count} entries but {ledger.audit_count} were written")
        if (ledger.audit_head or GENESIS) != expected_prev:
            problems.append("the last entry is not the last one written (entries were removed from the end)")
    return Verification(entries=count, head=expected_prev, problems=problems)


def _entries_in_order(session: Session) -> Iterator[RowMapping]:
    table = AuditEntry.__table__
    result = session.execute(select(table).order_by(table.c.id).execution_options(yield_per=5000))
    yield from result.mappings()
