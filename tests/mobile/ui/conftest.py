"""The real app in a real window: Xvfb, Kivy's window, a demo server behind a switchable proxy.

Kivy opens one window per process, so the window lives for the session and each test
builds a fresh app into it (and takes it down again). Kivy is imported only here and in
the tests below, after the display and Kivy's settings exist.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import need
from tests.e2e.handheld import photo

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def display(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An X display: the one we are given, or a private Xvfb started for the session."""
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    need(shutil.which("Xvfb") is not None, "Xvfb is not installed (apt-get install xvfb libgl1-mesa-dri)")
    from tests.mobile.ui.driver import private_display

    with private_display() as name:
        yield name


@pytest.fixture(scope="session")
def window(display: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Kivy's window, opened once at a handheld's portrait size."""
    from tests.mobile.ui.driver import open_window

    return open_window(tmp_path_factory.mktemp("kivy-home"))


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The demo served by ``flask run`` on SQLite, as ``make run`` serves it."""
    from tests.e2e.conftest import serve_demo

    yield from serve_demo(tmp_path_factory, "demo-server")


@pytest.fixture
def network(demo_server: Any) -> Iterator[Any]:
    """A proxy in front of the demo server whose ``offline`` flag cuts the phone off."""
    from tests.e2e.proxy import flaky_proxy

    with flaky_proxy(int(demo_server.url.rsplit(":", 1)[1])) as proxy:
        yield proxy


@pytest.fixture
def start_app(window: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``start_app(server_url, language)``: the real app built into the window, driven by an ``Officer``."""
    from tests.mobile.ui.driver import Officer, close_app, open_app

    opened: list[Any] = []

    def start(server_url: str = "http://127.0.0.1:9", language: str = "zh", data_dir: Path | None = None,
              **options: Any) -> Officer:
        monkeypatch.setenv("LANGUAGE", {"zh": "zh_CN", "en": "en_GB"}[language])
        app = open_app(data_dir or tmp_path / f"phone-{len(opened)}", server_url, **options)
        opened.append(app)
        return Officer(app, window)

    yield start
    for app in opened:
        close_app(app, window)


@pytest.fixture
def photo_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The desktop stand-in for the camera roll: one photo to pick."""
    folder = tmp_path / "camera"
    folder.mkdir()
    (folder / "exit-blocked.jpg").write_bytes(photo())
    monkeypatch.setenv("BEATLOG_PHOTO_DIR", str(folder))
    return folder
