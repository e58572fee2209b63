"""Photos reaching the phone: thumbnails in the background after a pull, full images on demand.

The server is a fake ``requests`` session under the handheld's real ``Session``: the point
here is what the phone asks for and keeps, not the network.
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from mobile.account import Account
from mobile.autosync import AutoSync
from mobile.photo_fetch import PhotoFetcher
from mobile.session import Offline, ServerError, Session
from mobile.store import Replica, Store
from mobile.store.images import Images
from tests.e2e.handheld import wait_for
from tests.mobile.test_images import inspection

SERVER = "http://beatlog.test"


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def answer(status: int, body: bytes, content_type: str, url: str) -> requests.Response:
    response = requests.Response()
    response.status_code, response._content, response.url = status, body, url
    response.headers["Content-Type"] = content_type
    return response


def refusal(code: str, url: str) -> requests.Response:
    return answer(404, json.dumps({"code": code, "message": code}).encode(), "application/json", url)


class FakeServer:
    """Answers what a Beatlog server would to a phone: ping, pull and blobs, from what it was given.

    ``offline`` cuts the network; ``hold`` makes the next thumbnail request wait until released.
    """

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}
        self.no_thumbnail: set[str] = set()
        self.lost: set[str] = set()
        self.pages: list[dict[str, Any]] = []
        self.asked: list[str] = []
        self.offline = False
        self.broken = False
        self.hold: threading.Event | None = None
        self.holding = threading.Event()

    def get(self, url: str, **_options: Any) -> requests.Response:
        if self.offline:
            raise requests.ConnectionError("no network")
        return answer(200, b"{}", "application/json", url)

    def request(self, method: str, url: str, **_options: Any) -> requests.Response:
        path = urlsplit(url).path
        self.asked.append(path)
        sha256, _, thumbnail = path.removeprefix("/api/v1/blobs/").partition("/")
        if path.endswith("/thumbnail") and self.hold is not None:
            self.holding.set()
            self.hold.wait(10)
            self.hold = None
        if self.offline:
            raise requests.ConnectionError("no network")
        if path == "/api/v1/sync/pull":
            page = self.pages.pop(0) if self.pages else {"changes": [], "cursor": "c", "has_more": False,
                                                          "reset": False}
            return answer(200, json.dumps(page).encode(), "application/json", url)
        if self.broken:
            return answer(500, b"", "text/plain", url)
        if sha256 not in self.blobs:
            return refusal("not_found", url)
        if sha256 in self.lost:
            return answer(500, json.dumps({"code": "blob_unavailable", "message": "lost"}).encode(),
                          "application/json", url)
        if thumbnail and sha256 in self.no_thumbnail:
            return refusal("no_thumbnail", url)
        return answer(200, b"small " + self.blobs[sha256] if thumbnail else self.blobs[sha256], "image/jpeg", url)

    def thumbnails_asked(self) -> list[str]:
        return [path.split("/")[4] for path in self.asked if path.endswith("/thumbnail")]


@pytest.fixture
def server() -> FakeServer:
    return FakeServer()


def fetcher(store: Store, server: FakeServer, **options: Any) -> PhotoFetcher:
    return PhotoFetcher(store, Session(SERVER, "bl_token", http=server, retries=0), **options)  # type: ignore[arg-type]


def uploaded(server: FakeServer, *names: str) -> list[str]:
    """Photos someone uploaded, as the server holds them."""
    hashes = []
    for name in names:
        data = f"photo {name}".encode()
        server.blobs[digest(data)] = data
        hashes.append(digest(data))
    return hashes


def newer_and_older(server: FakeServer, replica: Replica, newer: str, older: str) -> list[str]:
    """Two photos someone uploaded, each in a log pulled to the phone, the first log the newer."""
    photos = uploaded(server, newer, older)
    inspection(replica, "2025-03-05T09:00:00+08:00", photos[0])
    inspection(replica, "2025-03-01T09:00:00+08:00", photos[1])
    return photos


def test_thumbnails_of_what_the_phone_lacks_arrive_newest_record_first_and_are_asked_once(
    store: Store, replica: Replica, server: FakeServer
) -> None:
    old, new, second_new = uploaded(server, "old", "new", "second")
    inspection(replica, "2025-03-01T09:00:00+08:00", old)
    inspection(replica, "2025-03-05T09:00:00+08:00", new, second_new)
    assert fetcher(store, server).fetch_thumbnails() == 3
    assert server.thumbnails_asked()[2] == old and set(server.thumbnails_asked()[:2]) == {new, second_new}
    assert store.thumbnail_path(new).read_bytes() == b"small photo new"
    assert fetcher(store, server).fetch_thumbnails() == 0 and len(server.thumbnails_asked()) == 3


def test_photos_taken_on_this_phone_are_never_fetched(store: Store, replica: Replica, server: FakeServer) -> None:
    from mobile.services.photos import Media

    own = Media(store).keep(b"photo own", "image/jpeg")
    server.blobs[own] = b"photo own"
    inspection(replica, "2025-03-01T09:00:00+08:00", own)
    assert fetcher(store, server).fetch_thumbnails() == 0 and server.asked == []


def test_a_photo_the_server_has_no_thumbnail_of_is_asked_again_only_a_day_later_and_opens_full_size(
    store: Store, replica: Replica, server: FakeServer, day_later: Any
) -> None:
    [odd] = uploaded(server, "odd")
    server.no_thumbnail.add(odd)
    inspection(replica, "2025-03-01T09:00:00+08:00", odd)
    assert fetcher(store, server).fetch_thumbnails() == 0
    assert fetcher(store, server).fetch_thumbnails(retry_missing=True) == 0
    assert server.thumbnails_asked() == [odd] and Images(store).picture(odd).path is None
    server.no_thumbnail.clear()
    day_later()
    assert fetcher(store, server).fetch_thumbnails() == 1
    assert fetcher(store, server).fetch_full(odd).read_bytes() == b"photo odd"
    assert Images(store).picture(odd).full


def test_a_photo_the_server_would_not_give_is_asked_again_only_after_a_pull_brought_changes(
    store: Store, replica: Replica, server: FakeServer
) -> None:
    late = digest(b"photo late")
    inspection(replica, "2025-03-01T09:00:00+08:00", late)
    assert fetcher(store, server).fetch_thumbnails() == 0
    assert fetcher(store, server).fetch_thumbnails() == 0
    server.blobs[late] = b"photo late"
    assert fetcher(store, server).fetch_thumbnails(retry_missing=True) == 1
    assert server.thumbnails_asked() == [late, late]


def test_a_photo_whose_file_the_server_lost_is_passed_over_and_asked_again_after_a_pull(
    store: Store, replica: Replica, server: FakeServer
) -> None:
    lost, kept = newer_and_older(server, replica, "lost", "kept")
    server.lost.add(lost)
    assert fetcher(store, server).fetch_thumbnails() == 1
    assert fetcher(store, server).fetch_thumbnails() == 0
    server.lost.clear()
    assert fetcher(store, server).fetch_thumbnails(retry_missing=True) == 1
    assert server.thumbnails_asked() == [lost, kept, lost]


def test_going_offline_stops_the_fetch_keeping_what_arrived_and_the_next_one_resumes(
    store: Store, replica: Replica, server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second, third = uploaded(server, "1", "2", "3")
    for day, sha256 in zip(("03", "02", "01"), (first, second, third), strict=True):
        inspection(replica, f"2025-03-{day}T09:00:00+08:00", sha256)
    original = server.request

    def cut_after_one(method: str, url: str, **options: Any) -> requests.Response:
        server.offline = len(server.asked) >= 1
        return original(method, url, **options)

    monkeypatch.setattr(server, "request", cut_after_one)
    with pytest.raises(Offline):
        fetcher(store, server).fetch_thumbnails()
    assert Images(store).picture(first).path is not None and Images(store).picture(second).path is None
    monkeypatch.undo()
    server.offline = False
    assert fetcher(store, server).fetch_thumbnails() == 2
    assert server.thumbnails_asked() == [first, second, second, third]


def test_the_fetch_stops_between_downloads_when_asked(store: Store, replica: Replica, server: FakeServer) -> None:
    photos = uploaded(server, "1", "2", "3")
    inspection(replica, "2025-03-01T09:00:00+08:00", *photos)
    asked = iter([False, True])
    assert fetcher(store, server, should_stop=lambda: next(asked)).fetch_thumbnails() == 1


def test_a_full_budget_of_more_recent_pictures_stops_the_fetch_before_asking(
    store: Store, replica: Replica, server: FakeServer
) -> None:
    newer, _older = newer_and_older(server, replica, "newer", "older")
    Images(store).set_budget(len(b"small photo newer") + 10)
    assert fetcher(store, server).fetch_thumbnails() == 1
    assert fetcher(store, server).fetch_thumbnails() == 0 and server.thumbnails_asked() == [newer]


def test_pictures_of_records_that_left_the_phone_are_dropped_by_the_next_fetch(
    store: Store, replica: Replica, server: FakeServer
) -> None:
    from tests.mobile.test_images import left_scope

    [photo] = uploaded(server, "gone")
    record = inspection(replica, "2025-03-01T09:00:00+08:00", photo)
    fetcher(store, server).fetch_thumbnails()
    left_scope(replica, record)
    fetcher(store, server).fetch_thumbnails()
    assert Images(store).picture(photo).path is None and not store.thumbnail_path(photo).exists()


def test_an_answer_that_is_not_an_image_stops_the_fetch_and_keeps_nothing(
    store: Store, replica: Replica, server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A captive portal's login page, say, answering every address with 200 and HTML."""
    [photo] = uploaded(server, "1")
    inspection(replica, "2025-03-01T09:00:00+08:00", photo)
    monkeypatch.setattr(server, "request", lambda method, url, **_: answer(200, b"<html>", "text/html", url))
    with pytest.raises(ServerError):
        fetcher(store, server).fetch_thumbnails()
    with pytest.raises(ServerError):
        fetcher(store, server).fetch_full(photo)
    assert Images(store).picture(photo).path is None


def test_a_full_image_that_does_not_match_its_hash_is_not_kept(store: Store, server: FakeServer) -> None:
    [photo] = uploaded(server, "1")
    server.blobs[photo] = b"tampered"
    with pytest.raises(ServerError):
        fetcher(store, server).fetch_full(photo)
    assert Images(store).picture(photo).path is None


@pytest.fixture
def account(store: Store, server: FakeServer) -> Account:
    signed_in = Account(store, session_factory=lambda url, token=None: Session(
        url, token, http=server, retries=0))  # type: ignore[arg-type]
    for key, value in (("server_url", SERVER), ("token", "bl_token"),
                       ("user", {"id": str(uuid.uuid4()), "username": "officer1"})):
        store.set_meta(key, value)
    signed_in.unlocked = True
    return signed_in


@pytest.fixture
def autosync(store: Store, account: Account) -> Iterator[AutoSync]:
    finished = threading.Event()
    running = AutoSync(store, account, probe_every=0.05, on_finished=lambda _report, _error: finished.set())
    running.finished = finished  # type: ignore[attr-defined]
    yield running
    running.stop()


def pulled_page(*photos: str) -> dict[str, Any]:
    data = {"venue_id": str(uuid.uuid4()), "inspected_at": "2025-03-01T09:00:00+08:00",
            "photo_hashes": list(photos), "status": "submitted"}
    return {"changes": [{"type": "inspection", "id": str(uuid.uuid4()), "version": 1, "deleted": False,
                         "data": data}], "cursor": "c1", "has_more": False, "reset": False}


def test_after_a_pull_the_sync_thread_fetches_the_thumbnails_it_brought(
    store: Store, server: FakeServer, autosync: AutoSync
) -> None:
    photos = uploaded(server, "1", "2")
    server.pages.append(pulled_page(*photos))
    autosync.start()
    wait_for(lambda: all(Images(store).picture(sha).path for sha in photos), "the thumbnails arrived")
    assert server.asked[0] == "/api/v1/sync/pull" and set(server.thumbnails_asked()) == set(photos)


def test_a_round_asked_for_during_the_fetch_goes_before_the_rest_of_it(
    store: Store, server: FakeServer, autosync: AutoSync
) -> None:
    photos = uploaded(server, "1", "2", "3")
    server.pages.append(pulled_page(*photos))
    release = server.hold = threading.Event()
    autosync.start()
    assert server.holding.wait(10)
    autosync.sync_now()
    release.set()
    wait_for(lambda: all(Images(store).picture(sha).path for sha in photos), "the thumbnails arrived")
    after_first = server.asked[server.asked.index(f"/api/v1/blobs/{server.thumbnails_asked()[0]}/thumbnail") + 1]
    assert after_first == "/api/v1/sync/pull"


def test_the_fetch_going_offline_leaves_the_phone_offline_until_the_server_answers_again(
    store: Store, server: FakeServer, autosync: AutoSync
) -> None:
    photos = uploaded(server, "1", "2")
    server.pages.append(pulled_page(*photos))
    release = server.hold = threading.Event()
    autosync.start()
    assert server.holding.wait(10)
    server.offline = True
    release.set()
    wait_for(lambda: not autosync.online, "the phone saw it was offline")
    assert not any(Images(store).picture(sha).path for sha in photos)
    server.offline = False
    wait_for(lambda: all(Images(store).picture(sha).path for sha in photos), "the thumbnails arrived")


def test_a_failing_thumbnail_service_does_not_stop_syncing(
    store: Store, server: FakeServer, autosync: AutoSync
) -> None:
    photos = uploaded(server, "1")
    server.pages.append(pulled_page(*photos))
    server.broken = True
    autosync.start()
    wait_for(lambda: server.thumbnails_asked(), "a thumbnail was asked for")
    autosync.finished.clear()  # type: ignore[attr-defined]
    autosync.sync_now()
    assert autosync.finished.wait(10)  # type: ignore[attr-defined]
    assert autosync.online
