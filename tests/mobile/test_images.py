"""Pictures on the phone: which it lacks, the budget for those it downloaded, and what is never evicted."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import Any

import pytest

from mobile.services.photos import Media
from mobile.store import Replica, Store, database
from mobile.store.images import DEFAULT_BUDGET, Images, Picture
from sync import clock
from tests.phone import STORE_KEY

VENUE = str(uuid.uuid4())


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def inspection(replica: Replica, inspected_at: str, *photos: str, signature: str | None = None) -> str:
    """An inspection pulled from the server (someone's log in the phone's scope) referencing ``photos``."""
    record_id = str(uuid.uuid4())
    data = {"venue_id": VENUE, "inspected_at": inspected_at, "photo_hashes": list(photos),
            "signature_hash": signature, "status": "submitted"}
    replica.apply_page({"changes": [{"type": "inspection", "id": record_id, "version": 1, "deleted": False,
                                     "data": data}], "cursor": "c", "has_more": False, "reset": False})
    return record_id


def left_scope(replica: Replica, record_id: str) -> None:
    replica.apply_page({"changes": [{"type": "inspection", "id": record_id, "left_scope": True}], "cursor": "c",
                        "has_more": False, "reset": False})


def hashes(count: int, prefix: str = "a") -> list[str]:
    return [digest(f"{prefix}{number}".encode()) for number in range(count)]


@pytest.fixture
def images(store: Store) -> Images:
    return Images(store)


def kept(images: Images, sha256: str, used_at: str, size: int = 1000) -> bool:
    return images.keep_thumbnail(sha256, b"t" * size, used_at)


def test_the_pictures_wanted_are_those_records_reference_and_the_phone_lacks_newest_record_first(
    images: Images, replica: Replica, store: Store
) -> None:
    old, new, thumbnailed, signature = hashes(4)
    taken = Media(store).keep(b"taken here", "image/jpeg")
    inspection(replica, "2025-03-01T09:00:00+08:00", old)
    inspection(replica, "2025-03-02T09:00:00+08:00", new, taken, thumbnailed, signature=signature)
    images.keep_thumbnail(thumbnailed, b"thumbnail", "2025-03-02T01:00:00+00:00")
    wanted = images.wanted(images.references())
    assert sorted(wanted[:2]) == sorted([(new, "2025-03-02T01:00:00.000000+00:00"),
                                         (signature, "2025-03-02T01:00:00.000000+00:00")])
    assert wanted[2:] == [(old, "2025-03-01T01:00:00.000000+00:00")]


def test_a_photo_two_records_reference_is_as_recent_as_the_newer_one(images: Images, replica: Replica) -> None:
    [shared] = hashes(1)
    inspection(replica, "2025-03-01T00:00:00+00:00", shared)
    inspection(replica, "2025-03-09T00:00:00+00:00", shared)
    inspection(replica, "2025-03-05T00:00:00+00:00", shared)
    assert images.wanted(images.references()) == [(shared, "2025-03-09T00:00:00.000000+00:00")]


def test_a_picture_is_shown_from_the_full_image_else_the_thumbnail_else_not_at_all(
    images: Images, store: Store
) -> None:
    full, thumbnailed, missing = digest(b"full"), digest(b"x"), digest(b"y")
    images.keep_full(full, b"full", "image/jpeg")
    images.keep_thumbnail(thumbnailed, b"thumbnail", "2025-03-02T01:00:00+00:00")
    assert images.picture(full) == Picture(store.blob_path(full), full=True)
    assert images.picture(thumbnailed) == Picture(store.thumbnail_path(thumbnailed), full=False)
    assert images.picture(missing) == Picture(None, full=False)
    assert store.thumbnail_path(thumbnailed).read_bytes() == b"thumbnail"


def test_a_full_image_that_does_not_hash_to_its_address_is_refused(images: Images, store: Store) -> None:
    with pytest.raises(ValueError):
        images.keep_full(digest(b"expected"), b"something else", "image/jpeg")
    assert store.query("SELECT * FROM blob") == [] and not store.blob_path(digest(b"expected")).exists()


def test_past_the_budget_the_least_recently_viewed_download_goes_first(images: Images, store: Store) -> None:
    images.set_budget(3000)
    first, second, third, fourth = hashes(4)
    for sha256, day in zip((first, second, third), ("01", "02", "03"), strict=True):
        assert kept(images, sha256, f"2025-03-{day}T00:00:00+00:00")
    images.viewed(first)
    assert kept(images, fourth, "2025-03-04T00:00:00+00:00")
    assert images.picture(second).path is None
    assert all(images.picture(sha).path for sha in (first, third, fourth))
    assert not store.thumbnail_path(second).exists()
    assert images.usage().downloaded == 3000


def test_a_thumbnail_fetched_in_the_background_never_evicts_a_picture_used_more_recently(
    images: Images
) -> None:
    """Otherwise a scope larger than the budget would evict and fetch the same thumbnails every round."""
    images.set_budget(2000)
    newer = hashes(2)
    for sha256 in newer:
        assert kept(images, sha256, "2025-03-05T00:00:00+00:00")
    older = digest(b"older")
    assert not images.has_room("2025-03-01T00:00:00+00:00", 1000)
    assert not kept(images, older, "2025-03-01T00:00:00+00:00")
    assert images.picture(older).path is None and all(images.picture(sha).path for sha in newer)
    assert images.has_room("2025-03-06T00:00:00+00:00", 1000)


def test_photos_taken_on_this_phone_are_never_evicted_sent_or_not(images: Images, store: Store) -> None:
    media = Media(store)
    unsent, sent = media.keep(b"x" * 4000, "image/jpeg"), media.keep(b"y" * 4000, "image/jpeg")
    Replica(store).mark_uploaded(sent)
    images.set_budget(1000)
    downloaded = digest(b"z" * 900)
    images.keep_full(downloaded, b"z" * 900, "image/jpeg")
    images.keep_full(digest(b"w" * 900), b"w" * 900, "image/jpeg")
    images.evict()
    assert images.picture(downloaded).path is None
    assert images.picture(unsent).full and images.picture(sent).full
    assert store.blob_path(unsent).exists() and store.blob_path(sent).exists()
    assert images.usage() == images.usage().__class__(downloaded=900, budget=1000, taken=8000)


def test_a_full_image_viewed_is_kept_even_when_it_alone_is_past_the_budget(images: Images) -> None:
    images.set_budget(100)
    kept(images, digest(b"t"), "2025-03-01T00:00:00+00:00", size=50)
    large = b"L" * 500
    path = images.keep_full(digest(large), large, "image/jpeg")
    assert path.read_bytes() == large and images.picture(digest(b"t")).path is None


def test_taking_a_photo_the_phone_had_downloaded_makes_it_the_officers_own(images: Images, store: Store) -> None:
    data = b"same bytes"
    images.keep_full(digest(data), data, "image/jpeg")
    Media(store).keep(data, "image/jpeg")
    images.set_budget(1)
    images.evict()
    assert images.picture(digest(data)).full and images.usage().taken == len(data)


def test_lowering_the_budget_evicts_at_once(images: Images) -> None:
    for sha256 in hashes(5):
        kept(images, sha256, "2025-03-01T00:00:00+00:00")
    assert images.usage().downloaded == 5000
    images.set_budget(2500)
    assert images.budget == 2500 and images.usage().downloaded == 2000


def test_the_budget_starts_at_the_default(images: Images) -> None:
    assert images.budget == DEFAULT_BUDGET == 200_000_000


def test_clearing_downloads_keeps_the_photos_taken_here(images: Images, store: Store) -> None:
    own = Media(store).keep(b"own", "image/jpeg")
    thumbnailed, full, refused = digest(b"a"), digest(b"b"), digest(b"c")
    kept(images, thumbnailed, "2025-03-01T00:00:00+00:00")
    images.keep_full(full, b"b", "image/jpeg")
    images.mark_unavailable(refused, "none")
    images.clear()
    assert images.usage().downloaded == 0 and store.query("SELECT * FROM thumbnail") == []
    assert images.picture(own).full and not store.blob_path(full).exists()
    assert not store.thumbnail_path(thumbnailed).exists()


def test_pictures_the_server_cannot_give_are_not_wanted_until_it_is_worth_asking_again(
    images: Images, replica: Replica, day_later: Any
) -> None:
    """One it would not give, after a pull brought changes; one it had no thumbnail of, a day later
    (an operator may have made the thumbnails of blobs stored before the server made them)."""
    none, missing = hashes(2)
    inspection(replica, "2025-03-01T00:00:00+00:00", none, missing)
    images.mark_unavailable(none, "none")
    images.mark_unavailable(missing, "missing")
    assert images.wanted(images.references()) == []
    images.forget_unavailable(missing=False)
    assert images.wanted(images.references()) == []
    images.forget_unavailable(missing=True)
    assert [sha for sha, _ in images.wanted(images.references())] == [missing]
    day_later()
    images.forget_unavailable(missing=False)
    assert {sha for sha, _ in images.wanted(images.references())} == {none, missing}


def test_downloads_no_record_on_the_phone_references_are_dropped(images: Images, replica: Replica) -> None:
    gone, staying = hashes(2)
    record = inspection(replica, "2025-03-01T00:00:00+00:00", gone)
    inspection(replica, "2025-03-01T00:00:00+00:00", staying)
    images.keep_full(digest(b"full of gone"), b"full of gone", "image/jpeg")
    kept(images, gone, "2025-03-01T00:00:00+00:00")
    kept(images, staying, "2025-03-01T00:00:00+00:00")
    left_scope(replica, record)
    images.drop_unreferenced(images.references())
    assert images.picture(gone).path is None and images.picture(staying).path is not None
    assert images.picture(digest(b"full of gone")).path is None


def test_a_wipe_removes_every_downloaded_picture(images: Images, store: Store) -> None:
    sha256 = digest(b"t")
    kept(images, sha256, "2025-03-01T00:00:00+00:00")
    images.keep_full(digest(b"f"), b"f", "image/jpeg")
    store.wipe()
    assert not store.thumbnail_path(sha256).exists() and not store.blob_path(digest(b"f")).exists()
    store.open(STORE_KEY)
    assert Images(store).usage().downloaded == 0


def test_a_store_from_before_downloads_counts_its_photos_as_taken_here(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    directory = tmp_path / "device"
    monkeypatch.setattr(database, "MIGRATIONS", database.MIGRATIONS[:5])
    older = Store(directory, key=STORE_KEY)
    sha256 = digest(b"photo")
    older.write_blob_file(sha256, b"photo")
    with older.transaction() as db:
        db.execute("INSERT INTO blob (sha256, content_type, size, uploaded, created_at) VALUES (?, ?, ?, 1, ?)",
                   (sha256, "image/jpeg", len(b"photo"), clock.now_text()))
    older.close()
    monkeypatch.undo()
    upgraded = Store(directory, key=STORE_KEY)
    try:
        assert upgraded.query("PRAGMA user_version")[0][0] == len(database.MIGRATIONS)
        Images(upgraded).set_budget(1)
        assert Images(upgraded).picture(sha256).full and Images(upgraded).usage().taken == len(b"photo")
    finally:
        upgraded.close()
