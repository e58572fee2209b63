"""Fixtures for the handheld core: a store in a temporary folder, and the clock moved on."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from mobile.store import Records, Replica, Store
from sync import clock
from tests.phone import STORE_KEY


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(tmp_path / "device", key=STORE_KEY)
    yield opened
    opened.close()


@pytest.fixture
def records(store: Store) -> Records:
    return Records(store)


@pytest.fixture
def replica(store: Store) -> Replica:
    return Replica(store)


@pytest.fixture
def day_later() -> Iterator[Callable[[], None]]:
    """Moves the clock a day and a minute on when called; puts it back afterwards."""
    before = clock.current_clock()
    yield lambda: clock.set_clock(clock.Clock.at(clock.now() + timedelta(days=1, minutes=1), frozen=True))
    clock.set_clock(before)
