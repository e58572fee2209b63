"""Which plyer facades have real hardware behind them here."""

from __future__ import annotations

import importlib
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
