"""Photos and signatures by their SHA-256: upload before the record that references them."""

from __future__ import annotations

from flask import Response, request
from werkzeug.routing import BaseConverter

from server.access import ROLES, allow, current_person, current_scope
from server.api.common import api_blueprint
from server.api.schemas import BlobInfo
from server.errors import ApiError, ErrorSchema
from server.extensions import db
from server.operations.blobs import blob_bytes, blob_thumbnail, readable_blob, readable_hashes, store_blob
from server.syncing.protocol import versioned

blp = api_blueprint("blobs", "Content-addressed photos and signatures.")


class Sha256Converter(BaseConverter):
    """``<sha256:name>``: 64 lowercase hex digits, or a clear 400."""

    regex = r"[^/]+"

    def to_python(self, value: str) -> str:
        if len(value) != 64 or value.strip("0123456789abcdef"):
            raise ApiError(400, "invalid_hash", f"{value!r} is not a lowercase SHA-256 hex digest.",
                           {"sha256": ["Not a SHA-256 hex digest."]})
        return value


def sha256_parameter_schema(_converter: BaseConverter) -> dict[str, str]:
    return {"type": "string", "pattern": "^[0-9a-f]{64}$"}


def raw_body(view):  # type: ignore[no-untyped-def]
    view.raw_body = True
    return view


@blp.route("/blobs/<sha256:sha256>", methods=["PUT"])
@allow(*ROLES)
@raw_body
@versioned
@blp.response(201, BlobInfo)
@blp.alt_response(200, schema=BlobInfo, description="You could read it already: nothing changed")
def upload(sha256: str) -> tuple[dict, int]:
    """Store the bytes if they hash to the address; sending them again changes nothing.

    ``200`` only when the caller could read the blob already; to anyone else the answer is
    that of a first upload, so it does not tell whether someone else stored those bytes.
    """
    data = request.get_data(cache=False)
    known = bool(readable_hashes(db.session(), [sha256], current_scope()))
    store_blob(db.session(), sha256, data, request.mimetype, current_person().id)
    return {"sha256": sha256, "size": len(data), "content_type": request.mimetype}, 200 if known else 201


@blp.route("/blobs/<sha256:sha256>", methods=["GET", "HEAD"])
@allow(*ROLES)
@versioned
@blp.response(200, description="The bytes, with their content type")
def download(sha256: str) -> Response:
    """The bytes, if you uploaded them or a record in your scope references them."""
    blob = readable_blob(db.session(), sha256, current_scope())
    return immutable(blob_bytes(blob), blob.content_type, blob.sha256)


@blp.route("/blobs/<sha256:sha256>/thumbnail", methods=["GET", "HEAD"])
@allow(*ROLES)
@versioned
@blp.response(200, description="The blob's thumbnail: a JPEG whose longest side is at most 320 px")
@blp.alt_response(404, schema=ErrorSchema, description="`not_found` as for the blob itself, or `no_thumbnail`")
def thumbnail(sha256: str) -> Response:
    """The thumbnail of a blob you may read, by the blob's own hash; ``404 no_thumbnail`` if none could be made."""
    blob = readable_blob(db.session(), sha256, current_scope())
    address, data = blob_thumbnail(blob)
    return immutable(data, "image/jpeg", address)


def immutable(data: bytes, content_type: str, sha256: str) -> Response:
    """Bytes that never change under their address: cached by the client for a year, tagged by their hash."""
    response = Response(data, mimetype=content_type)
    response.headers["ETag"] = f'"{sha256}"'
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    return response
