"""Moving blob bytes between the database and the blob store, making missing thumbnails, checking the store.

A database upgraded to migration 0008 still holds the bytes of every blob stored before it
in ``blob.data``; ``move_out`` copies them to the store, reads the copy back verified, and
only then empties the column. ``move_back`` does the reverse before a downgrade. Each step
works on one batch of blobs in address order, starting after the last address the previous
batch looked at, so a run walks every blob once and an interrupted run is finished by
running it again: what a committed batch moved is no longer selected.

Not audited, like ``sync rebuild-wire``: a move changes where bytes are kept, never what
they are (each is verified against its hash on the way), and no person acts on a record.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.blobstore import BlobCorrupt, BlobMissing, blob_store
from server.models import Blob
from server.operations.blobs import blob_bytes, keep_thumbnail


@dataclass
class Batch:
    """What one step of a move did; ``last`` is the address to start after next, None once all were seen."""

    moved: int = 0
    """Blobs moved, or thumbnails made."""
    refused: list[str] = field(default_factory=list)
    """One line per blob left as it was for a fault an operator must mend, saying why."""
    not_images: int = 0
    """Blobs no thumbnail can be made of (not an image Pillow decodes safely): fine so, the original is served."""
    last: str | None = None

    def __add__(self, other: Batch) -> Batch:
        return Batch(self.moved + other.moved, self.refused + other.refused, self.not_images + other.not_images,
                     other.last)


def _addresses(session: Session, *, in_database: bool, after: str, limit: int) -> list[str]:
    held = Blob.data.is_not(None) if in_database else Blob.data.is_(None)
    return list(session.scalars(select(Blob.sha256).where(held, Blob.sha256 > after)
                                .order_by(Blob.sha256).limit(limit)))


def move_out(session: Session, *, after: str = "", limit: int = 100) -> Batch:
    """Move up to ``limit`` blobs' bytes to the store, each read back verified before its column is emptied.

    Bytes one at a time: a batch of photos never sits in memory at once. Bytes that do not
    hash to their blob's address stay in the database and are reported; nothing can repair
    them but the uploader's phone sending them again.
    """
    store, batch = blob_store(), Batch()
    addresses = _addresses(session, in_database=True, after=after, limit=limit)
    for sha256 in addresses:
        data = session.scalar(select(Blob.data).where(Blob.sha256 == sha256))
        if data is None:
            continue
        try:
            store.put(sha256, data)
        except BlobCorrupt:
            batch.refused.append(f"{sha256}: its bytes in the database do not hash to its address; left there")
            continue
        store.get(sha256)
        session.execute(update(Blob).where(Blob.sha256 == sha256).values(data=None))
        batch.moved += 1
    batch.last = addresses[-1] if len(addresses) == limit else None
    return batch


def move_back(session: Session, *, after: str = "", limit: int = 100) -> Batch:
    """Copy up to ``limit`` blobs' bytes from the store into their ``blob.data``, as a downgrade past 0008 needs.

    The store keeps its files: content-addressed, they are a second copy until removed by hand.
    """
    store, batch = blob_store(), Batch()
    addresses = _addresses(session, in_database=False, after=after, limit=limit)
    for sha256 in addresses:
        try:
            data = store.get(sha256)
        except BlobMissing:
            batch.refused.append(f"{sha256}: missing from the blob store; restore it from a backup")
            continue
        except BlobCorrupt:
            batch.refused.append(f"{sha256}: damaged in the blob store; restore it from a backup")
            continue
        session.execute(update(Blob).where(Blob.sha256 == sha256).values(data=data))
        batch.moved += 1
    batch.last = addresses[-1] if len(addresses) == limit else None
    return batch


def make_thumbnails(session: Session, *, after: str = "", limit: int = 100) -> Batch:
    """Look at up to ``limit`` blobs; make the thumbnail of each that has none, or whose thumbnail is lost or damaged.

    Blobs stored before migration 0008 have none; so do those no thumbnail could be made of,
    which are tried again (cheaply: a file that is no image fails at its first bytes), so a
    Pillow that learns a new format makes theirs.
    """
    batch = Batch()
    rows = session.execute(select(Blob.sha256, Blob.thumbnail_sha256).where(Blob.sha256 > after)
                           .order_by(Blob.sha256).limit(limit)).all()
    for row in rows:
        if row.thumbnail_sha256 is not None and _fault(row.thumbnail_sha256) is None:
            continue
        try:
            data = blob_bytes(session.get_one(Blob, row.sha256))
        except (BlobMissing, BlobCorrupt):
            batch.refused.append(f"{row.sha256}: missing or damaged in the blob store, so no thumbnail; "
                                 "restore it from a backup")
            continue
        address = keep_thumbnail(data)
        session.execute(update(Blob).where(Blob.sha256 == row.sha256).values(thumbnail_sha256=address))
        if address is None:
            batch.not_images += 1
        else:
            batch.moved += 1
    batch.last = rows[-1].sha256 if len(rows) == limit else None
    return batch


def _fault(sha256: str) -> str | None:
    """``missing`` or ``damaged`` when the store cannot give a file back whole; None when it can."""
    try:
        blob_store().get(sha256)
    except BlobMissing:
        return "missing"
    except BlobCorrupt:
        return "damaged"
    return None


@dataclass
class StoreCheck:
    """The store measured against the database: what should be there and is not, or is not whole."""

    verified: int = 0
    missing: list[str] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    """Files no blob row knows: bytes of an upload rolled back, or still in flight while the check ran."""
    in_database: int = 0
    """Blobs whose bytes are still in ``blob.data`` (``blobs move-out`` has not moved them yet)."""

    @property
    def sound(self) -> bool:
        return not (self.missing or self.damaged)


def check_store(session: Session) -> StoreCheck:
    """Verify every file the database expects (blobs moved out, thumbnails); list the files it does not know.

    The rows are read before the files are listed, so an upload committed meanwhile shows as
    an orphan, never as missing. Orphans are only listed, never deleted: a file written by an
    upload whose request has not committed yet looks exactly like one.
    """
    store, check, known = blob_store(), StoreCheck(), set()
    rows = session.execute(select(Blob.sha256, Blob.data.is_(None).label("in_store"), Blob.thumbnail_sha256)
                           .order_by(Blob.sha256)).all()
    for row in rows:
        known.add(row.sha256)
        if row.in_store:
            _verify(check, row.sha256, "blob")
        else:
            check.in_database += 1
        if row.thumbnail_sha256:
            known.add(row.thumbnail_sha256)
            _verify(check, row.thumbnail_sha256, f"thumbnail of {row.sha256}")
    check.orphans = sorted(set(store.hashes()) - known)
    return check


def _verify(check: StoreCheck, sha256: str, what: str) -> None:
    fault = _fault(sha256)
    if fault is None:
        check.verified += 1
    else:
        (check.missing if fault == "missing" else check.damaged).append(f"{sha256} ({what})")

