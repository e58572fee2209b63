"""The pictures on the phone: which it holds, which it lacks, and the budget for those it downloaded.

Three kinds of picture share the phone's space:

- photos and signatures **taken on this phone** (``blob`` rows of origin ``taken``): the only
  copy until uploaded, and the officer's own evidence after it. They are never evicted and
  do not count against the budget; a wipe is what removes them.
- **full images downloaded** on demand (``blob`` rows of origin ``downloaded``), in the same
  content-addressed folder, kept only when they hash to their address.
- **thumbnails** fetched in the background (``thumbnail`` rows, in their own folder). A row
  may instead say that the server has no thumbnail of a photo (``none``: it is opened full
  size on demand, and asked again a day later) or would not give one (``missing``: asked
  again after a pull brings changes), so neither is asked for every round.

Downloads share one budget, a setting the officer chooses. Each carries ``used_at``: when it
was last viewed or, for a thumbnail never viewed, when the work of the newest record that
references it was done, so the newest records' pictures count as the most recently used.
Past the budget the least recently used downloads go first. A thumbnail fetched in the
background evicts only pictures used less recently than itself: a scope larger than the
budget settles on its newest pictures instead of evicting and fetching the same ones every
round.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mobile.store.database import Store, write_file
from sync import clock
from sync.records import RECORD_TYPES

MB = 1_000_000
GB = 1000 * MB
BUDGET_KEY = "picture_budget"
DEFAULT_BUDGET = 200 * MB
BUDGET_CHOICES = (100 * MB, 200 * MB, 500 * MB, GB)
UNAVAILABLE = ("none", "missing")
ASK_AGAIN_FOR_NONE = timedelta(days=1)

DOWNLOADS = """
    SELECT 'thumbnail' AS kind, sha256, size, used_at FROM thumbnail WHERE state = 'held'
    UNION ALL SELECT 'full' AS kind, sha256, size, used_at FROM blob WHERE origin = 'downloaded'
"""
"""Every downloaded picture, which the budget governs."""


@dataclass(frozen=True)
class Picture:
    """The best the phone holds of a photo: the full image, its thumbnail, or nothing yet (``path`` None)."""

    path: Path | None
    full: bool = False


@dataclass(frozen=True)
class Usage:
    downloaded: int
    budget: int
    taken: int


def instant(text: str | None) -> str:
    """A wire time as UTC text that sorts as time does; '' when there is none."""
    try:
        moment = datetime.fromisoformat(text) if text else None
    except ValueError:
        return ""
    if moment is None or moment.tzinfo is None:
        return ""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def now() -> str:
    return clock.now().astimezone(UTC).isoformat(timespec="microseconds")


class Images:
    def __init__(self, store: Store) -> None:
        self.store = store

    @property
    def budget(self) -> int:
        return int(self.store.get_meta(BUDGET_KEY, DEFAULT_BUDGET))

    def set_budget(self, budget: int) -> None:
        """A new budget, evicting at once what is past it (and telling those who show the space used)."""
        self.store.set_meta(BUDGET_KEY, budget)
        self.evict()
        self.store.pictures_changed.notify()

    def usage(self) -> Usage:
        downloaded = self.store.query(f"SELECT coalesce(sum(size), 0) FROM ({DOWNLOADS})")[0][0]
        taken = self.store.query("SELECT coalesce(sum(size), 0) FROM blob WHERE origin = 'taken'")[0][0]
        return Usage(downloaded=downloaded, budget=self.budget, taken=taken)

    def picture(self, sha256: str) -> Picture:
        if self.store.query("SELECT 1 FROM blob WHERE sha256 = ?", (sha256,)):
            return Picture(self.store.blob_path(sha256), full=True)
        if self.store.query("SELECT 1 FROM thumbnail WHERE sha256 = ? AND state = 'held'", (sha256,)):
            return Picture(self.store.thumbnail_path(sha256))
        return Picture(None)

    def references(self) -> dict[str, str]:
        """Every picture a record on the phone references, with when the newest such record's work was done.

        Only the fields that matter are read out of each record, in SQLite.
        """
        found: dict[str, str] = {}
        for name, declared in RECORD_TYPES.items():
            if not declared.blob_fields:
                continue
            fields = (*declared.blob_fields, *((declared.work_time,) if declared.work_time else ()))
            picked = ", ".join(f"'{field}', json_extract(local, '$.{field}')" for field in fields)
            rows = self.store.query(f"SELECT json_object({picked}) FROM record WHERE type = ? AND hidden = 0", (name,))
            for row in rows:
                data = json.loads(row[0])
                when = instant(data.get(declared.work_time)) if declared.work_time else ""
                for sha256 in declared.blob_hashes(data):
                    found[sha256] = max(when, found.get(sha256, ""))
        return found

    def wanted(self, references: dict[str, str]) -> list[tuple[str, str]]:
        """Referenced pictures the phone holds neither full nor as a thumbnail, newest work first."""
        known = {row[0] for row in self.store.query("SELECT sha256 FROM blob UNION SELECT sha256 FROM thumbnail")}
        return sorted(((sha256, when) for sha256, when in references.items() if sha256 not in known),
                      key=lambda pair: (pair[1], pair[0]), reverse=True)

    def has_room(self, used_at: str, size: int | None = None) -> bool:
        """Whether a thumbnail of ``size`` bytes (without one, the typical size of those held) used at
        ``used_at`` would fit the budget, evicting only pictures used less recently."""
        with self.store.lock:
            if size is None:
                size = int(self.store.query(
                    "SELECT coalesce(avg(size), 0) FROM thumbnail WHERE state = 'held'")[0][0])
            return self._evictions(self.store.connection, size, used_at) is not None

    def keep_thumbnail(self, sha256: str, data: bytes, used_at: str) -> bool:
        """Keep a thumbnail if it fits (see ``has_room``); False, keeping nothing, when it does not."""
        path = self.store.thumbnail_path(sha256)
        write_file(path, data)
        with self.store.transaction() as db:
            victims = self._evictions(db, len(data), used_at)
            if victims is not None:
                gone = self._remove(db, victims)
                db.execute("INSERT INTO thumbnail (sha256, state, size, used_at) VALUES (?, 'held', ?, ?) "
                           "ON CONFLICT (sha256) DO UPDATE SET state = 'held', size = excluded.size, "
                           "used_at = excluded.used_at", (sha256, len(data), used_at))
        if victims is None:
            path.unlink(missing_ok=True)
            return False
        self._unlink(gone, arrived=True)
        return True

    def keep_full(self, sha256: str, data: bytes, content_type: str) -> Path:
        """Keep a full image the officer opened, if it hashes to its address (else ``ValueError``).

        It is kept even when it alone is past the budget: the officer is looking at it. Every
        other download then goes, least recently used first, until it fits or none is left.
        """
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ValueError(f"The bytes do not hash to {sha256}.")
        self.store.write_blob_file(sha256, data)
        with self.store.transaction() as db:
            victims = self._evictions(db, len(data), None)
            if victims is None:
                victims = db.execute(DOWNLOADS).fetchall()
            gone = self._remove(db, [row for row in victims if row["sha256"] != sha256])
            db.execute("INSERT INTO blob (sha256, content_type, size, uploaded, created_at, origin, used_at) "
                       "VALUES (?, ?, ?, 1, ?, 'downloaded', ?) ON CONFLICT (sha256) DO NOTHING",
                       (sha256, content_type, len(data), clock.now_text(), now()))
        self._unlink(gone, arrived=True)
        return self.store.blob_path(sha256)

    def viewed(self, sha256: str) -> None:
        """The officer looked at the picture: it becomes the most recently used."""
        moment = now()
        with self.store.transaction() as db:
            db.execute("UPDATE thumbnail SET used_at = ? WHERE sha256 = ? AND state = 'held'", (moment, sha256))
            db.execute("UPDATE blob SET used_at = ? WHERE sha256 = ? AND origin = 'downloaded'", (moment, sha256))

    def mark_unavailable(self, sha256: str, state: str) -> None:
        """The server has no thumbnail of it (``none``) or would not give one (``missing``); noted when."""
        if state not in UNAVAILABLE:
            raise ValueError(f"{state!r} is not one of {UNAVAILABLE}.")
        with self.store.transaction() as db:
            db.execute("INSERT INTO thumbnail (sha256, state, used_at) VALUES (?, ?, ?) "
                       "ON CONFLICT (sha256) DO NOTHING", (sha256, state, now()))

    def forget_unavailable(self, missing: bool) -> None:
        """Make the thumbnails the server did not give wanted again, when it is worth asking again.

        One it had none of, a day after: an operator may have made the thumbnails of blobs
        stored before the server made them (``flask blobs thumbnails``). One it would not give,
        when ``missing`` (after a pull brought changes: the phone's scope may have changed).
        """
        since = (clock.now() - ASK_AGAIN_FOR_NONE).astimezone(UTC).isoformat(timespec="microseconds")
        stale = "(state = 'none' AND used_at < ?)" + (" OR state = 'missing'" if missing else "")
        if self.store.query(f"SELECT 1 FROM thumbnail WHERE {stale} LIMIT 1", (since,)):
            with self.store.transaction() as db:
                db.execute(f"DELETE FROM thumbnail WHERE {stale}", (since,))

    def evict(self) -> None:
        """Least recently used downloads first, until they fit the budget."""
        with self.store.transaction() as db:
            gone = self._remove(db, self._evictions(db, 0, None) or [])
        self._unlink(gone)

    def drop_unreferenced(self, references: dict[str, str]) -> None:
        """Forget downloads no record on the phone references any more (records that left the beat)."""
        rows = self.store.query("SELECT 'thumbnail' AS kind, sha256 FROM thumbnail UNION ALL "
                                "SELECT 'full' AS kind, sha256 FROM blob WHERE origin = 'downloaded'")
        unreferenced = [row for row in rows if row["sha256"] not in references]
        if not unreferenced:
            return
        with self.store.transaction() as db:
            gone = self._remove(db, unreferenced)
        self._unlink(gone)

    def clear(self) -> None:
        """Forget every download (the officer's Clear); photos taken on this phone stay."""
        self.drop_unreferenced({})

    def _evictions(self, db: sqlite3.Connection, needed: int, below: str | None) -> list[sqlite3.Row] | None:
        """The least recently used downloads to remove for ``needed`` more bytes to fit the budget,
        only among those used before ``below`` when given; None when no choice makes them fit."""
        excess = db.execute(f"SELECT coalesce(sum(size), 0) FROM ({DOWNLOADS})").fetchone()[0] + needed - self.budget
        if excess <= 0:
            return []
        chosen = []
        for row in db.execute(DOWNLOADS + " ORDER BY used_at, sha256"):
            if excess <= 0 or (below is not None and row["used_at"] >= below):
                break
            chosen.append(row)
            excess -= row["size"]
        return chosen if excess <= 0 else None

    def _remove(self, db: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[Path]:
        """Drop the rows of downloads; their files go once the transaction is committed (``_unlink``)."""
        paths = []
        for row in rows:
            if row["kind"] == "thumbnail":
                db.execute("DELETE FROM thumbnail WHERE sha256 = ?", (row["sha256"],))
                paths.append(self.store.thumbnail_path(row["sha256"]))
            else:
                db.execute("DELETE FROM blob WHERE sha256 = ? AND origin = 'downloaded'", (row["sha256"],))
                paths.append(self.store.blob_path(row["sha256"]))
        return paths

    def _unlink(self, paths: list[Path], arrived: bool = False) -> None:
        for path in paths:
            path.unlink(missing_ok=True)
        if paths or arrived:
            self.store.pictures_changed.notify()
