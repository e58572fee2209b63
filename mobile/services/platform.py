"""Whether this is the Android app, and which plyer facades have real hardware behind them here.

The one place that answers "are we on Android?": python-for-android sets ``ANDROID_ARGUMENT``
before Python starts, which is also how Kivy and plyer tell. Every other module asks
:func:`on_android`.
"""

from __future__ import annotations

import importlib
import os
from typing import Any


def on_android() -> bool:
    return "ANDROID_ARGUMENT" in os.environ


def on_a_phone(facade: str) -> Any:
    """plyer's facade when running on the phone, else ``None`` (the caller's desktop fallback)."""
    if not on_android():
        return None
    return getattr(importlib.import_module("plyer"), facade)


def ask_for_hardware() -> None:
    """On Android 6 and later the camera and GPS need the officer's consent at run time."""
    if not on_android():
        return
    from android.permissions import Permission, request_permissions  # type: ignore[import-not-found]

    request_permissions([Permission.CAMERA, Permission.ACCESS_FINE_LOCATION, Permission.ACCESS_COARSE_LOCATION])
