"""Photos and signatures: verified against their hash, idempotent, size-limited, read within scope."""

from __future__ import annotations

import hashlib

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from server.blobstore import blob_store
from server.extensions import db
from server.models import Blob
from tests.phone import DeviceFactory, hostile_push, mutation
from tests.world import World

PHOTO = b"\xff\xd8\xff\xe0" + b"a photo of a fire exit" * 50
SHA = hashlib.sha256(PHOTO).hexdigest()


def put(client: FlaskClient, world: World, data: bytes = PHOTO, sha: str = SHA, username: str = "officer_a1",
        content_type: str = "image/jpeg") -> object:
    return client.put(f"/api/v1/blobs/{sha}?schema_version=2", data=data, content_type=content_type,
                      headers=world.headers(username))


def test_uploading_twice_stores_once(client: FlaskClient, world: World) -> None:
    first, second = put(client, world), put(client, world)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json == {"sha256": SHA, "size": len(PHOTO), "content_type": "image/jpeg"}
    got = client.get(f"/api/v1/blobs/{SHA}?schema_version=2", headers=world.headers("officer_a1"))
    assert got.data == PHOTO and got.mimetype == "image/jpeg" and got.headers["ETag"] == f'"{SHA}"'
    head = client.head(f"/api/v1/blobs/{SHA}?schema_version=2", headers=world.headers("officer_a1"))
    assert head.status_code == 200


def test_bytes_that_do_not_match_their_address_are_refused(client: FlaskClient, world: World) -> None:
    response = put(client, world, data=PHOTO + b"!")
    assert (response.status_code, response.json["code"]) == (422, "hash_mismatch")


def test_a_blob_over_the_size_limit_is_a_413(app: Flask, client: FlaskClient, world: World) -> None:
    app.config["MAX_BLOB_BYTES"] = 100
    assert put(client, world).status_code == 413


def test_only_images_are_accepted(client: FlaskClient, world: World) -> None:
    assert put(client, world, content_type="application/pdf").status_code == 415


def test_a_malformed_address_is_a_400(client: FlaskClient, world: World) -> None:
    response = put(client, world, sha="ABC")
    assert (response.status_code, response.json["code"]) == (400, "invalid_hash")


def test_a_record_may_reference_a_blob_only_once_it_is_uploaded(
    client: FlaskClient, device: DeviceFactory, world: World
) -> None:
    phone = device("officer_a1")
    phone.pull()
    inspection = str(world.inspections["A1"])
    phone.edit("inspection", inspection, photo_hashes=[SHA])
    phone.push()
    result = phone.results[-1]
    assert (result["status"], result["code"], result["retryable"]) == ("rejected", "missing_blob", True)
    assert list(result["errors"]) == ["photo_hashes"]
    assert phone.pending() == 1
    put(client, world)
    phone.push()
    assert phone.results[-1]["status"] == "applied" and phone.pending() == 0


def test_a_blob_is_readable_by_whoever_sees_a_record_that_references_it(
    client: FlaskClient, device: DeviceFactory, world: World
) -> None:
    put(client, world)
    url = f"/api/v1/blobs/{SHA}?schema_version=2"
    assert client.get(url, headers=world.headers("officer_b1")).status_code == 404
    assert client.get(url, headers=world.headers("chief_a")).status_code == 404
    phone = device("officer_a1")
    phone.pull()
    phone.edit("inspection", str(world.inspections["A1"]), photo_hashes=[SHA])
    phone.push()
    assert client.get(url, headers=world.headers("chief_a")).status_code == 200
    assert client.get(url, headers=world.headers("officer_a1b")).status_code == 200
    assert client.get(url, headers=world.headers("officer_b1")).status_code == 404


def room_photo(room: str) -> bytes:
    """The bytes of the photo the test world's officer of ``room`` uploaded and referenced."""
    return f"photo of the hotel in {room}".encode()


def test_an_officer_cannot_reference_another_rooms_blob_by_its_hash(
    client: FlaskClient, device: DeviceFactory, world: World
) -> None:
    phone = device("officer_a1")
    phone.pull()
    phone.edit("inspection", str(world.inspections["A1"]), photo_hashes=[world.photos["B1"]])
    phone.push()
    result = phone.results[-1]
    assert (result["status"], result["code"], list(result["errors"])) == ("rejected", "missing_blob", ["photo_hashes"])
    url = f"/api/v1/blobs/{world.photos['B1']}?schema_version=2"
    assert client.get(url, headers=world.headers("officer_a1")).status_code == 404


def test_a_caller_who_cannot_read_a_blob_is_answered_as_if_it_did_not_exist(
    client: FlaskClient, world: World
) -> None:
    url = f"/api/v1/blobs/{world.photos['B1']}?schema_version=2"
    assert client.head(url, headers=world.headers("officer_a1")).status_code == 404
    response = put(client, world, data=room_photo("B1"), sha=world.photos["B1"])
    assert response.status_code == 201
    assert put(client, world, data=room_photo("B1"), sha=world.photos["B1"]).status_code == 200


def test_uploading_bytes_already_stored_proves_possession_so_a_record_may_reference_them(
    client: FlaskClient, device: DeviceFactory, world: World
) -> None:
    put(client, world, data=room_photo("B1"), sha=world.photos["B1"])
    url = f"/api/v1/blobs/{world.photos['B1']}?schema_version=2"
    assert client.head(url, headers=world.headers("officer_a1")).status_code == 200
    phone = device("officer_a1")
    phone.pull()
    phone.edit("inspection", str(world.inspections["A1"]), photo_hashes=[world.photos["B1"]])
    phone.push()
    assert phone.results[-1]["status"] == "applied"
    assert client.get(url, headers=world.headers("officer_a1b")).data == room_photo("B1")


def test_a_blob_a_record_in_scope_references_may_be_referenced_without_uploading_it(
    client: FlaskClient, device: DeviceFactory, world: World
) -> None:
    url = f"/api/v1/blobs/{world.photos['A1']}?schema_version=2"
    assert client.head(url, headers=world.headers("officer_a1b")).status_code == 200
    phone = device("officer_a1b")
    phone.pull()
    phone.create("followup", {"venue_id": str(world.venues["A1"]), "officer_id": str(world.people["officer_a1b"]),
                              "subject_kind": "case", "case_number": "A-1b", "due_date": "2026-12-20",
                              "photo_hashes": [world.photos["A1"]]})
    phone.push()
    assert [result["status"] for result in phone.results] == ["applied"], phone.results


def test_a_photo_keeps_its_capture_time_caption_and_drawn_mark_beside_it_and_the_signer_is_named(
    device: DeviceFactory, world: World
) -> None:
    phone = device("officer_a1")
    phone.pull()
    inspection, photo = str(world.inspections["A1"]), world.photos["A1"]
    note = {"taken_at": "2026-12-01T09:30:00+08:00", "caption": "安全出口被杂物堵塞",
            "mark": [[[0.1, 0.2], [0.5, 0.625]]]}
    phone.edit("inspection", inspection, photo_notes={photo: note}, signer_name="王建国")
    phone.push()
    assert phone.results[-1]["status"] == "applied", phone.results
    colleague = device("officer_a1b")
    colleague.pull()
    pulled = colleague.visible("inspection")[inspection]["data"]
    assert (pulled["photo_hashes"], pulled["photo_notes"], pulled["signer_name"]) == ([photo], {photo: note}, "王建国")


def test_a_photo_note_not_keyed_by_a_hash_or_with_a_mark_off_the_photo_is_refused(
    client: FlaskClient, world: World
) -> None:
    inspection, photo = str(world.inspections["A1"]), world.photos["A1"]
    edits = [{"photo_notes": {"exit.jpg": {"caption": "出口"}}},
             {"photo_notes": {photo: {"caption": "出口", "mark": [[[0.5, 1.5]]]}}},
             {"photo_notes": {photo: {"caption": "出口" * 101}}}]
    results = hostile_push(client, world, "officer_a1", *(
        mutation("inspection", "update", edit, inspection, base_version=1, base={"photo_notes": {}})
        for edit in edits))
    assert [(result["status"], result["code"], list(result["errors"])) for result in results] == \
        [("rejected", "invalid", ["photo_notes"])] * 3


def test_an_uploaded_blobs_bytes_are_kept_in_the_blob_store_not_the_database(
    app: Flask, client: FlaskClient, world: World
) -> None:
    put(client, world)
    with app.app_context():
        assert db.session.scalar(select(Blob.data).where(Blob.sha256 == SHA)) is None
        assert blob_store().get(SHA) == PHOTO


def test_a_blob_whose_bytes_are_still_in_the_database_is_served_from_there(
    app: Flask, client: FlaskClient, world: World
) -> None:
    """Between ``flask db upgrade`` to 0008 and ``blobs move-out``: the bytes are in the column only."""
    sha256 = world.photos["A1"]
    with app.app_context():
        db.session.execute(update(Blob).where(Blob.sha256 == sha256).values(data=room_photo("A1")))
        db.session.commit()
        blob_store().delete(sha256)
    got = client.get(f"/api/v1/blobs/{sha256}?schema_version=2", headers=world.headers("officer_a1"))
    assert (got.status_code, got.data) == (200, room_photo("A1"))


def test_a_blob_whose_file_is_lost_or_damaged_is_a_server_fault_that_says_so(
    app: Flask, client: FlaskClient, world: World
) -> None:
    url = f"/api/v1/blobs/{world.photos['A1']}?schema_version=2"
    with app.app_context():
        path = blob_store().path(world.photos["A1"])  # type: ignore[attr-defined]
    path.write_bytes(b"bit rot")
    damaged = client.get(url, headers=world.headers("officer_a1"))
    path.unlink()
    lost = client.get(url, headers=world.headers("officer_a1"))
    assert [(answer.status_code, answer.json["code"]) for answer in (damaged, lost)] == \
        [(500, "blob_unavailable")] * 2


def test_uploading_a_blob_again_puts_back_a_file_the_store_lost(
    app: Flask, client: FlaskClient, world: World
) -> None:
    put(client, world)
    with app.app_context():
        blob_store().delete(SHA)
    assert put(client, world).status_code == 200
    with app.app_context():
        assert blob_store().get(SHA) == PHOTO
