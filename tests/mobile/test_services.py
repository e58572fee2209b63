"""Photos, signatures, GPS fixes and today's work on the device."""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import date, timedelta

import pytest
from PIL import Image

from mobile.services.location import Location
from mobile.services.photos import Media, PhotoTooLarge
from mobile.store import Records, Replica, Store
from mobile.worklist import worklist
from sync import clock


def camera_jpeg(width: int, height: int, orientation: int | None = None) -> bytes:
    image = Image.new("RGB", (width, height))
    for x in range(0, width, 8):
        for y in range(0, height, 8):
            image.putpixel((x, y), ((x * 7) % 256, (y * 13) % 256, (x * y) % 256))
    buffer = io.BytesIO()
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    image.save(buffer, "JPEG", quality=95, exif=exif)
    return buffer.getvalue()


def test_a_photo_is_downscaled_upright_and_stored_by_its_hash(store: Store) -> None:
    media = Media(store, max_side=800)
    sha256 = media.add_photo(camera_jpeg(3000, 2000, orientation=6))
    stored = media.read(sha256)
    assert hashlib.sha256(stored).hexdigest() == sha256
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (533, 800)
    assert store.query("SELECT content_type, uploaded FROM blob")[0][:] == ("image/jpeg", 0)


def test_the_same_photo_twice_is_one_blob(store: Store) -> None:
    media = Media(store)
    photo = camera_jpeg(400, 300)
    assert media.add_photo(photo) == media.add_photo(photo)
    assert len(store.query("SELECT * FROM blob")) == 1


def test_a_photo_that_cannot_fit_the_cap_is_refused(store: Store) -> None:
    with pytest.raises(PhotoTooLarge):
        Media(store, max_bytes=200).add_photo(camera_jpeg(1200, 900))
    assert store.query("SELECT * FROM blob") == []


def test_a_signature_is_drawn_as_a_png(store: Store) -> None:
    media = Media(store)
    sha256 = media.add_signature([[(10, 100), (80, 60), (150, 120)], [(200, 90)]])
    with Image.open(io.BytesIO(media.read(sha256))) as image:
        assert image.format == "PNG" and image.size == (600, 240)
        assert image.getpixel((80, 60)) == 0 and image.getpixel((500, 20)) == 255


def test_without_a_gps_receiver_there_is_no_fix() -> None:
    location = Location()
    location.start()
    assert location.current() is None


def test_a_desktop_position_is_always_marked_mocked() -> None:
    location = Location(desktop_position=(30.75, 120.76))
    location.start()
    fix = location.current()
    assert fix is not None and fix.mocked and fix.accuracy_m is None
    assert set(fix.wire()) == {"lat", "lon", "accuracy_m", "mocked", "fixed_at"}


def test_an_old_fix_is_no_fix() -> None:
    location = Location(max_age_s=60)
    location.on_location(lat=30.7, lon=120.7, accuracy=8)
    assert location.current() is not None and not location.current().mocked
    stale = clock.now() - timedelta(minutes=5)
    location.latest = location.latest.__class__(**{**location.latest.wire(), "fixed_at": stale.isoformat()})
    assert location.current() is None


def test_todays_work_lists_overdue_due_returned_and_drafts(records: Records, replica: Replica) -> None:
    today = date(2026, 11, 28)
    officer, other = str(uuid.uuid4()), str(uuid.uuid4())
    venue = str(uuid.uuid4())

    def followup(due: date, status: str = "planned", who: str = officer) -> dict:
        return {"type": "followup", "id": str(uuid.uuid4()), "version": 1, "deleted": False, "data": {
            "venue_id": venue, "officer_id": who, "subject_kind": "case", "case_number": "A1",
            "due_date": due.isoformat(), "status": status}}

    returned = {"type": "inspection", "id": str(uuid.uuid4()), "version": 2, "deleted": False, "data": {
        "venue_id": venue, "officer_id": officer, "inspected_at": "2026-11-20T10:00:00+08:00", "status": "returned",
        "review_comment": "请补充照片", "reviewed_at": "2026-11-21T02:00:00+00:00"}}
    changes = [followup(today - timedelta(days=3)), followup(today), followup(today + timedelta(days=2)),
               followup(today - timedelta(days=1), status="done"), followup(today, who=other), returned]
    replica.apply_page({"changes": changes, "cursor": "c", "has_more": False, "reset": False})
    draft = records.save("inspection", {"venue_id": venue, "officer_id": officer,
                                        "inspected_at": "2026-11-28T09:00:00+08:00"}, submit=False)
    work = worklist(records, today, officer_id=officer)
    assert [f.data["due_date"] for f in work.overdue] == ["2026-11-25"]
    assert work.days_overdue(work.overdue[0], today) == 3
    assert [f.data["due_date"] for f in work.due_today] == ["2026-11-28"]
    assert [f.data["due_date"] for f in work.upcoming] == ["2026-11-30"]
    assert [i.id for i in work.returned] == [returned["id"]]
    assert [i.id for i in work.drafts] == [draft.id]
