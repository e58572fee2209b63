"""One sync round: upload missing blobs, push the outbox in batches, pull every page.

Each step commits before the next begins, so a round cut short at any point (no network,
the app killed, ``stop`` asked) loses nothing: the next round resends what was in flight
with the same mutation ids and pulls from the last stored cursor.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from mobile.session import RequestRejected, Session, SyncError
from mobile.store import Replica, Store
from sync import clock

UPLOAD, PUSH, PULL, DONE = "upload", "push", "pull", "done"
"""The phases of a sync round, in order, as ``Progress`` reports them."""


@dataclass(frozen=True)
class Progress:
    phase: str
    done: int
    total: int | None


@dataclass
class SyncReport:
    uploaded: int = 0
    pushed: dict[str, int] = field(default_factory=dict)
    pulled: int = 0


class SyncStopped(Exception):
    """The round stopped because it was asked to; nothing is lost."""


class SyncClient:
    def __init__(
        self,
        store: Store,
        session: Session,
        device_id: str,
        *,
        progress: Callable[[Progress], None] | None = None,
        push_batch: int = 200,
        pull_limit: int = 2000,
        stop: threading.Event | None = None,
    ) -> None:
        self.store = store
        self.replica = Replica(store)
        self.session = session
        self.device_id = device_id
        self.progress = progress or (lambda _progress: None)
        self.push_batch = push_batch
        self.pull_limit = pull_limit
        self.stop = stop or session.stop
        self.running = threading.Lock()

    def sync(self) -> SyncReport:
        """Run one round; raises ``SyncError`` subclasses for the caller (the account) to act on."""
        with self.running:
            report = SyncReport()
            try:
                report.uploaded = self.upload_blobs()
                report.pushed = self.push()
                report.pulled = self.pull()
            except SyncError as error:
                self.store.set_meta("last_error", {"code": error.code, "message": str(error), "at": clock.now_text()})
                raise
            self.store.set_meta("last_sync_at", clock.now_text())
            self.store.set_meta("last_error", None)
            self.progress(Progress(DONE, 1, 1))
            return report

    def _check_stop(self) -> None:
        if self.stop.is_set():
            raise SyncStopped()

    def upload_blobs(self) -> int:
        blobs = self.replica.blobs_to_upload()
        for done, blob in enumerate(blobs):
            self._check_stop()
            self.progress(Progress(UPLOAD, done, len(blobs)))
            path = f"/api/v1/blobs/{blob['sha256']}"
            try:
                self.session.request("HEAD", path)
            except RequestRejected as error:
                if error.status != 404:
                    raise
                data = self.store.blob_path(blob["sha256"]).read_bytes()
                self.session.request("PUT", path, data=data, headers={"Content-Type": blob["content_type"]})
            self.replica.mark_uploaded(blob["sha256"])
        return len(blobs)

    def push(self) -> dict[str, int]:
        """Send every waiting mutation once, in batches, landing each batch's answers before the next.

        One refused as retryable waits for the next round, and the round goes on with the
        mutations behind it. A round therefore pulls only once every mutation that was
        waiting when it began was sent and answered: the server relies on that to forget
        answers no device can ask for again (``server/syncing/maintenance.py``).
        """
        tally: dict[str, int] = {}
        sent: set[str] = set()
        total = self.replica.pending_count()
        while True:
            self._check_stop()
            batch = self.replica.take_batch(self.push_batch, passed=sent)
            if not batch:
                return tally
            self.progress(Progress(PUSH, len(sent), total))
            body = self.session.post("/api/v1/sync/push", {"device_id": self.device_id, "mutations": batch})
            sent.update(mutation["mutation_id"] for mutation in batch)
            for status, count in self.replica.apply_results(body["results"]).items():
                tally[status] = tally.get(status, 0) + count

    def pull(self) -> int:
        """Pull pages of ``pull_limit`` changes until the server has no more.

        Pages are large (2,000 by default, the server allows 5,000) because on a weak link each
        page costs a round trip and the server's time to build it: a new phone's 5,000-record
        first sync over 1 Mbit/s and 300 ms takes about 5 s in 3 pages, 9 s in 10 pages of 500
        (``bench/weak_link_bench.py``). gzip keeps such a page near 150 KB, so one lost answer
        costs little to fetch again.
        """
        pulled = 0
        while True:
            self._check_stop()
            query = urlencode({"cursor": self.store.get_meta("cursor", ""), "limit": self.pull_limit})
            try:
                page: dict[str, Any] = self.session.get(f"/api/v1/sync/pull?{query}")
            except RequestRejected as error:
                if error.code != "invalid_cursor" or not self.store.get_meta("cursor", ""):
                    raise
                # Issued before the server signed cursors, or signed with a key since changed: a full
                # pull from no cursor brings everything again and drops what it does not send.
                self.store.set_meta("cursor", "")
                continue
            pulled += self.replica.apply_page(page)
            self.progress(Progress(PULL, pulled, None))
            if not page["has_more"]:
                return pulled
