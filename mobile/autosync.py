"""Syncing by itself: when the network comes back, when there is work to send, and now and then.

A background thread probes the server cheaply (``/api/v1/ping``) and runs a sync round
when it answers and there is reason to: it was offline before, edits are waiting, or the
last round is older than ``interval``. It stops cleanly, mid-round included, when asked.

After each round the same thread fetches the thumbnails the phone lacks
(``mobile.photo_fetch``) with the round's session. The fetch gives way between two
thumbnails as soon as a round is asked for (a save, the sync bar) or the app closes, so it
never holds up a push or a pull; going offline ends it, and the round that follows the
network's return fetches the rest. Any other failure ends it quietly until the next round.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from mobile.account import Account, AccountState
from mobile.listeners import Listeners
from mobile.photo_fetch import PhotoFetcher
from mobile.session import Offline, ServerError, Session, SyncError
from mobile.store import Replica, Store, StoreLocked
from mobile.sync_client import Progress, SyncClient, SyncReport, SyncStopped

log = logging.getLogger(__name__)


class AutoSync:
    def __init__(
        self,
        store: Store,
        account: Account,
        *,
        interval: float = 300.0,
        probe_every: float = 15.0,
        on_progress: Callable[[Progress], None] | None = None,
        on_finished: Callable[[SyncReport | None, SyncError | None], None] | None = None,
    ) -> None:
        self.store = store
        self.account = account
        self.interval = interval
        self.probe_every = probe_every
        self.on_progress = on_progress
        self.on_finished = on_finished or (lambda _report, _error: None)
        self.stopping = threading.Event()
        self.wake = threading.Event()
        self.online = False
        self.changed = Listeners()
        """Told when ``online`` flips; progress and the end of a round have their own callbacks."""
        self.last_round = 0.0
        self.thread = threading.Thread(target=self._run, name="autosync", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def sync_now(self) -> None:
        """Ask for a round at once (the sync bar's tap)."""
        self.wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        self.wake.set()
        self.thread.join(timeout)

    def _run(self) -> None:
        while not self.stopping.is_set():
            asked = self.wake.is_set()
            self.wake.clear()
            try:
                if self.account.state is AccountState.READY:
                    self._maybe_sync(asked)
            except StoreLocked:
                pass  # locked (signed out) while deciding: the next round, after the unlock, syncs
            self.wake.wait(self.probe_every)

    def _maybe_sync(self, asked: bool) -> None:
        session = self.account.session()
        session.stop = self.stopping
        was_online = self.online
        self._set_online(session.ping())
        if not self.online:
            return
        due = time.monotonic() - self.last_round >= self.interval
        if not (asked or not was_online or due or Replica(self.store).pending_count()):
            return
        client = SyncClient(self.store, session, self.account.device_id, progress=self.on_progress,
                            stop=self.stopping)
        try:
            report = client.sync()
        except SyncStopped:
            return
        except (Offline, ServerError) as error:
            self._set_online(False)
            self.on_finished(None, error)
            return
        except SyncError as error:
            self.account.handle(error)
            self.on_finished(None, error)
            return
        self.last_round = time.monotonic()
        self.on_finished(report, None)
        self._fetch_photos(session, retry_missing=report.pulled > 0)

    def _fetch_photos(self, session: Session, retry_missing: bool) -> None:
        fetcher = PhotoFetcher(self.store, session,
                               should_stop=lambda: self.wake.is_set() or self.stopping.is_set())
        try:
            fetcher.fetch_thumbnails(retry_missing)
        except Offline:
            self._set_online(False)
        except SyncError as error:
            log.warning("fetching thumbnails stopped: %s", error)

    def _set_online(self, online: bool) -> None:
        if online != self.online:
            self.online = online
            self.changed.notify()
