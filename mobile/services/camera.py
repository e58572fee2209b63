"""Taking a photo: the system camera on Android, a picked image file on a desktop."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mobile.services.platform import on_a_phone


class Camera:
    def __init__(self) -> None:
        self.hardware = self._plyer_camera()

    @staticmethod
    def _plyer_camera() -> Any:
        return on_a_phone("camera")

    @property
    def available(self) -> bool:
        return self.hardware is not None

    def take_picture(self, on_taken: Callable[[Path], None]) -> bool:
        """Open the camera; ``on_taken`` gets the photo's file. False when there is no camera
        (the UI then offers to pick an image file instead)."""
        if self.hardware is None:
            return False
        target = Path(tempfile.mkdtemp()) / "photo.jpg"
        try:
            self.hardware.take_picture(filename=str(target), on_complete=lambda path: on_taken(Path(path)))
        except NotImplementedError:
            self.hardware = None
            return False
        return True
