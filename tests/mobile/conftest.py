"""Fixtures for the handheld core: a store in a temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mobile.store import Records, Replica, Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(tmp_path / "device")
    yield opened
    opened.close()


@pytest.fixture
def records(store: Store) -> Records:
    return Records(store)


@pytest.fixture
def replica(store: Store) -> Replica:
    return Replica(store)
