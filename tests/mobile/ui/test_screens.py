"""Every screen in both languages: a screenshot of each, and no word of the other language.

The Chinese screens may show Latin letters only in data the officer typed or received
(user names, addresses, the server's address) and in the product's name.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.mobile.ui.driver import Officer, sign_in

LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
ALLOWED_LATIN = {"Beatlog", "English", "http", "https"}


def english_words(officer: Officer) -> list[str]:
    data = set(LATIN_WORD.findall(officer.app.account.user["username"])) if officer.app.account.user else set()
    return [text for text in officer.texts() if set(LATIN_WORD.findall(text)) - ALLOWED_LATIN - data]


def visit(officer: Officer, name: str, language: str) -> None:
    officer.screenshot(name)
    if language == "zh":
        assert english_words(officer) == [], f"English on the Chinese {name} screen"


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_screen_is_shown_in_the_language_of_the_device(start_app: Any, network: Any, language: str) -> None:
    officer = start_app(network.url, language)
    officer.on("setup")
    visit(officer, "sign-in", language)
    sign_in(officer, "officer1")
    visit(officer, "home", language)

    officer.tap("find_venue")
    officer.on("venue_search")
    officer.wait(lambda: officer.rows("results"), "the venues of the beat")
    visit(officer, "venue-search", language)
    officer.tap("new_venue")
    officer.on("venue_form")
    visit(officer, "venue-new", language)
    officer.back()
    officer.tap(officer.rows("results")[0])
    officer.on("venue")
    officer.wait(lambda: officer.rows("history"), "the venue's history")
    visit(officer, "venue", language)
    officer.tap("plan_followup")
    officer.on("followup")
    visit(officer, "followup", language)
    officer.back()
    officer.tap("inspect")
    officer.on("inspection")
    visit(officer, "inspection", language)
    officer.back()
    officer.back()
    officer.back()
    officer.tap("outbox")
    officer.on("outbox")
    visit(officer, "sync-state", language)
    officer.back()
    officer.tap("settings")
    officer.on("settings")
    visit(officer, "settings", language)
    officer.tap("sign_out")
    officer.on("unlock")
    visit(officer, "unlock", language)


def test_switching_the_language_in_settings_relabels_the_app_at_once(start_app: Any, network: Any) -> None:
    officer = start_app(network.url, "en")
    sign_in(officer)
    officer.tap("settings")
    officer.on("settings")
    assert officer.widget("sign_out").text == "Sign out"
    officer.choose("language", "zh")
    assert officer.widget("sign_out").text == "退出登录"
    assert english_words(officer) == []
    officer.back()
    officer.on("home")
    assert officer.widget("find_venue").text == "查找场所"
    assert "在线" in officer.app.sync_text or "离线" in officer.app.sync_text
    officer.tap("settings")
    officer.choose("language", "device")
    assert officer.widget("sign_out").text == "Sign out"
    assert officer.app.config.get("beatlog", "language") == "device"
