"""Photos and signatures: content-addressed, verified on arrival, readable within scope.

The ``blob`` row says who may read a blob; its bytes live in the blob store
(``server/blobstore.py``). An upload writes them to the store before the request commits:
if the request then rolls back, the file stays behind without a row. That orphan is
harmless (its name is its hash, so a later upload of the same bytes finds it whole) and
``blobs check`` lists it. A blob stored before the blob store keeps its bytes in
``blob.data`` until ``blobs move-out``; while they are there they are read from there.

A new blob's thumbnail (``server/thumbnails.py``) is made during its upload and kept in the
same store under its own hash, which only ``blob.thumbnail_sha256`` names: a thumbnail is
read through its original (``GET /blobs/<sha256>/thumbnail``), never as a blob of its own.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Collection

from flask import current_app
from sqlalchemy import ColumnElement, or_, select, union
from sqlalchemy.orm import Session

from server.access import Scope
from server.blobstore import blob_store
from server.database import insert_ignoring_duplicates
from server.models import Blob, BlobPossession, BlobRef
from server.refusals import Kind, Refused, not_found
from server.thumbnails import make_thumbnail

CONTENT_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})


def store_blob(session: Session, sha256: str, data: bytes, content_type: str, uploader: uuid.UUID) -> bool:
    """Keep the bytes if they hash to ``sha256`` and note that ``uploader`` holds them; True if new here.

    Sending bytes the server already has still proves that the uploader holds them: from then
    on they may read the blob and reference it from their records.
    """
    limit = current_app.config["MAX_BLOB_BYTES"]
    if len(data) > limit:
        raise Refused("blob_too_large", f"A photo or signature is at most {limit} bytes.", kind=Kind.TOO_LARGE)
    if content_type not in CONTENT_TYPES:
        raise Refused("unsupported_media_type",
                      f"Send a photo or signature as one of {', '.join(sorted(CONTENT_TYPES))}.",
                      kind=Kind.UNSUPPORTED)
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise Refused("hash_mismatch", "The bytes do not hash to the address they were sent to.",
                      {"sha256": [f"The body hashes to {actual}."]}, kind=Kind.INVALID)
    blob_store().put(sha256, data)
    created = session.get(Blob, sha256) is None
    if created:
        insert_ignoring_duplicates(session, Blob.__table__, [
            {"sha256": sha256, "size": len(data), "content_type": content_type, "data": None,
             "thumbnail_sha256": keep_thumbnail(data), "uploaded_by": uploader}
        ])
    insert_ignoring_duplicates(session, BlobPossession.__table__, [{"sha256": sha256, "person_id": uploader}])
    return created


def readable_hashes(session: Session, hashes: Collection[str], scope: Scope) -> set[str]:
    """Those of ``hashes`` the caller may read, and so reference from a record.

    A blob is readable by whoever uploaded its bytes and by whoever sees a record that
    references it (in their room, or routed to their traffic squad). To anyone else it does not
    exist, whether it is stored or not.
    """
    if not hashes:
        return set()
    if scope.everything:
        return set(session.scalars(select(Blob.sha256).where(Blob.sha256.in_(hashes))))
    possessed = select(BlobPossession.sha256).where(BlobPossession.sha256.in_(hashes),
                                                    BlobPossession.person_id == scope.person_id)
    place: ColumnElement[bool] = BlobRef.room_id.in_(scope.room_ids or ())
    if scope.squad_id is not None:
        place = or_(place, BlobRef.squad_id == scope.squad_id)
    referenced = select(BlobRef.sha256).where(BlobRef.sha256.in_(hashes), place)
    return set(session.scalars(union(possessed, referenced)))


def readable_blob(session: Session, sha256: str, scope: Scope) -> Blob:
    """The blob if the caller may read it (see ``readable_hashes``); else refused as not found."""
    if sha256 not in readable_hashes(session, [sha256], scope):
        raise not_found(f"No blob {sha256} in your scope.")
    return session.get_one(Blob, sha256)


def blob_bytes(blob: Blob) -> bytes:
    """The blob's bytes: from ``blob.data`` while they are still there, else from the store (verified).

    A file lost or damaged in the store raises ``BlobMissing`` or ``BlobCorrupt``: a fault of
    the server, answered ``500 blob_unavailable``.
    """
    return blob.data if blob.data is not None else blob_store().get(blob.sha256)


def keep_thumbnail(data: bytes) -> str | None:
    """Make the thumbnail of an original's bytes and keep it in the store: its address, or None if none was made."""
    thumbnail = make_thumbnail(data)
    if thumbnail is None:
        return None
    sha256 = hashlib.sha256(thumbnail).hexdigest()
    blob_store().put(sha256, thumbnail)
    return sha256


def blob_thumbnail(blob: Blob) -> tuple[str, bytes]:
    """The address and JPEG bytes of a readable blob's thumbnail; ``no_thumbnail`` when none could be made."""
    if blob.thumbnail_sha256 is None:
        raise Refused("no_thumbnail", f"Blob {blob.sha256} has no thumbnail: fetch the blob itself.",
                      kind=Kind.NOT_FOUND)
    return blob.thumbnail_sha256, blob_store().get(blob.thumbnail_sha256)
