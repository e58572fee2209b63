"""A font that has Chinese glyphs, found on the device and made Kivy's default.

Kivy's own Roboto has no CJK glyphs: Chinese would show as boxes. Android ships Noto CJK
or Droid Sans Fallback; Debian has WenQuanYi Micro Hei (``fonts-wqy-microhei``) or Droid
Sans Fallback (``fonts-droid-fallback``). When none is found the app says so in the log and
in settings, and speaks English, rather than draw boxes silently.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

CANDIDATES = (
    "/system/fonts/NotoSansCJK-Regular.ttc",
    "/system/fonts/NotoSansSC-Regular.otf",
    "/system/fonts/DroidSansFallback.ttf",
    "/system/fonts/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)


def find_cjk_font() -> Path | None:
    """The first Chinese-capable font present; ``BEATLOG_CJK_FONT`` names one explicitly."""
    chosen = os.environ.get("BEATLOG_CJK_FONT")
    for candidate in ((chosen,) if chosen else ()) + CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    return None


def use_cjk_font() -> Path | None:
    """Register the Chinese font as Kivy's default; returns it, or ``None`` when there is none."""
    from kivy.core.text import DEFAULT_FONT, LabelBase

    font = find_cjk_font()
    if font is None:
        log.warning("No Chinese font found (looked for %s); Chinese text cannot be shown. "
                    "On Debian: apt-get install fonts-wqy-microhei", ", ".join(CANDIDATES))
        return None
    LabelBase.register(DEFAULT_FONT, str(font))
    return font
