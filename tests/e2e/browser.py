"""Headless Chromium (Debian's, never a downloaded one) driven by Playwright."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.conftest import need

CHROMIUM = os.environ.get("BEATLOG_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(os.environ.get("BEATLOG_SCREENSHOTS_DASHBOARD",
                                  Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "dashboard"))


def launch() -> Iterator[Any]:
    """Chromium for as long as the caller holds it (the ``chromium`` fixture)."""
    executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    need(executable is not None, "Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=FLAGS)
        yield browser
        browser.close()


def screenshot(page: Any, language: str, name: str) -> None:
    """Save the page under docs/screenshots; written aside and renamed, so parallel workers never interleave."""
    target = SCREENSHOTS / language / f"{name}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    aside = target.with_name(f".{name}-{os.getpid()}.png")
    page.screenshot(path=str(aside), full_page=True)
    aside.replace(target)


def signed_in_page(chromium: Any, server_url: str, username: str, language: str = "en") -> Any:
    """A new browser context in the language's locale, signed in to the dashboard as ``username``."""
    context = chromium.new_context(locale="zh-CN" if language == "zh" else "en-GB",
                                   viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{server_url}/dashboard/login")
    page.fill("#username", username)
    page.fill("#password", "demo")
    page.click("#sign-in")
    page.wait_for_url(re.compile(r".*/dashboard/(inbox|orders).*"))
    return page
