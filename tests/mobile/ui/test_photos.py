"""Photos from the server in the real app: tiles before and after the thumbnail, the viewer, the budget.

The phone is officer1's, signed in to the demo server; the demo's logs carry photos the phone
did not take. Offline, a thumbnail is put on the phone as the sync thread would put it, so
the test decides when it lands; online, the sync thread fetches them from the server and
the viewer the full image.
"""

from __future__ import annotations

import hashlib
import io
import os
from typing import Any

from PIL import Image

from mobile.store import LocalRecord
from server.demo.images import scene_photo
from tests.mobile.ui.driver import Officer, sign_in
from tests.mobile.ui.test_fieldwork import in_window


def offline_phone(start_app: Any, network: Any) -> Officer:
    """officer1's phone signed in, then offline (once the phone knows, its sync thread fetches
    nothing) with no downloaded picture: the test decides what arrives."""
    officer = start_app(network.url, "zh")
    sign_in(officer)
    network.offline = True
    officer.wait(lambda: not officer.app.online, "the phone to see it is offline")
    officer.app.images.clear()
    return officer


def log_with_photos(officer: Officer) -> LocalRecord:
    """The log on the phone with the most photos, none of them taken on this phone."""
    logs = [log for log in officer.app.records.all("inspection") if len(log.data.get("photo_hashes") or []) >= 2]
    assert logs, "the demo has logs with photos"
    return max(logs, key=lambda log: (len(log.data["photo_hashes"]), log.id))


def thumbnail_bytes() -> bytes:
    """A 320 px JPEG of a venue front, as the server makes thumbnails."""
    with Image.open(io.BytesIO(scene_photo(7, 160, 120))) as scene:
        buffer = io.BytesIO()
        scene.convert("RGB").resize((320, 240)).save(buffer, "JPEG")
    return buffer.getvalue()


def tile(field: Any, sha256: str) -> Any:
    return next(child for child in field.ids.strip.children if child.sha256 == sha256)


def test_a_colleagues_photo_shows_a_placeholder_then_its_thumbnail_and_full_size_on_demand(
        start_app: Any, network: Any) -> None:
    from mobile.ui.evidence import PhotoViewer

    officer = offline_phone(start_app, network)
    app = officer.app
    log = log_with_photos(officer)
    first, second = log.data["photo_hashes"][:2]
    app.go("inspection", record_id=log.id)
    form = officer.on("inspection")
    field = form.ids.summary_photos if form.locked else form.ids.photos
    officer.settle()
    assert all(child.source == "" for child in field.ids.strip.children)
    assert "还未下载" in officer.texts()
    officer.reveal(field)
    officer.screenshot("photos-not-downloaded")

    app.images.keep_thumbnail(first, thumbnail_bytes(), "2026-06-01T00:00:00+00:00")
    officer.wait(lambda: tile(field, first).source == str(app.store.thumbnail_path(first)),
                 "the tile to show the thumbnail that arrived")
    assert tile(field, second).source == ""
    officer.screenshot("photos-thumbnail-arrived")

    officer.tap(tile(field, first))
    viewer = in_window(officer, PhotoViewer)
    assert viewer.source == str(app.store.thumbnail_path(first))
    assert viewer.full_status == "离线，稍后可看原图"
    officer.screenshot("photo-offline-thumbnail")
    officer.tap(viewer.ids.done)
    officer.wait(lambda: viewer.parent is None, "the viewer to close")

    officer.tap(tile(field, second))
    viewer = in_window(officer, PhotoViewer)
    assert viewer.source == "" and viewer.full_status == "离线，这张照片还没下载到本机"
    officer.tap(viewer.ids.done)
    officer.wait(lambda: viewer.parent is None, "the viewer to close")

    network.offline = False
    officer.wait(lambda: app.online, "the phone to be back online")
    officer.tap(tile(field, first))
    viewer = in_window(officer, PhotoViewer)
    officer.wait(lambda: viewer.source == str(app.store.blob_path(first)), "the full photo")
    assert viewer.full_status == "" and app.images.picture(first).full
    assert hashlib.sha256(app.store.blob_path(first).read_bytes()).hexdigest() == first
    officer.screenshot("photo-full-on-demand")
    officer.tap(viewer.ids.done)
    officer.wait(lambda: tile(field, first).source == str(app.store.blob_path(first)), "the tile to use it")
    officer.wait(lambda: tile(field, second).source == str(app.store.thumbnail_path(second)),
                 "the thumbnail the sync thread fetched after the network came back")


def test_settings_show_the_space_photos_take_change_the_budget_and_clear_downloads(
        start_app: Any, network: Any) -> None:
    officer = offline_phone(start_app, network)
    app = officer.app
    own = app.media.keep(os.urandom(2_100_000), "image/jpeg")
    full = os.urandom(1_234_567)
    app.images.keep_full(hashlib.sha256(full).hexdigest(), full, "image/jpeg")
    app.images.keep_thumbnail(hashlib.sha256(b"t").hexdigest(), b"t" * 30_000, "2026-06-01T00:00:00+00:00")

    officer.tap("settings")
    officer.on("settings")
    officer.reveal(officer.widget("clear_photos"))
    assert officer.widget("photo_usage").text == "已下载的照片 1.3 MB / 200 MB"
    assert officer.widget("taken_usage").text == "本机拍摄的照片（2.1 MB）始终保留，不计入上限。"
    assert officer.widget("budget").value == "200000000"
    officer.screenshot("settings-photos")

    officer.choose("budget", "100000000")
    officer.wait(lambda: officer.widget("photo_usage").text == "已下载的照片 1.3 MB / 100 MB", "the new budget")
    assert app.images.budget == 100_000_000
    officer.tap("clear_photos")
    officer.wait(lambda: officer.widget("photo_usage").text == "已下载的照片 0.0 MB / 100 MB", "the photos cleared")
    assert app.images.picture(own).full and app.images.usage().downloaded == 0


def test_a_signature_not_downloaded_yet_says_so_and_shows_once_it_arrives(start_app: Any, network: Any) -> None:
    officer = offline_phone(start_app, network)
    app = officer.app
    signed = [log for log in app.records.all("inspection")
              if log.data.get("signature_hash") and log.data.get("status") != "approved"]
    log = max(signed, key=lambda log: log.id)
    app.go("inspection", record_id=log.id)
    officer.on("inspection")
    signature = officer.widget("signature")
    officer.reveal(signature)
    assert signature.ids.signature_image.source == "" and "签名还未下载" in officer.texts()
    officer.screenshot("signature-not-downloaded")
    sha256 = log.data["signature_hash"]
    app.images.keep_thumbnail(sha256, thumbnail_bytes(), "2026-06-01T00:00:00+00:00")
    officer.wait(lambda: signature.ids.signature_image.source == str(app.store.thumbnail_path(sha256)),
                 "the signature's thumbnail")
    assert "签名还未下载" not in officer.texts()
