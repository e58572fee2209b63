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
  refuses it, ``*`` accepts it, ``identity`` ranked above it keeps the answer plain);
- text only: JSON, CSV, CSS, JavaScript and the metrics page; photos, signatures and
  thumbnails are JPEG or PNG already and go as they are;
- answers under ``COMPRESS_MIN_SIZE`` go plain (the gzip header would outweigh the saving);
  a streamed answer (the CSV export) is compressed chunk by chunk;
- every answer says ``Vary: Accept-Encoding``, and a strong ETag gets ``:gzip`` appended so a
  cache never mixes the two bodies; a GET or HEAD with ``If-None-Match`` is then checked
  again, so a browser revalidating the dashboard's CSS with the suffixed tag gets its 304;
- a partial answer (206, a ``Range`` request for a static file) goes as it is: its
  ``Content-Range`` counts the plain bytes.

The dashboard's HTML goes plain: each page holds the session's CSRF token beside text the URL
chooses (the inbox echoes its query), which is what BREACH needs to read a secret from
compressed sizes; pages are small and read on a station's network, so nothing is lost. nginx
in front passes the compressed answers through and compresses nothing itself
(deploy/nginx/beatlog.conf).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from flask import Flask, Response, current_app, request
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

LEVELS = range(isal_zlib.ISAL_BEST_SPEED, isal_zlib.ISAL_BEST_COMPRESSION + 1)
"""ISA-L's levels, 0 to 3 (not zlib's 1 to 9)."""


def init_app(app: Flask) -> None:
    for name, value in SETTINGS.items():
        app.config.setdefault(name, value)
    if app.config["COMPRESS_LEVEL"] not in LEVELS:
        raise RuntimeError(f"COMPRESS_LEVEL is {app.config['COMPRESS_LEVEL']!r}: ISA-L's gzip levels are "
                           f"{LEVELS.start} to {LEVELS.stop - 1} (1, the default, is the fastest that "
                           "compresses well).")
    app.after_request(compress)


def compress(response: Response) -> Response:
    """The answer gzip-compressed when the client accepts gzip and the answer is worth it."""
    response.vary.add("Accept-Encoding")
    if not worth_compressing(response):
        return response
    level = current_app.config["COMPRESS_LEVEL"]
    response.direct_passthrough = False
    plain = response.response
    if hasattr(plain, "close"):
        # The server closes the compressed body it is given; the plain one (a file, or a generator
        # whose stream_with_context ends the request when closed) is closed with it, read or not.
        response.call_on_close(plain.close)
    if response.is_streamed:
        response.response = gzip_chunks(response.iter_encoded(), level)
        response.headers.pop("Content-Length", None)
    else:
        response.set_data(igzip.compress(response.get_data(), level))
    response.headers["Content-Encoding"] = "gzip"
    etag, weak = response.get_etag()
    if etag and not weak:
        response.set_etag(f"{etag}:gzip")
        if request.method in ("GET", "HEAD") and "If-None-Match" in request.headers:
            response.make_conditional(request)
    return response


def worth_compressing(response: Response) -> bool:
    return (
        accepts_gzip()
        and response.mimetype in COMPRESSED_TYPES
        and 200 <= response.status_code < 300
        and "Content-Range" not in response.headers
        and "Content-Encoding" not in response.headers
        and (response.is_streamed or (response.content_length or 0) >= current_app.config["COMPRESS_MIN_SIZE"])
    )


def accepts_gzip() -> bool:
    """gzip has a positive q-value and identity none higher (an encoding the client does not list has 0)."""
    accepted = request.accept_encodings
    gzip = accepted["gzip"]
    return gzip > 0 and accepted["identity"] <= gzip


def gzip_chunks(chunks: Iterable[bytes], level: int) -> Iterator[bytes]:
    """One gzip stream over a streamed answer's chunks, each sent as soon as it yields output."""
    compressor = isal_zlib.compressobj(level, isal_zlib.DEFLATED, 16 + isal_zlib.MAX_WBITS)
    for chunk in chunks:
        compressed = compressor.compress(chunk)
        if compressed:
            yield compressed
    yield compressor.flush()
