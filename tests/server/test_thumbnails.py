"""Thumbnails made on upload: 320 px JPEGs, upright, readable within the original's scope, never a failed upload."""

from __future__ import annotations

import hashlib
import io
import warnings

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from server.blobstore import blob_store
from server.extensions import db
from server.models import Blob
from server.thumbnails import make_thumbnail
from tests.phone import DeviceFactory
from tests.world import World

RED, BLUE = (220, 30, 30), (30, 30, 220)


def picture(width: int, height: int, *, form: str = "JPEG", orientation: int | None = None) -> bytes:
    """A photo whose left half is red and right half blue, as the camera stored it."""
    image = Image.new("RGB", (width, height), BLUE)
    image.paste(RED, (0, 0, width // 2, height))
    out = io.BytesIO()
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    image.save(out, form, **({"exif": exif} if orientation is not None else {}))
    return out.getvalue()


def opened(data: bytes | None) -> Image.Image:
    assert data is not None
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def near(pixel: object, colour: tuple[int, int, int]) -> bool:
    assert isinstance(pixel, tuple)
    return all(abs(a - b) < 40 for a, b in zip(pixel[:3], colour, strict=True))


def test_a_photo_gets_a_jpeg_thumbnail_whose_longest_side_is_320_pixels() -> None:
    for size, expected in (((1600, 1200), (320, 240)), ((900, 1800), (160, 320))):
        thumbnail = opened(make_thumbnail(picture(*size)))
        assert (thumbnail.format, thumbnail.size) == ("JPEG", expected)


def test_a_thumbnail_is_turned_upright_as_the_photos_exif_orientation_says() -> None:
    """Orientation 6: the camera was held upright and stored the picture turned a quarter to the left."""
    thumbnail = opened(make_thumbnail(picture(640, 320, orientation=6)))
    assert thumbnail.size == (160, 320)
    assert near(thumbnail.getpixel((80, 40)), RED) and near(thumbnail.getpixel((80, 280)), BLUE)
    assert 0x0112 not in thumbnail.getexif()


def test_a_small_image_is_not_enlarged() -> None:
    assert opened(make_thumbnail(picture(120, 60, form="PNG"))).size == (120, 60)


def test_a_transparent_signature_is_drawn_on_white() -> None:
    signature = Image.new("RGBA", (400, 200), (0, 0, 0, 0))
    signature.paste((0, 0, 0, 255), (100, 90, 300, 110))
    out = io.BytesIO()
    signature.save(out, "PNG")
    thumbnail = opened(make_thumbnail(out.getvalue()))
    assert near(thumbnail.getpixel((5, 5)), (255, 255, 255)) and near(thumbnail.getpixel((160, 80)), (0, 0, 0))


def test_bytes_that_are_no_image_or_a_cut_off_one_get_no_thumbnail() -> None:
    whole = picture(800, 600)
    for data in (b"", b"\xff\xd8\xff\xe0 not really a jpeg", whole[: len(whole) // 2]):
        assert make_thumbnail(data) is None


def test_only_the_formats_an_upload_may_declare_are_decoded() -> None:
    """Pillow opens dozens of formats, some through outside programs (EPS through Ghostscript): not here."""
    assert {form: make_thumbnail(picture(64, 48, form=form)) is not None
            for form in ("JPEG", "PNG", "WEBP", "BMP", "GIF", "TIFF")} == \
        {"JPEG": True, "PNG": True, "WEBP": True, "BMP": False, "GIF": False, "TIFF": False}
    assert make_thumbnail(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n") is None


def test_an_image_over_pillows_pixel_limit_is_never_decoded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Up to twice the limit Pillow only warns, and a warning is an error only where the filters say so
    (here in the tests, not in production): the limit is enforced whatever they say."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100 * 100)
    for filters in ("error", "ignore"):
        with warnings.catch_warnings():
            warnings.simplefilter(filters, Image.DecompressionBombWarning)
            for size in ((150, 100), (300, 300)):
                assert make_thumbnail(picture(*size, form="PNG")) is None, (filters, size)
    assert make_thumbnail(picture(100, 100, form="PNG")) is not None


def test_a_small_file_that_decodes_to_many_pixels_gets_no_thumbnail_but_a_large_camera_jpeg_does(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A one-bit PNG is a few KB however many pixels it holds; a JPEG decodes shrunk (draft mode)."""
    monkeypatch.setattr("server.thumbnails.DECODE_PIXELS", 800 * 600)
    assert make_thumbnail(picture(900, 600, form="PNG")) is None
    assert make_thumbnail(picture(800, 600, form="PNG")) is not None
    camera = opened(make_thumbnail(picture(3200, 2400)))
    assert camera.size == (320, 240)


def thumbnail_url(sha256: str) -> str:
    return f"/api/v1/blobs/{sha256}/thumbnail?schema_version=2"


def upload(client: FlaskClient, world: World, data: bytes, username: str = "officer_a1",
           content_type: str = "image/jpeg") -> str:
    sha256 = hashlib.sha256(data).hexdigest()
    response = client.put(f"/api/v1/blobs/{sha256}?schema_version=2", data=data, content_type=content_type,
                          headers=world.headers(username))
    assert response.status_code == 201, response.json
    return sha256


def test_an_uploaded_photos_thumbnail_is_kept_in_the_store_under_its_own_hash(
    app: Flask, client: FlaskClient, world: World
) -> None:
    photo = picture(1600, 1200)
    sha256 = upload(client, world, photo)
    with app.app_context():
        thumbnail = db.session.scalar(select(Blob.thumbnail_sha256).where(Blob.sha256 == sha256))
        assert thumbnail is not None and blob_store().get(thumbnail) == make_thumbnail(photo)


def test_a_thumbnail_is_served_as_a_cacheable_jpeg_to_whoever_may_read_the_photo(
    client: FlaskClient, device: DeviceFactory, world: World
) -> None:
    photo = picture(1600, 1200)
    sha256 = upload(client, world, photo)
    expected = make_thumbnail(photo)
    assert expected is not None
    phone = device("officer_a1")
    phone.pull()
    phone.edit("inspection", str(world.inspections["A1"]), photo_hashes=[sha256])
    phone.push()
    for username in ("officer_a1", "officer_a1b", "chief_a", "admin"):
        got = client.get(thumbnail_url(sha256), headers=world.headers(username))
        assert (got.status_code, got.mimetype, got.data) == (200, "image/jpeg", expected), username
        assert got.headers["ETag"] == f'"{hashlib.sha256(expected).hexdigest()}"'
        assert got.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    head = client.head(thumbnail_url(sha256), headers=world.headers("officer_a1b"))
    assert (head.status_code, head.mimetype) == (200, "image/jpeg")


def test_a_thumbnail_out_of_scope_is_answered_as_for_a_blob_that_does_not_exist(
    client: FlaskClient, world: World
) -> None:
    sha256 = upload(client, world, picture(640, 480), username="officer_b1")
    nowhere = hashlib.sha256(b"never uploaded").hexdigest()
    for address in (sha256, nowhere):
        for method in (client.get, client.head):
            answer = method(thumbnail_url(address), headers=world.headers("officer_a1"))
            assert answer.status_code == 404
        body = without_request_id(client.get(thumbnail_url(address), headers=world.headers("officer_a1")).json)
        assert body == without_request_id(
            client.get(f"/api/v1/blobs/{address}?schema_version=2", headers=world.headers("officer_a1")).json)
        assert body == {"code": "not_found", "message": f"No blob {address} in your scope.", "fields": {}}


def without_request_id(body: dict) -> dict:
    """Every error body names its own request; the rest is what must not tell the two cases apart."""
    assert body.pop("request_id")
    return body


def test_a_photo_no_thumbnail_could_be_made_of_uploads_and_says_no_thumbnail(
    client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100 * 100)
    for data, content_type in ((b"\xff\xd8\xff\xe0 a damaged photo", "image/jpeg"),
                               (picture(300, 300, form="PNG"), "image/png")):
        sha256 = upload(client, world, data, content_type=content_type)
        missing = client.get(thumbnail_url(sha256), headers=world.headers("officer_a1"))
        assert (missing.status_code, missing.json["code"]) == (404, "no_thumbnail")
        original = client.get(f"/api/v1/blobs/{sha256}?schema_version=2", headers=world.headers("officer_a1"))
        assert (original.status_code, original.data) == (200, data)


def test_a_thumbnail_is_not_a_blob_of_its_own(app: Flask, client: FlaskClient, world: World) -> None:
    sha256 = upload(client, world, picture(1600, 1200))
    with app.app_context():
        thumbnail = db.session.scalar(select(Blob.thumbnail_sha256).where(Blob.sha256 == sha256))
    assert thumbnail is not None
    for url in (f"/api/v1/blobs/{thumbnail}?schema_version=2", thumbnail_url(thumbnail)):
        assert client.get(url, headers=world.headers("admin")).status_code == 404
