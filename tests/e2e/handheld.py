"""A handheld (the real core, no UI) signed in to a test server."""

from __future__ import annotations

import io
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import requests
from PIL import Image

from mobile.account import Account
from mobile.services.photos import Media
from mobile.session import Session
from mobile.store import Records, Replica, Store
from mobile.sync_client import Progress, SyncClient, SyncReport
from sync import clock

CHINA = timezone(timedelta(hours=8))


def one_request_per_connection(server_url: str, token: str | None = None) -> Session:
    """A session whose every request opens its own connection, so a proxy can fail just that one."""
    http = requests.Session()
    http.headers["Connection"] = "close"
    return Session(server_url, token, http=http, retries=1, backoff=0.01)


@dataclass
class Handheld:
    store: Store
    account: Account
    progress: list[Progress] = field(default_factory=list)

    @classmethod
    def enrol(cls, directory: Path, server_url: str, username: str, password: str = "demo") -> Handheld:
        store = Store(directory)
        account = Account(store, session_factory=one_request_per_connection)
        account.enrol(server_url, username, password, f"{username}'s handheld")
        return cls(store, account)

    @property
    def records(self) -> Records:
        return Records(self.store)

    @property
    def media(self) -> Media:
        return Media(self.store)

    @property
    def user(self) -> dict[str, Any]:
        return self.account.user  # type: ignore[return-value]

    def point_at(self, server_url: str) -> None:
        self.store.set_meta("server_url", server_url)

    def sync(self) -> SyncReport:
        client = SyncClient(self.store, self.account.session(), self.account.device_id,
                            progress=self.progress.append, pull_limit=50)
        return client.sync()

    def pending(self) -> int:
        return Replica(self.store).pending_count()

    def inspect(self, venue_id: str, findings: str, photo: bytes | None = None, submit: bool = True,
                inspected_at: datetime | None = None, photo_note: dict[str, Any] | None = None) -> str:
        """A log of the venue; ``inspected_at`` as the phone's clock read it (now in China unless given),
        ``photo_note`` what the officer added to the photo (capture time, caption, mark)."""
        moment = inspected_at or clock.now().astimezone(CHINA)
        data = {"venue_id": venue_id, "officer_id": self.user["id"], "findings": findings,
                "inspected_at": moment.isoformat(), "status": "submitted" if submit else "draft"}
        if photo is not None:
            data["photo_hashes"] = [self.media.add_photo(photo)]
            if photo_note is not None:
                data["photo_notes"] = {data["photo_hashes"][0]: photo_note}
            data["signature_hash"] = self.media.add_signature([[(10, 10), (200, 100)]])
        return self.records.save("inspection", data, submit=submit).id


def venue_of(handheld: Handheld) -> str:
    return min(v.id for v in handheld.records.all("venue"))


def photo(colour: tuple[int, int, int] = (200, 120, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def api(server_url: str, username: str) -> requests.Session:
    http = requests.Session()
    token = http.post(f"{server_url}/api/v1/auth/login", timeout=10, json={
        "username": username, "password": "demo", "device_id": str(uuid.uuid4()), "device_name": "dashboard"}
    ).json()["token"]
    http.headers["Authorization"] = f"Bearer {token}"
    return http


def wait_for(condition: Callable[[], Any], what: str, seconds: float = 30.0) -> None:
    """Until ``condition()`` holds, for work another thread does (fails naming ``what`` if it never does)."""
    pause = threading.Event()
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        pause.wait(0.05)
    raise AssertionError(f"never: {what}")
