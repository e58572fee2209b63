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
        """Keep ``data`` (which must hash to ``sha256``); True if it was not there before."""

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


def _checked(sha256: str) -> str:
    if len(sha256) != 64 or sha256.strip("0123456789abcdef"):
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
        target = self.path(sha256)
        if target.exists():
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
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

    def delete(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)

    def hashes(self) -> Iterator[str]:
        for path in self.root.glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*"):
            if path.is_file() and len(path.name) == 64:
                yield path.name

    def total_bytes(self) -> int:
        return sum(self.path(sha256).stat().st_size for sha256 in self.hashes())

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
