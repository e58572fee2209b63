"""Moving blob bytes out of the database and back, and checking the blob store: `flask --app server blobs …`."""

from __future__ import annotations

import hashlib

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select, update

from server.blobstore import FilesystemBlobStore, blob_store
from server.extensions import db
from server.models import Blob
from server.operations.blobs import store_blob
from server.thumbnails import make_thumbnail
from tests.server.test_thumbnails import picture
from tests.world import World

MORE = [f"photo {number} of a hotel corridor".encode() for number in range(4)]


@pytest.fixture
def stored(app: Flask, world: World) -> dict[str, bytes]:
    """Seven blobs (the world's three and four more), each with its bytes in the database and not in the store,
    as a database upgraded to 0008 has them before `blobs move-out`."""
    blobs = {sha256: f"photo of the hotel in {room}".encode() for room, sha256 in world.photos.items()}
    with app.app_context():
        for data in MORE:
            sha256 = hashlib.sha256(data).hexdigest()
            store_blob(db.session(), sha256, data, "image/jpeg", world.people["officer_a1"])
            blobs[sha256] = data
        for sha256, data in blobs.items():
            db.session.execute(update(Blob).where(Blob.sha256 == sha256).values(data=data))
            blob_store().delete(sha256)
        db.session.commit()
    return blobs


def columns(app: Flask) -> dict[str, bytes | None]:
    with app.app_context():
        return {row.sha256: row.data for row in db.session.execute(select(Blob.sha256, Blob.data))}


def store_of(app: Flask) -> FilesystemBlobStore:
    with app.app_context():
        store = blob_store()
    assert isinstance(store, FilesystemBlobStore)
    return store


def downloads(client: FlaskClient, world: World, blobs: dict[str, bytes]) -> dict[str, bytes]:
    """Every blob as the API hands it to an admin."""
    answers = {sha256: client.get(f"/api/v1/blobs/{sha256}?schema_version=2", headers=world.headers("admin"))
               for sha256 in blobs}
    assert {answer.status_code for answer in answers.values()} == {200}
    return {sha256: answer.data for sha256, answer in answers.items()}


def test_moving_out_back_and_out_again_keeps_every_blob_whole_and_readable(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, world: World, stored: dict[str, bytes]
) -> None:
    store = store_of(app)
    assert downloads(client, world, stored) == stored
    out = runner.invoke(args=["blobs", "move-out", "--batch", "3"])
    assert out.exit_code == 0, out.output
    assert "Moved 7 blobs out of the database" in out.output
    assert columns(app) == dict.fromkeys(stored)
    assert {sha256: store.get(sha256) for sha256 in stored} == stored
    assert downloads(client, world, stored) == stored

    back = runner.invoke(args=["blobs", "move-back", "--batch", "2"])
    assert back.exit_code == 0, back.output
    assert "Moved 7 blobs back into the database" in back.output
    assert columns(app) == stored
    for sha256 in stored:
        store.delete(sha256)
    assert downloads(client, world, stored) == stored

    again = runner.invoke(args=["blobs", "move-out"])
    assert again.exit_code == 0, again.output
    assert columns(app) == dict.fromkeys(stored)
    assert {sha256: hashlib.sha256(store.get(sha256)).hexdigest() for sha256 in stored} == {s: s for s in stored}
    assert downloads(client, world, stored) == stored


def test_moving_out_again_moves_nothing(app: Flask, runner: FlaskCliRunner, stored: dict[str, bytes]) -> None:
    runner.invoke(args=["blobs", "move-out"])
    again = runner.invoke(args=["blobs", "move-out"])
    assert again.exit_code == 0 and "Moved 0 blobs out of the database" in again.output
    assert columns(app) == dict.fromkeys(stored)


def test_an_interrupted_move_out_keeps_what_it_moved_and_a_second_run_finishes_it(
    app: Flask, runner: FlaskCliRunner, stored: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = store_of(app)
    put, writes = store.put, []

    def failing_put(sha256: str, data: bytes) -> bool:
        writes.append(sha256)
        if len(writes) == 5:
            raise OSError(28, "No space left on device")
        return put(sha256, data)

    monkeypatch.setattr(store, "put", failing_put)
    failed = runner.invoke(args=["blobs", "move-out", "--batch", "2"])
    assert failed.exit_code != 0 and isinstance(failed.exception, OSError)
    moved = sorted(stored)[:4]
    assert columns(app) == {sha256: None if sha256 in moved else data for sha256, data in stored.items()}
    monkeypatch.undo()
    finished = runner.invoke(args=["blobs", "move-out", "--batch", "2"])
    assert finished.exit_code == 0, finished.output
    assert "Moved 3 blobs out of the database" in finished.output
    assert columns(app) == dict.fromkeys(stored)
    assert {sha256: store.get(sha256) for sha256 in stored} == stored


def test_a_blob_whose_database_bytes_do_not_match_its_hash_stays_there_and_is_reported(
    app: Flask, runner: FlaskCliRunner, stored: dict[str, bytes]
) -> None:
    damaged = sorted(stored)[1]
    with app.app_context():
        db.session.execute(update(Blob).where(Blob.sha256 == damaged).values(data=b"not what was uploaded"))
        db.session.commit()
    result = runner.invoke(args=["blobs", "move-out", "--batch", "2"])
    assert result.exit_code == 1
    assert f"{damaged}: its bytes in the database do not hash to its address; left there" in result.output
    assert "Moved 6 blobs out of the database" in result.output
    assert columns(app) == {sha256: b"not what was uploaded" if sha256 == damaged else None for sha256 in stored}
    assert not store_of(app).has(damaged)


def test_moving_back_reports_a_blob_the_store_lost_and_moves_the_rest(
    app: Flask, runner: FlaskCliRunner, stored: dict[str, bytes]
) -> None:
    runner.invoke(args=["blobs", "move-out"])
    lost, damaged = sorted(stored)[2:4]
    store = store_of(app)
    store.delete(lost)
    store.path(damaged).write_bytes(b"bit rot")
    result = runner.invoke(args=["blobs", "move-back"])
    assert result.exit_code == 1
    assert f"{lost}: missing from the blob store" in result.output
    assert f"{damaged}: damaged in the blob store" in result.output
    assert "Moved 5 blobs back into the database" in result.output
    assert columns(app) == {sha256: None if sha256 in (lost, damaged) else data for sha256, data in stored.items()}


def test_check_reports_missing_damaged_and_orphan_files_and_fails_on_the_first_two(
    app: Flask, runner: FlaskCliRunner, stored: dict[str, bytes]
) -> None:
    runner.invoke(args=["blobs", "move-out"])
    healthy = runner.invoke(args=["blobs", "check"])
    assert healthy.exit_code == 0, healthy.output
    assert "7 files verified: 0 missing, 0 damaged, 0 orphans; 0 blobs still in the database" in healthy.output

    store = store_of(app)
    orphan = b"bytes of an upload whose request was rolled back"
    store.put(hashlib.sha256(orphan).hexdigest(), orphan)
    only_orphans = runner.invoke(args=["blobs", "check"])
    assert only_orphans.exit_code == 0, only_orphans.output
    assert f"orphan {hashlib.sha256(orphan).hexdigest()}" in only_orphans.output

    lost, damaged, kept_in_database = sorted(stored)[:3]
    store.delete(lost)
    store.path(damaged).write_bytes(b"bit rot")
    with app.app_context():
        db.session.execute(update(Blob).where(Blob.sha256 == kept_in_database).values(data=stored[kept_in_database]))
        db.session.commit()
    store.delete(kept_in_database)
    broken = runner.invoke(args=["blobs", "check"])
    assert broken.exit_code == 1
    assert f"missing {lost} (blob)" in broken.output and f"damaged {damaged} (blob)" in broken.output
    assert "4 files verified: 1 missing, 1 damaged, 1 orphan; 1 blob still in the database" in broken.output


def test_thumbnails_are_made_for_blobs_without_one_and_remade_where_lost_or_damaged(
    app: Flask, runner: FlaskCliRunner, world: World, stored: dict[str, bytes]
) -> None:
    photos = [picture(800 + 100 * number, 600) for number in range(4)]
    with app.app_context():
        for photo in photos:
            store_blob(db.session(), hashlib.sha256(photo).hexdigest(), photo, "image/jpeg", world.people["admin"])
        db.session.commit()
        made = {row.sha256: row.thumbnail_sha256 for row in db.session.execute(select(Blob.sha256,
                                                                                      Blob.thumbnail_sha256))}
        before_0008, lost, damaged, kept = (hashlib.sha256(photo).hexdigest() for photo in photos)
        db.session.execute(update(Blob).where(Blob.sha256 == before_0008).values(thumbnail_sha256=None))
        db.session.commit()
    store = store_of(app)
    store.delete(made[before_0008])
    store.delete(made[lost])
    store.path(made[damaged]).write_bytes(b"bit rot")
    kept_file = store.path(made[kept]).stat().st_ino

    result = runner.invoke(args=["blobs", "thumbnails", "--batch", "3"])
    assert result.exit_code == 0, result.output
    assert "Made 3 thumbnails; 7 blobs no thumbnail can be made of" in result.output
    with app.app_context():
        now = {row.sha256: row.thumbnail_sha256 for row in db.session.execute(select(Blob.sha256,
                                                                                     Blob.thumbnail_sha256))}
    assert now == made
    assert {store.get(made[sha256]) == make_thumbnail(photo) for sha256, photo in zip(
        (before_0008, lost, damaged, kept), photos, strict=True)} == {True}
    assert store.path(made[kept]).stat().st_ino == kept_file
    assert "Made 0 thumbnails" in runner.invoke(args=["blobs", "thumbnails"]).output


def test_a_blob_whose_original_is_lost_gets_no_thumbnail_and_is_reported(
    app: Flask, runner: FlaskCliRunner, world: World, stored: dict[str, bytes]
) -> None:
    photo = picture(640, 480)
    sha256 = hashlib.sha256(photo).hexdigest()
    with app.app_context():
        store_blob(db.session(), sha256, photo, "image/jpeg", world.people["admin"])
        db.session.execute(update(Blob).where(Blob.sha256 == sha256).values(thumbnail_sha256=None))
        db.session.commit()
    store_of(app).delete(sha256)
    result = runner.invoke(args=["blobs", "thumbnails"])
    assert result.exit_code == 1
    assert f"{sha256}: missing or damaged in the blob store, so no thumbnail" in result.output
