"""What the officer reads and edits: records as they see them, and each one's sync state.

A record keeps the server's copy (``server``) and the officer's view (``local``): the
server's copy with every unacknowledged edit from the outbox laid on top. Saving validates
the whole record with the shared wire schemas, then queues only the changed fields, each
with the value it had on the server (its ``base``). Edits of a record that are not yet on
their way to the server are coalesced into one mutation, keeping the first base of each field.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import count
from typing import Any

from mobile.store.database import Store, StoreError
from mobile.store.spelling import is_spelling, spelling_keys, typed
from sync import clock
from sync.compiled import compile_schema
from sync.records import DEVICE_WRITTEN, RECORD_TYPES
from sync.search import LIKE_ESCAPE, like_containing, like_literal


class SyncState(StrEnum):
    DRAFT = "draft"
    QUEUED = "queued"
    SENDING = "sending"
    SYNCED = "synced"
    CONFLICT = "conflict"
    REJECTED = "rejected"


UNION_UNSENT = " UNION SELECT r.rowid FROM outbox o JOIN record r ON r.type = o.type AND r.id = o.id WHERE o.type = ?1"
"""The records of type ``?1`` with edits in the outbox, as a query's rowids: found from the outbox, whatever
the phone holds."""
WORKED = ("coalesce(nullif(json_extract(local, '$.inspected_at'), ''), nullif(json_extract(local, '$.visited_at'), ''),"
          " '')")
"""When a log was worked, as the ``record_worked`` index has it."""
STATE_PRECEDENCE = ("rejected", "sending", "queued", "draft")
UNSENT = ("draft", "queued", "rejected")


@dataclass(frozen=True)
class LocalRecord:
    type: str
    id: str
    version: int
    data: dict[str, Any]
    state: SyncState
    detail: dict[str, Any] = field(default_factory=dict)


def outbox_of(db: sqlite3.Connection, record_type: str, record_id: str) -> list[sqlite3.Row]:
    return db.execute("SELECT * FROM outbox WHERE type = ? AND id = ? ORDER BY seq",
                      (record_type, record_id)).fetchall()


def refresh_local(db: sqlite3.Connection, record_type: str, record_id: str) -> None:
    """Recompute the officer's view of one record from the server copy and the outbox.

    A delete the server refused does not hide the record: it still exists, and the officer
    sees it as refused work, to delete again or to edit.
    """
    row = db.execute("SELECT * FROM record WHERE type = ? AND id = ?", (record_type, record_id)).fetchone()
    entries = outbox_of(db, record_type, record_id)
    if row is None and not entries:
        return
    local = json.loads(row["server"]) if row is not None and row["server"] else {}
    hidden = bool(row["deleted"]) if row is not None else False
    for entry in entries:
        if entry["op"] == "delete":
            hidden = hidden or entry["state"] != "rejected"
        else:
            local.update(json.loads(entry["data"]))
            hidden = hidden and entry["op"] != "create"
    rowid = db.execute(
        "INSERT INTO record (type, id, local, hidden) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (type, id) DO UPDATE SET local = excluded.local, hidden = excluded.hidden RETURNING rowid",
        (record_type, record_id, json.dumps(local, ensure_ascii=False), int(hidden)),
    ).fetchone()[0]
    if record_type == "venue":
        index_venues(db, [(rowid, local, hidden)])


def index_venues(db: sqlite3.Connection, venues: list[tuple[int, dict[str, Any], bool]]) -> None:
    """Keep the search index in step: one row per visible venue, keyed by the record's rowid, with
    the pinyin of its name (:mod:`mobile.store.spelling`)."""
    gone = [(rowid,) for rowid, _, _ in venues]
    db.executemany("DELETE FROM venue_search WHERE rowid = ?", gone)
    db.executemany("DELETE FROM venue_spelling WHERE rowid = ?", gone)
    shown = [(rowid, data) for rowid, data, hidden in venues if not hidden]
    db.executemany("INSERT INTO venue_search (rowid, name, address) VALUES (?, ?, ?)",
                   [(rowid, data.get("name", ""), data.get("address", "")) for rowid, data in shown])
    spell(db, [(rowid, data.get("name", "")) for rowid, data in shown])


def spell(db: sqlite3.Connection, names: list[tuple[int, str]]) -> None:
    db.executemany("INSERT OR REPLACE INTO venue_spelling (rowid, initials, syllables) VALUES (?, ?, ?)",
                   [(rowid, *spelling_keys(name)) for rowid, name in names])


def forget(db: sqlite3.Connection, record_type: str, record_id: str) -> None:
    """Remove a record from the device, and from the search index."""
    row = db.execute("SELECT rowid FROM record WHERE type = ? AND id = ?", (record_type, record_id)).fetchone()
    if row is not None:
        db.execute("DELETE FROM venue_search WHERE rowid = ?", (row[0],))
        db.execute("DELETE FROM venue_spelling WHERE rowid = ?", (row[0],))
        db.execute("DELETE FROM record WHERE rowid = ?", (row[0],))


def set_aside(db: sqlite3.Connection, record_type: str, record_id: str) -> None:
    """A record that left the officer's scope with edits still unsent: no longer a record to
    list or search, but its edits stay, shown as work the server will refuse (``left_scope``)."""
    db.execute("UPDATE record SET deleted = 1, flag = 'left_scope', flag_detail = '{}' WHERE type = ? AND id = ?",
               (record_type, record_id))


class Records:
    """Reading and editing records on the device."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def spell_older_venues(self) -> None:
        """Venues stored before the app spelled names in pinyin get their keys, once.

        The app runs this on its background runner when it opens: pinyin costs a fraction of a
        millisecond per name, seconds for a large beat, which the UI thread must not wait for.
        Until it is done, such venues are found by name and address as before.
        """
        unspelled = "SELECT s.rowid, s.name FROM venue_search s LEFT JOIN venue_spelling p ON p.rowid = s.rowid " \
                    "WHERE p.rowid IS NULL"
        if self.store.query(f"{unspelled} LIMIT 1"):
            with self.store.transaction() as db:
                spell(db, [(row[0], row[1]) for row in db.execute(unspelled)])

    def get(self, record_type: str, record_id: str) -> LocalRecord | None:
        rows = self.store.query("SELECT * FROM record WHERE type = ? AND id = ? AND hidden = 0",
                                (record_type, record_id))
        return self._local_records(rows)[0] if rows else None

    def all(self, record_type: str) -> list[LocalRecord]:
        """Every record of a type, in the order this phone first stored them (its own, in the order made)."""
        return self._local_records(self.store.query("SELECT * FROM record WHERE type = ? AND hidden = 0 "
                                                    "ORDER BY rowid", (record_type,)))

    def by_ids(self, record_type: str, record_ids: list[str]) -> list[LocalRecord]:
        """Records in the order of ``record_ids`` (those hidden or unknown left out)."""
        if not record_ids:
            return []
        marks = ",".join("?" * len(record_ids))
        rows = self.store.query(f"SELECT * FROM record WHERE type = ? AND hidden = 0 AND id IN ({marks})",
                                (record_type, *record_ids))
        found = {record.id: record for record in self._local_records(rows)}
        return [found[record_id] for record_id in record_ids if record_id in found]

    def of_venue(self, record_type: str, venue_id: str) -> list[LocalRecord]:
        """A venue's inspections or follow-ups, picked out through the ``record_venue`` index."""
        return self._local_records(self.store.query(
            "SELECT * FROM record WHERE type = ? AND hidden = 0 AND json_extract(local, '$.venue_id') = ?",
            (record_type, venue_id)))

    def in_status(self, record_type: str, status: str, unsent: bool = False) -> list[LocalRecord]:
        """Records whose ``status`` is ``status`` (through the ``record_status`` index) and, with
        ``unsent``, those with edits in the outbox too: a phone's years of settled logs are not read."""
        marked = "SELECT rowid FROM record WHERE type = ?1 AND json_extract(local, '$.status') = ?2"
        return self._local_records(self.store.query(
            f"SELECT * FROM record WHERE rowid IN ({marked}{UNION_UNSENT if unsent else ''}) AND hidden = 0",
            (record_type, status)))

    def worked_venue_ids(self, officer_id: str | None, page: int = 100) -> Iterator[str]:
        """The venues of an officer's inspections and follow-ups (everyone's without ``officer_id``),
        latest worked first, each once: read backwards through the ``record_worked`` index, a page at a
        time, for as long as the caller asks (``+type`` keeps SQLite from sorting the whole type instead)."""
        seen: set[str] = set()
        for offset in count(0, page):
            rows = self.store.query(
                f"SELECT json_extract(local, '$.venue_id') AS venue_id FROM record WHERE"
                " +type IN ('inspection', 'followup') AND hidden = 0"
                f" AND (?1 = '' OR json_extract(local, '$.officer_id') = ?1) ORDER BY {WORKED} DESC LIMIT ?2 OFFSET ?3",
                (officer_id or "", page, offset))
            for row in rows:
                if row["venue_id"] not in seen:
                    seen.add(row["venue_id"])
                    yield row["venue_id"]
            if len(rows) < page:
                return

    def unsettled(self, record_type: str) -> list[LocalRecord]:
        """Records the server has not settled: with changes not yet acknowledged, or in conflict,
        and the edits of records that left the officer's scope (``detail["left_scope"]``).

        Found through the outbox and the conflict mark, so the cost follows what is pending,
        not how many records the phone holds.
        """
        return self._local_records(self.store.query(
            "SELECT * FROM record WHERE rowid IN (SELECT rowid FROM record WHERE type = ?1 AND flag = 'conflict'"
            f"{UNION_UNSENT}) AND (hidden = 0 OR flag = 'left_scope')", (record_type,)))

    def needing_attention(self) -> list[LocalRecord]:
        """Records the officer must look at: held in conflict, or refused by the server (including
        the refused edits of records that left their scope), of every type a device writes."""
        return [record for record_type in DEVICE_WRITTEN for record in self.unsettled(record_type)
                if record.state in (SyncState.CONFLICT, SyncState.REJECTED)]

    def search_venues(self, text: str, limit: int = 50) -> list[LocalRecord]:
        """Venues whose name or address contains ``text`` (Chinese included), best first, then
        those whose name's pinyin it spells (``fqsw`` or ``fengqiao`` for 凤桥商务酒店).

        Three characters or more use the trigram index; shorter text (a two-character
        Chinese word is common) scans, which stays fast at tens of thousands of venues.
        """
        text = text.strip()
        found = self._venues_containing(text, limit)
        if is_spelling(text) and len(found) < limit:
            known = {venue.id for venue in found}
            found += [venue for venue in self._venues_spelled(text, limit) if venue.id not in known]
        return found[:limit]

    def _venues_spelled(self, text: str, limit: int) -> list[LocalRecord]:
        letters = like_literal(typed(text))
        rows = self.store.query(
            "SELECT r.id FROM venue_spelling p JOIN record r ON r.rowid = p.rowid"
            " WHERE p.initials LIKE '%' || ?1 || '%' ESCAPE ?3 OR p.syllables LIKE '%|' || ?1 || '%' ESCAPE ?3"
            " ORDER BY p.initials LIKE ?1 || '%' ESCAPE ?3 DESC, p.syllables LIKE '|' || ?1 || '%' ESCAPE ?3 DESC,"
            " p.initials LIMIT ?2", (letters, limit, LIKE_ESCAPE))
        return self.by_ids("venue", [row["id"] for row in rows])

    def _venues_containing(self, text: str, limit: int) -> list[LocalRecord]:
        found = "SELECT r.id FROM venue_search s JOIN record r ON r.rowid = s.rowid"
        if len(text) >= 3:
            phrase = '"' + text.replace('"', '""') + '"'
            rows = self.store.query(f"{found} WHERE venue_search MATCH ? ORDER BY s.rank LIMIT ?", (phrase, limit))
        elif text:
            rows = self.store.query(
                f"{found} WHERE s.name LIKE ?1 ESCAPE ?3 OR s.address LIKE ?1 ESCAPE ?3 ORDER BY s.name LIMIT ?2",
                (like_containing(text), limit, LIKE_ESCAPE))
        else:
            rows = self.store.query(f"{found} ORDER BY s.name LIMIT ?", (limit,))
        return self.by_ids("venue", [row["id"] for row in rows])

    def _local_records(self, rows: list[sqlite3.Row]) -> list[LocalRecord]:
        if not rows:
            return []
        pending: dict[tuple[str, str], list[sqlite3.Row]] = {}
        for entry in self.store.query(
            "SELECT type, id, state, code, errors FROM outbox WHERE type = ? ORDER BY seq", (rows[0]["type"],)
        ):
            pending.setdefault((entry["type"], entry["id"]), []).append(entry)
        return [self._local_record(row, pending.get((row["type"], row["id"]), [])) for row in rows]

    @staticmethod
    def _local_record(row: sqlite3.Row, entries: list[sqlite3.Row]) -> LocalRecord:
        states = {entry["state"] for entry in entries}
        detail: dict[str, Any] = {}
        state = SyncState.SYNCED
        for candidate in STATE_PRECEDENCE:
            if candidate in states:
                state = SyncState(candidate)
                break
        if state is SyncState.REJECTED:
            rejected = next(entry for entry in entries if entry["state"] == "rejected")
            detail = {"code": rejected["code"], "errors": json.loads(rejected["errors"])}
        elif state is SyncState.SYNCED and row["flag"] == "conflict":
            state, detail = SyncState.CONFLICT, json.loads(row["flag_detail"])
        if row["flag"] == "left_scope":
            detail = {**detail, "left_scope": True}
        return LocalRecord(row["type"], row["id"], row["version"], json.loads(row["local"]), state, detail)

    def save(self, record_type: str, data: dict[str, Any], record_id: str | None = None,
             submit: bool = True) -> LocalRecord:
        """Validate and keep a change; ``submit=False`` keeps it as a draft that is not sent.

        Raises marshmallow's ``ValidationError`` with messages per field when the record
        is not valid as a whole.
        """
        if not RECORD_TYPES[record_type].device_writable:
            raise StoreError(f"{record_type} records are not edited on the device")
        schema = compile_schema(RECORD_TYPES[record_type].data_schema)
        record_id = record_id or str(uuid.uuid4())
        with self.store.transaction() as db:
            row = db.execute("SELECT * FROM record WHERE type = ? AND id = ?", (record_type, record_id)).fetchone()
            exists = row is not None and not row["hidden"]
            current = json.loads(row["local"]) if exists else {}
            wire = schema.dump(schema.load({**current, **data}))
            if exists:
                changes = {name: value for name, value in wire.items() if current.get(name) != value}
            else:
                changes = wire
            self._queue(db, record_type, record_id, changes, row, "queued" if submit else "draft")
            refresh_local(db, record_type, record_id)
        record = self.get(record_type, record_id)
        assert record is not None
        return record

    def delete(self, record_type: str, record_id: str) -> None:
        with self.store.transaction() as db:
            entries = outbox_of(db, record_type, record_id)
            unsent = [entry for entry in entries if entry["state"] in UNSENT]
            if any(entry["op"] == "create" for entry in unsent) and len(unsent) == len(entries):
                db.execute("DELETE FROM outbox WHERE type = ? AND id = ?", (record_type, record_id))
                forget(db, record_type, record_id)
            else:
                db.executemany("DELETE FROM outbox WHERE seq = ?", [(entry["seq"],) for entry in unsent])
                row = db.execute("SELECT version FROM record WHERE type = ? AND id = ?",
                                 (record_type, record_id)).fetchone()
                insert_entry(db, record_type, record_id, "delete", max(row["version"] if row else 1, 1), {}, {},
                             "queued")
            refresh_local(db, record_type, record_id)

    def _queue(self, db: sqlite3.Connection, record_type: str, record_id: str, changes: dict[str, Any],
               row: sqlite3.Row | None, state: str) -> None:
        entries = outbox_of(db, record_type, record_id)
        if entries and entries[-1]["op"] == "delete" and entries[-1]["state"] == "rejected":
            db.execute("DELETE FROM outbox WHERE seq = ?", (entries[-1]["seq"],))
            entries = entries[:-1]
        open_entry = entries[-1] if entries and entries[-1]["state"] in UNSENT else None
        if open_entry is not None:
            state = "queued" if "queued" in (state, open_entry["state"]) else state
            data = {**json.loads(open_entry["data"]), **changes}
            base = json.loads(open_entry["base"])
            if open_entry["op"] == "update":
                expected = expected_server_state(row, entries[:-1])
                base.update({name: expected.get(name) for name in changes if name not in base})
            mutation_id = open_entry["mutation_id"] if open_entry["state"] != "rejected" else str(uuid.uuid4())
            db.execute(
                "UPDATE outbox SET data = ?, base = ?, state = ?, mutation_id = ?, code = '', errors = '{}', "
                "updated_at = ? WHERE seq = ?",
                (json.dumps(data, ensure_ascii=False), json.dumps(base, ensure_ascii=False), state, mutation_id,
                 clock.now_text(), open_entry["seq"]),
            )
            return
        if not changes:
            return
        if row is None or not (row["version"] > 0 or entries):
            insert_entry(db, record_type, record_id, "create", None, changes, {}, state)
            return
        expected = expected_server_state(row, entries)
        insert_entry(db, record_type, record_id, "update", max(row["version"], 1), changes,
                     {name: expected.get(name) for name in changes}, state)


def expected_server_state(row: sqlite3.Row | None, in_flight: list[sqlite3.Row]) -> dict[str, Any]:
    """What the server will hold once the mutations already on their way are applied."""
    state = json.loads(row["server"]) if row is not None and row["server"] else {}
    for entry in in_flight:
        state.update(json.loads(entry["data"]))
    return state


def insert_entry(db: sqlite3.Connection, record_type: str, record_id: str, op: str, base_version: int | None,
                 data: dict[str, Any], base: dict[str, Any], state: str) -> None:
    stamp = clock.now_text()
    db.execute(
        "INSERT INTO outbox (mutation_id, type, id, op, base_version, data, base, state, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (str(uuid.uuid4()), record_type, record_id, op, base_version, json.dumps(data, ensure_ascii=False),
         json.dumps(base, ensure_ascii=False), state, stamp, stamp),
    )
