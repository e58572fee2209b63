"""Reading a QR code from a photo: zxing-cpp where it is installed (desktops), pyzbar with libzbar
(the Android build's recipes), and an honest ``None`` where neither is, so the officer types the code."""

from __future__ import annotations

import importlib
from pathlib import Path

from PIL import Image


def _reader() -> str | None:
    for module in ("zxingcpp", "pyzbar.pyzbar"):
        try:
            importlib.import_module(module)
        except (ImportError, OSError):
            continue
        return module
    return None


class QrReader:
    def __init__(self) -> None:
        self.backend = _reader()

    @property
    def available(self) -> bool:
        return self.backend is not None

    def read(self, photo: Path | str) -> str | None:
        """The text of the first QR code in the photo, or ``None``."""
        if self.backend is None:
            return None
        with Image.open(photo) as opened:
            image = opened.convert("L")
        if self.backend == "zxingcpp":
            import zxingcpp

            found = [result.text for result in zxingcpp.read_barcodes(image)]
        else:
            from pyzbar import pyzbar

            found = [symbol.data.decode() for symbol in pyzbar.decode(image)]
        return found[0] if found else None
