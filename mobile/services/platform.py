"""Which plyer facades have real hardware behind them here."""

from __future__ import annotations

import importlib
import os
from typing import Any

PHONES = frozenset({"android", "ios"})


def on_a_phone(facade: str) -> Any:
    """plyer's facade when running on a phone, else ``None`` (the caller's desktop fallback)."""
    try:
        from plyer.utils import platform
    except ImportError:
        return None
    if str(platform) not in PHONES:
        return None
    return getattr(importlib.import_module("plyer"), facade)


def ask_for_hardware() -> None:
    """On Android 6 and later the camera and GPS need the officer's consent at run time."""
    if "ANDROID_ARGUMENT" not in os.environ:
        return
    from android.permissions import Permission, request_permissions  # type: ignore[import-not-found]

    request_permissions([Permission.CAMERA, Permission.ACCESS_FINE_LOCATION, Permission.ACCESS_COARSE_LOCATION])
