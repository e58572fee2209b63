"""Photos and signatures: content-addressed, verified on arrival, readable within scope."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from flask import current_app
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from server.access import Scope
from server.database import insert_ignoring_duplicates
from server.errors import ApiError
from server.models import Blob, BlobRef

CONTENT_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})


def store_blob(session: Session, sha256: str, data: bytes, content_type: str, uploader: uuid.UUID) -> bool:
    """Keep the bytes if they hash to ``sha256``; True if new, False if already stored."""
    limit = current_app.config["MAX_BLOB_BYTES"]
    if len(data) > limit:
        raise ApiError(413, "blob_too_large", f"A photo or signature is at most {limit} bytes.")
    if content_type not in CONTENT_TYPES:
        raise ApiError(415, "unsupported_media_type",
                       f"Send a photo or signature as one of {', '.join(sorted(CONTENT_TYPES))}.")
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise ApiError(422, "hash_mismatch", "The bytes do not hash to the address they were sent to.",
                       {"sha256": [f"The body hashes to {actual}."]})
    if session.get(Blob, sha256) is not None:
        return False
    insert_ignoring_duplicates(session, Blob.__table__, [
        {"sha256": sha256, "size": len(data), "content_type": content_type, "data": data, "uploaded_by": uploader}
    ])
    return True


def readable_blob(session: Session, sha256: str, scope: Scope) -> Blob:
    """The blob if the caller uploaded it or a record in their scope references it; else 404."""
    blob = session.get(Blob, sha256)
    if blob is not None and (scope.everything or blob.uploaded_by == scope.person_id or _referenced(session, sha256, scope)):
        return blob
    raise ApiError(404, "not_found", f"No blob {sha256} in your scope.")


def _referenced(session: Session, sha256: str, scope: Scope) -> bool:
    condition = (BlobRef.sha256 == sha256) & BlobRef.room_id.in_(scope.room_ids or ())
    return bool(session.scalar(select(exists().where(condition))))


def link_blobs(session: Session, record: Any) -> None:
    """Note which blobs a record references, so those who see the record may read them."""
    hashes = list(getattr(record, "photo_hashes", None) or ())
    if getattr(record, "signature_hash", None):
        hashes.append(record.signature_hash)
    insert_ignoring_duplicates(session, BlobRef.__table__, [
        {"sha256": sha256, "record_id": record.id, "room_id": record.room_id} for sha256 in hashes
    ])
