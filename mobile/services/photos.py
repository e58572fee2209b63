"""Photos and signatures, stored content-addressed (SHA-256) and ready to upload.

Photos are turned upright, downscaled and re-encoded as JPEG until they fit the size cap;
signatures are drawn from the pad's strokes as a PNG. Bytes land in the blob folder
before the row that names them, so a crash never leaves a row without its file.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageOps

from mobile.store import Store
from sync import clock

MAX_SIDE = 1600
MAX_BYTES = 900 * 1024
QUALITIES = (85, 75, 65, 55, 45)
Stroke = Sequence[tuple[float, float]]


class PhotoTooLarge(Exception):
    """Even at the lowest quality the photo would not fit under the cap."""


class Media:
    def __init__(self, store: Store, max_side: int = MAX_SIDE, max_bytes: int = MAX_BYTES) -> None:
        self.store = store
        self.max_side = max_side
        self.max_bytes = max_bytes

    def add_photo(self, source: bytes | Path | str) -> str:
        """Store a camera photo (bytes or a file); returns its SHA-256."""
        raw = source if isinstance(source, bytes) else Path(source).read_bytes()
        with Image.open(io.BytesIO(raw)) as opened:
            image = ImageOps.exif_transpose(opened).convert("RGB")
        image.thumbnail((self.max_side, self.max_side))
        for quality in QUALITIES:
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=quality, optimize=True)
            if buffer.tell() <= self.max_bytes:
                return self.keep(buffer.getvalue(), "image/jpeg")
        raise PhotoTooLarge(f"The photo does not fit in {self.max_bytes} bytes.")

    def add_signature(self, strokes: Sequence[Stroke], size: tuple[int, int] = (600, 240)) -> str:
        """Draw the pad's strokes (points in pad pixels, origin top left) as a PNG."""
        image = Image.new("L", size, 255)
        pen = ImageDraw.Draw(image)
        for stroke in strokes:
            if len(stroke) == 1:
                x, y = stroke[0]
                pen.ellipse((x - 2, y - 2, x + 2, y + 2), fill=0)
            elif stroke:
                pen.line([tuple(point) for point in stroke], fill=0, width=4, joint="curve")
        buffer = io.BytesIO()
        image.save(buffer, "PNG", optimize=True)
        return self.keep(buffer.getvalue(), "image/png")

    def keep(self, data: bytes, content_type: str) -> str:
        """Store bytes taken on this phone; the same bytes downloaded before become the officer's own,
        never evicted (``mobile.store.images``)."""
        sha256 = hashlib.sha256(data).hexdigest()
        self.store.write_blob_file(sha256, data)
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO blob (sha256, content_type, size, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (sha256) DO UPDATE SET origin = 'taken'",
                (sha256, content_type, len(data), clock.now_text()),
            )
        return sha256

    def read(self, sha256: str) -> bytes:
        return self.store.blob_path(sha256).read_bytes()
