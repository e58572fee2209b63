"""Answers gzip-compressed for clients that accept it, so a phone on a weak link downloads a pull
page in a tenth of the bytes, by ISA-L (python-isal) at its fastest level.

A pull page of 5,000 inspections is 7 MB of JSON. The standard library's zlib needs 105 ms to
gzip it at level 6 and 44 ms at level 1, more than the server spends reading the page; ISA-L's
level 1 needs 5.5 ms for 89 bytes a record against zlib level 6's 55 (``bench/peers_bench.py``
and ``bench/weak_link_bench.py`` measure both sides of that trade; docs/architecture.md,
"Compression on the wire"). Flask-Compress, which did this before, calls the standard
library's ``gzip`` and offers no way to choose another engine, so the rules it kept are kept
here:

- gzip only, the one encoding every client here decodes (``requests``, browsers,
  Prometheus), chosen by the client's ``Accept-Encoding`` with its q-values (``gzip;q=0``
  refuses it, ``*`` accepts it);
- text only: JSON, CSV, CSS, JavaScript and the metrics page; photos, signatures and
  thumbnails are JPEG or PNG already and go as they are;
- answers under ``COMPRESS_MIN_SIZE`` go plain (the gzip header would outweigh the saving);
  a streamed answer (the CSV export) is compressed chunk by chunk;
- every answer says ``Vary: Accept-Encoding``, and a strong ETag gets ``:gzip`` appended so a
  cache never mixes the two bodies.

The dashboard's HTML goes plain: each page holds the session's CSRF token beside text the URL
chooses (the inbox echoes its query), which is what BREACH needs to read a secret from
compressed sizes; pages are small and read on a station's network, so nothing is lost. nginx
in front passes the compressed answers through and compresses nothing itself
(deploy/nginx/beatlog.conf).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from flask import Flask, Response, current_app, request, stream_with_context
from isal import igzip, isal_zlib

COMPRESSED_TYPES = frozenset({
    "application/json",
    "text/csv",
    "text/css",
    "text/javascript",
    "application/javascript",
    "text/plain",
})

SETTINGS = {
    "COMPRESS_LEVEL": 1,
    "COMPRESS_MIN_SIZE": 1024,
}


def init_app(app: Flask) -> None:
    for name, value in SETTINGS.items():
        app.config.setdefault(name, value)
    app.after_request(compress)


def compress(response: Response) -> Response:
    """The answer gzip-compressed when the client accepts gzip and the answer is worth it."""
    vary = response.vary
    vary.add("Accept-Encoding")
    if not worth_compressing(response):
        return response
    level = current_app.config["COMPRESS_LEVEL"]
    response.direct_passthrough = False
    if response.is_streamed:
        response.response = stream_with_context(gzip_chunks(response.iter_encoded(), level))
        response.headers.pop("Content-Length", None)
    else:
        response.set_data(igzip.compress(response.get_data(), level))
    response.headers["Content-Encoding"] = "gzip"
    etag, weak = response.get_etag()
    if etag and not weak:
        response.set_etag(f"{etag}:gzip")
    return response


def worth_compressing(response: Response) -> bool:
    return (
        request.accept_encodings["gzip"] > 0
        and response.mimetype in COMPRESSED_TYPES
        and 200 <= response.status_code < 300
        and "Content-Encoding" not in response.headers
        and (response.is_streamed or (response.content_length or 0) >= current_app.config["COMPRESS_MIN_SIZE"])
    )


def gzip_chunks(chunks: Iterable[bytes], level: int) -> Iterator[bytes]:
    """One gzip stream over a streamed answer's chunks, each sent as soon as it yields output."""
    compressor = isal_zlib.compressobj(level, isal_zlib.DEFLATED, 16 + isal_zlib.MAX_WBITS)
    for chunk in chunks:
        compressed = compressor.compress(chunk)
        if compressed:
            yield compressed
    yield compressor.flush()
