"""The sync side of the store: what to send, and how answers and pulled changes land.

Every step commits in one transaction together with the state that says how far sync got
(outbox entries marked ``sending`` before a push, the cursor after a page), so an
interrupted sync resumes where it stopped: mutations still marked ``sending`` are sent again
with the same ids, and the server answers them as duplicates. A mutation queued behind one
in flight takes, from that one's answer, the version it made as its base version.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterable
from typing import Any

from mobile.store.database import Store
from mobile.store.records import forget, index_venues, outbox_of, refresh_local, set_aside
from sync import clock
from sync.records import RECORD_TYPES

CONFIRMED = ("applied", "merged")

UPSERT_PULLED = """
    INSERT INTO record (type, id, version, deleted, server, local, hidden, resync_generation)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (type, id) DO UPDATE SET
        version = excluded.version, deleted = excluded.deleted, server = excluded.server,
        local = excluded.local, hidden = excluded.hidden, resync_generation = excluded.resync_generation,
        flag = CASE WHEN record.flag = 'conflict'
                    AND excluded.version <= json_extract(record.flag_detail, '$.version') THEN record.flag ELSE '' END,
        flag_detail = CASE WHEN record.flag = 'conflict'
                    AND excluded.version <= json_extract(record.flag_detail, '$.version') THEN record.flag_detail
                    ELSE '{}' END
"""
"""Store a pulled record; a conflict mark stays until a version newer than the conflict arrives."""


WAITING = """
    SELECT * FROM outbox o WHERE state IN ('sending', 'queued') AND NOT (op = 'delete' AND EXISTS (
        SELECT 1 FROM outbox earlier WHERE earlier.type = o.type AND earlier.id = o.id AND earlier.seq < o.seq
        AND earlier.state IN ('sending', 'queued')))
"""
"""Mutations ready to send: all but deletes behind an unanswered mutation of the same record."""


class Replica:
    def __init__(self, store: Store) -> None:
        self.store = store

    def pending_count(self) -> int:
        return self.store.query("SELECT count(*) FROM outbox WHERE state IN ('queued', 'sending')")[0][0]

    def blobs_to_upload(self) -> list[sqlite3.Row]:
        """Blobs referenced by mutations about to be sent that the server may not have yet."""
        referenced: set[str] = set()
        for entry in self.store.query("SELECT type, data FROM outbox WHERE state IN ('queued', 'sending')"):
            data = json.loads(entry["data"])
            referenced.update(RECORD_TYPES[entry["type"]].blob_hashes(data))
        rows = self.store.query("SELECT * FROM blob WHERE uploaded = 0")
        return [row for row in rows if row["sha256"] in referenced]

    def mark_uploaded(self, sha256: str) -> None:
        with self.store.transaction() as db:
            db.execute("UPDATE blob SET uploaded = 1 WHERE sha256 = ?", (sha256,))

    def take_batch(self, limit: int, passed: Collection[str] = ()) -> list[dict[str, Any]]:
        """The next mutations to push, but for those ``passed`` over, marked as sending first (so a crash resends them).

        A delete waits while an earlier mutation of its record is unanswered: its base version
        is the version that mutation makes, known only from the answer (see ``_rebase``).
        """
        with self.store.transaction() as db:
            rows = db.execute(WAITING + " ORDER BY seq LIMIT ?", (limit + len(passed),)).fetchall()
            rows = [row for row in rows if row["mutation_id"] not in passed][:limit]
            db.executemany("UPDATE outbox SET state = 'sending', attempts = attempts + 1 WHERE seq = ?",
                           [(row["seq"],) for row in rows])
        return [
            {"mutation_id": row["mutation_id"], "type": row["type"], "id": row["id"], "op": row["op"],
             "base_version": row["base_version"], "data": json.loads(row["data"]), "base": json.loads(row["base"])}
            for row in rows
        ]

    def apply_results(self, results: Iterable[dict[str, Any]]) -> dict[str, int]:
        """Land the server's answers: a mutation leaves the outbox only when it was answered."""
        tally: dict[str, int] = {}
        with self.store.transaction() as db:
            for result in results:
                entry = db.execute("SELECT * FROM outbox WHERE mutation_id = ?", (result["mutation_id"],)).fetchone()
                if entry is None:
                    continue
                status = result.get("first_status", result["status"])
                tally[status] = tally.get(status, 0) + 1
                self._land(db, entry, status, result)
                refresh_local(db, entry["type"], entry["id"])
        return tally

    def _land(self, db: sqlite3.Connection, entry: sqlite3.Row, status: str, result: dict[str, Any]) -> None:
        if status == "rejected":
            state = "queued" if result.get("retryable") else "rejected"
            db.execute("UPDATE outbox SET state = ?, code = ?, errors = ?, updated_at = ? WHERE seq = ?",
                       (state, result.get("code", ""), json.dumps(result.get("errors") or {}, ensure_ascii=False),
                        clock.now_text(), entry["seq"]))
            return
        db.execute("DELETE FROM outbox WHERE seq = ?", (entry["seq"],))
        self._rebase(db, entry, result.get("version"))
        row = db.execute("SELECT * FROM record WHERE type = ? AND id = ?", (entry["type"], entry["id"])).fetchone()
        if row is not None and row["flag"] == "left_scope":
            if not outbox_of(db, entry["type"], entry["id"]):
                forget(db, entry["type"], entry["id"])
            return
        server = json.loads(row["server"]) if row is not None and row["server"] else {}
        data = json.loads(entry["data"])
        if status in CONFIRMED:
            server.update(data)
            flag, detail = "", {}
            deleted = entry["op"] == "delete"
        else:
            flag = "conflict"
            detail = {"conflict_id": result.get("conflict_id"), "reason": result.get("reason"),
                      "version": result.get("version"), "yours": data}
            deleted = bool(row["deleted"]) if row is not None else False
        db.execute(
            "INSERT INTO record (type, id, version, deleted, server, local, flag, flag_detail) "
            "VALUES (?, ?, ?, ?, ?, '{}', ?, ?) ON CONFLICT (type, id) DO UPDATE SET version = max(version, "
            "excluded.version), deleted = excluded.deleted, server = excluded.server, flag = excluded.flag, "
            "flag_detail = excluded.flag_detail",
            (entry["type"], entry["id"], result.get("version") or 0, int(deleted),
             json.dumps(server, ensure_ascii=False), flag, json.dumps(detail, ensure_ascii=False)),
        )

    @staticmethod
    def _rebase(db: sqlite3.Connection, entry: sqlite3.Row, version: int | None) -> None:
        """Base the record's later unsent mutations on the version this answered one made.

        They were based on the version the device knew before it (``version - 1`` when this
        mutation made exactly one new version on top of it). When the answer's version is
        further ahead, someone else changed the record too, and the later mutations keep the
        version the officer saw: a delete of it is then rightly a conflict.
        """
        if version is None:
            return
        db.execute("UPDATE outbox SET base_version = ? WHERE type = ? AND id = ? AND seq > ? AND base_version = ? "
                   "AND state IN ('queued', 'draft')", (version, entry["type"], entry["id"], entry["seq"],
                                                        version - 1))

    def apply_page(self, page: dict[str, Any]) -> int:
        """Store one pull page and its cursor together; returns how many changes it held."""
        with self.store.transaction() as db:
            generation = self.store.get_meta("resync_generation", 0)
            if page["reset"]:
                generation += 1
                self.store.set_meta("resync_generation", generation, db)
                self.store.set_meta("resyncing", True, db)
            self._apply_changes(db, page["changes"], generation)
            self.store.set_meta("cursor", page["cursor"], db)
            if not page["has_more"] and self.store.get_meta("resyncing", False):
                self._drop_unsent(db, generation)
                self.store.set_meta("resyncing", False, db)
        return len(page["changes"])

    def _apply_changes(self, db: sqlite3.Connection, changes: list[dict[str, Any]], generation: int) -> None:
        """Land pulled changes; records with unsent edits are rebased one by one, the rest in bulk.

        A record a page repeats lands once, in its last state: the bulk writes take each record once.
        """
        pending = {(row["type"], row["id"]) for row in db.execute("SELECT DISTINCT type, id FROM outbox")}
        latest = {(change["type"], change["id"]): change for change in changes}
        plain = []
        for change in latest.values():
            key = (change["type"], change["id"])
            if change.get("left_scope"):
                if key in pending:
                    set_aside(db, *key)
                else:
                    forget(db, *key)
                refresh_local(db, *key)
                continue
            data = json.dumps(change["data"], ensure_ascii=False)
            row = (change["type"], change["id"], change["version"], int(change["deleted"]), data, data,
                   int(change["deleted"]), generation)
            if key in pending:
                db.execute(UPSERT_PULLED, row)
                refresh_local(db, *key)
            else:
                plain.append(row)
        db.executemany(UPSERT_PULLED, plain)
        venues = [row for row in plain if row[0] == "venue"]
        if venues:
            rowids = dict(db.execute(
                f"SELECT id, rowid FROM record WHERE type = 'venue' AND id IN ({','.join('?' * len(venues))})",
                [row[1] for row in venues]).fetchall())
            index_venues(db, [(rowids[row[1]], json.loads(row[4]), bool(row[6])) for row in venues])

    def _drop_unsent(self, db: sqlite3.Connection, generation: int) -> None:
        """After a full resync: drop synced records the server no longer sends (none with pending edits)."""
        stale = db.execute(
            "SELECT type, id FROM record r WHERE resync_generation != ? AND NOT EXISTS "
            "(SELECT 1 FROM outbox o WHERE o.type = r.type AND o.id = r.id)", (generation,)
        ).fetchall()
        for row in stale:
            forget(db, row["type"], row["id"])
