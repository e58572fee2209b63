"""Answers gzip-compressed for clients that accept it (Flask-Compress), so a phone on a weak link
downloads a pull page in a sixth of the bytes.

gzip only, the one encoding every client here decodes (``requests``, browsers, Prometheus), so
what is sent does not depend on which optional decoders a client happened to have installed.
Text only: JSON, CSV, CSS, JavaScript and the metrics page; photos, signatures and
thumbnails are JPEG or PNG already and go as they are. The dashboard's HTML goes plain: each
page holds the session's CSRF token beside text the URL chooses (the inbox echoes its query),
which is what BREACH needs to read a secret from compressed sizes; pages are small and read
on a station's network, so nothing is lost. Answers under ``COMPRESS_MIN_SIZE`` go
plain (the gzip header would outweigh the saving). Every answer says ``Vary: Accept-Encoding``.
nginx in front passes the compressed answers through and compresses nothing itself
(deploy/nginx/beatlog.conf).
"""

from __future__ import annotations

from flask import Flask
from flask_compress import Compress

COMPRESSED_TYPES = (
    "application/json",
    "text/csv",
    "text/css",
    "text/javascript",
    "application/javascript",
    "text/plain",
)

SETTINGS = {
    "COMPRESS_ALGORITHM": ["gzip"],
    "COMPRESS_ALGORITHM_STREAMING": ["gzip"],
    "COMPRESS_MIMETYPES": list(COMPRESSED_TYPES),
    "COMPRESS_LEVEL": 6,
    "COMPRESS_MIN_SIZE": 1024,
}


def init_app(app: Flask) -> None:
    for name, value in SETTINGS.items():
        app.config.setdefault(name, value)
    Compress(app)
