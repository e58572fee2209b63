"""Small JPEG previews of photos and signatures, made once when the original arrives.

A handheld fetches the thumbnails of the photos in its scope in the background and the
original only when the officer opens one, so a thumbnail is small: the longest side 320 px,
turned upright as the photo's EXIF orientation says, JPEG at a modest quality, without the
original's metadata (no GPS position in a preview). The original is the evidence and is
never touched; a thumbnail can always be made again from it.
"""

from __future__ import annotations

import io
import logging

from PIL import Image, ImageOps

THUMBNAIL_SIDE = 320
THUMBNAIL_QUALITY = 70
FORMATS = ("JPEG", "PNG", "WEBP")
"""The formats an upload may declare (``CONTENT_TYPES``). Pillow would try dozens more, some
through outside programs (EPS through Ghostscript): a hostile upload reaches none of them."""

DECODE_PIXELS = 12_000_000
"""The most pixels decoded to make one thumbnail, after a JPEG's draft mode has shrunk it
(up to 1/8 per side while decoding, so a 50-megapixel camera photo decodes in under one). A
PNG or WebP is decoded whole: a 10 KB one-bit PNG of 9,400 × 9,400, under Pillow's own limit,
would take about 600 MB of a worker's memory on every upload of a new variant."""

log = logging.getLogger(__name__)


def make_thumbnail(data: bytes) -> bytes | None:
    """The JPEG thumbnail of an image, or None when the bytes are not an image Pillow can safely decode.

    Pillow's ``MAX_IMAGE_PIXELS`` is the limit, enforced here as an error: beyond it the image
    is never decoded (a small file can hold a decompression bomb, an image whose pixels would
    fill the worker's memory). Pillow raises its own warnings and errors from many decoders
    on malformed input; any of them means no thumbnail, never a failed upload.
    """
    try:
        with Image.open(io.BytesIO(data), formats=FORMATS) as image:
            limit = Image.MAX_IMAGE_PIXELS
            if limit is not None and image.width * image.height > limit:
                log.warning("no thumbnail: %dx%d pixels is over Pillow's MAX_IMAGE_PIXELS", image.width, image.height)
                return None
            image.draft("RGB", (THUMBNAIL_SIDE, THUMBNAIL_SIDE))
            if image.width * image.height > DECODE_PIXELS:
                log.warning("no thumbnail: %dx%d pixels to decode is over %d", image.width, image.height,
                            DECODE_PIXELS)
                return None
            return _encoded(_on_white(ImageOps.exif_transpose(image)))
    except Exception as error:  # noqa: BLE001 - decoders raise many kinds of error on hostile input
        log.info("no thumbnail: %s: %s", type(error).__name__, error)
        return None


def _on_white(image: Image.Image) -> Image.Image:
    """An RGB image the size of a thumbnail; a transparent signature's background becomes white, not black."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    image = image.convert("RGBA" if has_alpha else "RGB")
    image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    if not has_alpha:
        return image
    white = Image.new("RGBA", image.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, image).convert("RGB")


def _encoded(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    return out.getvalue()
