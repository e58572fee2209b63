"""Where photo and signature bytes live: a content-addressed store behind one small interface.

The database keeps what the server reasons about (who uploaded a blob, which records
reference it, its size and type); the bytes themselves go to a store addressed by their
SHA-256. The filesystem store is the default: sharded directories, each blob written to a
temporary name, fsynced and renamed into place, so a crash leaves either the whole blob or
none, and every read checks the bytes still hash to their address.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from flask import Flask, current_app


class BlobMissing(LookupError):
    """The store has no blob at that address."""


class BlobCorrupt(RuntimeError):
    """The stored bytes no longer hash to their address (disk damage or a hand edit)."""


class BlobStore(Protocol):
    def put(self, sha256: str, data: bytes) -> bool:
        """Keep ``data`` (which must hash to ``sha256``); True if this call wrote it.

        A blob already held whole is left alone (False); one that is missing or damaged is
        written. Two writers of the same blob at once may both answer True: the blob is whole
        either way.
        """

    def get(self, sha256: str) -> bytes:
        """The bytes, verified against the address; ``BlobMissing`` or ``BlobCorrupt`` otherwise."""

    def has(self, sha256: str) -> bool: ...

    def delete(self, sha256: str) -> None:
        """Forget the blob; nothing happens if it is not there."""

    def hashes(self) -> Iterator[str]:
        """Every address held, in no particular order."""

    def total_bytes(self) -> int: ...

    def check_writable(self) -> None:
        """Raise ``OSError`` unless a blob could be written now."""


def _is_digest(name: str) -> bool:
    return len(name) == 64 and not name.strip("0123456789abcdef")


def _checked(sha256: str) -> str:
    if not _is_digest(sha256):
        raise ValueError(f"{sha256!r} is not a lowercase SHA-256 hex digest")
    return sha256


class FilesystemBlobStore:
    """Blobs as files ``<root>/ab/cd/abcd…``: two levels of 256 directories keep each one small."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.scratch = self.root / "tmp"

    def __repr__(self) -> str:
        return f"FilesystemBlobStore({str(self.root)!r})"

    def path(self, sha256: str) -> Path:
        _checked(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, sha256: str, data: bytes) -> bool:
        if hashlib.sha256(data).hexdigest() != sha256:
            raise BlobCorrupt(f"refusing to store bytes that do not hash to {sha256}")
        if self._holds(sha256):
            return False
        target = self.path(sha256)
        self._make_durable_directory(target.parent)
        self.scratch.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=self.scratch, prefix=sha256[:8] + ".")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        _fsync_directory(target.parent)
        return True

    def _make_durable_directory(self, directory: Path) -> None:
        """Create a shard directory and fsync the parents of each one made, so that after a power cut the
        name of a new shard survives like the blob's own: fsyncing only the blob's directory is not enough."""
        if directory.is_dir():
            return
        if directory.parent != self.root:
            self._make_durable_directory(directory.parent)
        directory.mkdir(parents=True, exist_ok=True)
        _fsync_directory(directory.parent)

    def get(self, sha256: str) -> bytes:
        try:
            data = self.path(sha256).read_bytes()
        except FileNotFoundError:
            raise BlobMissing(sha256) from None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise BlobCorrupt(f"blob {sha256} at {self.path(sha256)} no longer matches its hash")
        return data

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def _holds(self, sha256: str) -> bool:
        """The blob is there and whole (so a put over a damaged file repairs it)."""
        try:
            self.get(sha256)
        except (BlobMissing, BlobCorrupt):
            return False
        return True

    def delete(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)

    def hashes(self) -> Iterator[str]:
        """Files named by a digest in their own shard; anything else there (a stray copy, notes) is not a blob."""
        for path in self.root.glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*"):
            name = path.name
            if _is_digest(name) and path.parent.name == name[2:4] and path.parent.parent.name == name[:2] \
                    and path.is_file():
                yield name

    def total_bytes(self) -> int:
        total = 0
        for sha256 in self.hashes():
            try:
                total += self.path(sha256).stat().st_size
            except FileNotFoundError:
                continue
        return total

    def check_writable(self) -> None:
        self.scratch.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=self.scratch) as probe:
            probe.write(b"ok")
            probe.flush()
            os.fsync(probe.fileno())


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable: without it a power cut can lose the new name."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def init_app(app: Flask) -> None:
    """``BLOB_STORE`` is a directory (default ``<instance>/blobs``) for the filesystem store."""
    app.extensions["beatlog.blob_store"] = FilesystemBlobStore(app.config["BLOB_STORE"])


def blob_store() -> BlobStore:
    """The current app's store."""
    store: BlobStore = current_app.extensions["beatlog.blob_store"]
    return store
