"""The filesystem blob store: whole blobs or none, damage found on read, many writers at once."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from server.blobstore import BlobCorrupt, BlobMissing, FilesystemBlobStore
from tests.conftest import need

PHOTO = b"\xff\xd8\xff\xe0" + b"a photo of a blocked fire exit" * 100
SHA = hashlib.sha256(PHOTO).hexdigest()


@pytest.fixture
def store(tmp_path: Path) -> FilesystemBlobStore:
    return FilesystemBlobStore(tmp_path / "blobs")


def leftovers(store: FilesystemBlobStore) -> list[Path]:
    """Temporary files an interrupted or failed write left behind."""
    return sorted(store.scratch.iterdir()) if store.scratch.exists() else []


def test_a_blob_is_kept_under_its_hash_in_sharded_directories_and_read_back(store: FilesystemBlobStore) -> None:
    assert store.put(SHA, PHOTO) is True
    assert store.path(SHA) == store.root / SHA[:2] / SHA[2:4] / SHA
    assert store.get(SHA) == PHOTO and store.has(SHA)
    assert leftovers(store) == []


def test_putting_a_blob_again_keeps_the_one_file(store: FilesystemBlobStore) -> None:
    store.put(SHA, PHOTO)
    inode = store.path(SHA).stat().st_ino
    assert store.put(SHA, PHOTO) is False
    assert store.path(SHA).stat().st_ino == inode


def test_bytes_that_do_not_hash_to_the_address_are_not_stored(store: FilesystemBlobStore) -> None:
    with pytest.raises(BlobCorrupt):
        store.put(SHA, PHOTO + b"!")
    assert not store.has(SHA) and leftovers(store) == []


def test_a_write_that_fails_midway_leaves_neither_the_blob_nor_a_partial_file(
    store: FilesystemBlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_failure(descriptor: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", disk_failure)
    with pytest.raises(OSError, match="Input/output error"):
        store.put(SHA, PHOTO)
    monkeypatch.undo()
    assert not store.path(SHA).exists() and leftovers(store) == []
    with pytest.raises(BlobMissing):
        store.get(SHA)


def test_a_blob_whose_file_was_damaged_is_refused_on_read(store: FilesystemBlobStore) -> None:
    store.put(SHA, PHOTO)
    damaged = bytearray(PHOTO)
    damaged[100] ^= 0xFF
    store.path(SHA).write_bytes(bytes(damaged))
    with pytest.raises(BlobCorrupt, match=SHA):
        store.get(SHA)


def test_a_truncated_blob_is_refused_on_read(store: FilesystemBlobStore) -> None:
    store.put(SHA, PHOTO)
    store.path(SHA).write_bytes(PHOTO[:10])
    with pytest.raises(BlobCorrupt):
        store.get(SHA)


def test_putting_the_bytes_again_repairs_a_damaged_file(store: FilesystemBlobStore) -> None:
    store.put(SHA, PHOTO)
    store.path(SHA).write_bytes(b"rot")
    assert store.put(SHA, PHOTO) is True
    assert store.get(SHA) == PHOTO


def test_many_writers_of_the_same_blob_at_once_leave_one_whole_file(store: FilesystemBlobStore) -> None:
    writers, start = 8, threading.Barrier(8)
    errors: list[BaseException] = []

    def write() -> None:
        start.wait()
        try:
            for _ in range(20):
                store.put(SHA, PHOTO)
                assert store.get(SHA) == PHOTO
        except BaseException as error:  # noqa: BLE001 - handed to the test thread
            errors.append(error)

    threads = [threading.Thread(target=write) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert list(store.hashes()) == [SHA] and store.get(SHA) == PHOTO and leftovers(store) == []


def test_hashes_lists_every_blob_and_nothing_else_in_the_directory(store: FilesystemBlobStore) -> None:
    blobs = {hashlib.sha256(data).hexdigest(): data for data in (b"one", b"two", b"three")}
    for sha256, data in blobs.items():
        store.put(sha256, data)
    (store.scratch / "leftover.tmp").write_bytes(b"half a photo")
    (store.root / "README").write_text("notes")
    misplaced = store.root / "00" / "00" / next(iter(blobs))
    misplaced.parent.mkdir(parents=True)
    misplaced.write_bytes(b"one")
    (store.root / "ab" / "cd").mkdir(parents=True)
    (store.root / "ab" / "cd" / ("ABCD" + "0" * 60)).write_bytes(b"upper case")
    assert sorted(store.hashes()) == sorted(blobs)


def test_total_bytes_is_the_size_of_every_blob_held(store: FilesystemBlobStore) -> None:
    assert store.total_bytes() == 0
    store.put(SHA, PHOTO)
    store.put(hashlib.sha256(b"signature").hexdigest(), b"signature")
    assert store.total_bytes() == len(PHOTO) + len(b"signature")


def test_deleting_forgets_a_blob_and_deleting_again_is_harmless(store: FilesystemBlobStore) -> None:
    store.put(SHA, PHOTO)
    store.delete(SHA)
    store.delete(SHA)
    assert not store.has(SHA) and list(store.hashes()) == []


def test_an_address_that_is_not_a_sha256_digest_is_refused(store: FilesystemBlobStore) -> None:
    for address in ("../../etc/passwd", SHA.upper(), SHA[:-1], SHA + "0"):
        with pytest.raises(ValueError, match="not a lowercase SHA-256"):
            store.path(address)


@pytest.fixture
def read_only() -> Iterator[Callable[[Path], None]]:
    """Makes a directory tree unwritable, even to root (``chattr +i`` then), and undoes it afterwards."""
    frozen: list[Path] = []

    def freeze(directory: Path) -> None:
        if os.geteuid() != 0:
            for path in [directory, *directory.rglob("*")]:
                path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
            frozen.append(directory)
            return
        chattr = shutil.which("chattr")
        need(chattr is not None, "making a directory read-only to root needs chattr (e2fsprogs)")
        assert chattr is not None
        done = subprocess.run([chattr, "-R", "+i", str(directory)], capture_output=True, check=False)
        need(done.returncode == 0, f"this filesystem has no immutable flag: {done.stderr.decode().strip()}")
        frozen.append(directory)

    yield freeze
    for directory in frozen:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-R", "-i", str(directory)], check=True)
        else:
            for path in [directory, *directory.rglob("*")]:
                path.chmod(path.stat().st_mode | stat.S_IWUSR)


def test_a_writable_store_passes_the_write_check_and_keeps_no_probe(store: FilesystemBlobStore) -> None:
    store.check_writable()
    assert leftovers(store) == [] and list(store.hashes()) == []


def test_a_store_on_a_read_only_directory_fails_the_write_check(
    store: FilesystemBlobStore, read_only: Callable[[Path], None]
) -> None:
    store.put(SHA, PHOTO)
    read_only(store.root)
    with pytest.raises(OSError):
        store.check_writable()
    assert store.get(SHA) == PHOTO


def test_a_store_that_cannot_be_created_fails_the_write_check(
    tmp_path: Path, read_only: Callable[[Path], None]
) -> None:
    parent = tmp_path / "mounted"
    parent.mkdir()
    read_only(parent)
    with pytest.raises(OSError):
        FilesystemBlobStore(parent / "blobs").check_writable()


def test_every_directory_a_put_creates_has_its_name_made_durable_in_its_parent(
        store: FilesystemBlobStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a power cut a committed blob must still be found: the new shard names are fsynced too."""
    synced: list[Path] = []
    monkeypatch.setattr("server.blobstore._fsync_directory", synced.append)
    data = b"first photo"
    sha256 = hashlib.sha256(data).hexdigest()
    store.put(sha256, data)
    shard = store.path(sha256).parent
    assert set(synced) >= {store.root, shard.parent, shard}
