"""Photos reaching handhelds from a real server: a colleague's, one's own after a phone swap, the budget."""

from __future__ import annotations

from typing import Any

import pytest
from PIL import Image

from mobile.account import AccountState
from mobile.autosync import AutoSync
from mobile.photo_fetch import PhotoFetcher
from mobile.store.images import Images, Picture
from tests.e2e.conftest import LiveServer
from tests.e2e.handheld import Handheld, photo, venue_of, wait_for


def fetcher(phone: Handheld) -> PhotoFetcher:
    return PhotoFetcher(phone.store, phone.account.session())


def logged_with_a_photo(phone: Handheld, findings: str, colour: tuple[int, int, int]) -> tuple[str, str]:
    """The officer logs an inspection with a photo and a signature and syncs it; their hashes."""
    phone.sync()
    inspection = phone.inspect(venue_of(phone), findings, photo(colour))
    phone.sync()
    record = phone.records.get("inspection", inspection)
    assert record is not None
    [taken] = record.data["photo_hashes"]
    return taken, record.data["signature_hash"]


def fetched_in_the_background(phone: Handheld, *hashes: str) -> Images:
    """The phone's sync thread runs until the thumbnails of ``hashes`` have arrived."""
    images = Images(phone.store)
    auto = AutoSync(phone.store, phone.account, probe_every=0.1)
    auto.start()
    try:
        wait_for(lambda: all(images.picture(sha256).path for sha256 in hashes), "the thumbnails to arrive")
    finally:
        auto.stop()
    return images


def test_a_colleagues_photo_arrives_as_a_thumbnail_in_the_background_and_full_size_on_demand(
    live_server: LiveServer, enrol: Any
) -> None:
    colleague = enrol(live_server.url, "officer2")
    taken, signature = logged_with_a_photo(colleague, "消防通道堆放杂物", (30, 140, 60))
    phone = enrol(live_server.url, "officer1")
    images = fetched_in_the_background(phone, taken, signature)
    assert not images.picture(taken).full
    with Image.open(images.picture(taken).path) as thumbnail:
        assert (thumbnail.format, max(thumbnail.size)) == ("JPEG", 320)

    path = fetcher(phone).fetch_full(taken)
    assert path.read_bytes() == colleague.store.blob_path(taken).read_bytes()
    assert images.picture(taken).full and images.picture(taken).path == path


def test_a_fresh_phone_of_the_same_officer_gets_its_own_earlier_photos_back(
    live_server: LiveServer, enrol: Any
) -> None:
    taken, signature = logged_with_a_photo(enrol(live_server.url, "officer3"), "旧手机上的检查", (150, 40, 40))
    swapped = enrol(live_server.url, "officer3")
    images = fetched_in_the_background(swapped, taken, signature)
    assert images.picture(taken) == Picture(swapped.store.thumbnail_path(taken), full=False)
    assert images.usage().taken == 0
    with Image.open(fetcher(swapped).fetch_full(taken)) as full:
        assert full.size == (640, 480)


def test_the_budget_evicts_the_least_recently_viewed_download_but_never_a_photo_not_yet_sent(
    live_server: LiveServer, enrol: Any
) -> None:
    phone = enrol(live_server.url, "officer4")
    phone.sync()
    images = Images(phone.store)
    fetcher(phone).fetch_thumbnails()
    logs = [log for log in phone.records.all("inspection") if log.data.get("photo_hashes")]
    first, second = sorted({sha256 for log in logs for sha256 in log.data["photo_hashes"]})[:2]
    images.clear()
    inspection = phone.inspect(venue_of(phone), "还没发送的照片", photo((200, 200, 30)))
    [unsent] = phone.records.get("inspection", inspection).data["photo_hashes"]

    fetcher(phone).fetch_full(first)
    fetcher(phone).fetch_full(second)
    images.viewed(first)
    images.set_budget(phone.store.blob_path(first).stat().st_size)
    assert images.picture(first).full and images.picture(second).path is None
    assert images.picture(unsent).full

    images.set_budget(1)
    assert images.usage().downloaded == 0 and images.picture(unsent).full
    assert phone.sync().uploaded == 2 and phone.pending() == 0


def test_a_revoked_phone_wipes_the_photos_it_downloaded(live_server: LiveServer, enrol: Any) -> None:
    phone = enrol(live_server.url, "officer5")
    phone.sync()
    assert fetcher(phone).fetch_thumbnails() > 0
    assert phone.store.thumbnail_directory.exists()
    done = live_server.flask("device", "revoke", phone.account.device_id, "--reason", "lost on patrol")
    assert done.returncode == 0, done.stderr
    with pytest.raises(Exception) as raised:
        phone.sync()
    assert phone.account.handle(raised.value) is AccountState.WIPED
    assert not phone.store.thumbnail_directory.exists() and not phone.store.blob_directory.exists()
    assert not phone.store.is_open and not phone.store.path.exists()

