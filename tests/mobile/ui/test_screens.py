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
ALLOWED_LATIN = {"Beatlog", "English", "http", "https", "MB", "GB"}
"""Names, addresses and units that read the same in Chinese."""


def english_words(officer: Officer) -> list[str]:
    data = set(LATIN_WORD.findall(officer.app.account.user["username"])) if officer.app.account.user else set()
    return [text for text in officer.texts() if set(LATIN_WORD.findall(text)) - ALLOWED_LATIN - data]


def overflowing_buttons(officer: Officer) -> list[str]:
    """Buttons on screen whose words are wider than the button (Kivy would cut them off)."""
    from kivy.uix.button import Button

    return [button.text for button in officer.app.root.current_screen.walk(restrict=True)
            if isinstance(button, Button) and button.text and button.opacity and button.width
            and (button.texture_size[0] > button.width or getattr(button, "is_shortened", False))]


def visit(officer: Officer, name: str, language: str) -> None:
    officer.screenshot(name)
    if language == "zh":
        assert english_words(officer) == [], f"English on the Chinese {name} screen"
    assert overflowing_buttons(officer) == [], f"words wider than their button on the {language} {name} screen"


BACK = "back"
TOUR = (
    # (what to tap: a widget id, "back", or a number of a row in a list), the screen it opens, its screenshot
    ("find_venue", "venue_search", "venue-search"),
    ("new_venue", "venue_form", "venue-new"),
    (BACK, "venue_search", ""),
    (("results", 0), "venue", "venue"),
    ("plan_followup", "followup", "followup"),
    (BACK, "venue", ""),
    ("inspect", "inspection", "inspection"),
    (BACK, "venue", ""),
    (BACK, "venue_search", ""),
    (BACK, "home", ""),
    ("work_orders", "orders", "work-orders"),
    ("report", "report", "report-form"),
    (BACK, "orders", ""),
    (BACK, "home", ""),
    ("outbox", "outbox", "sync-state"),
    (BACK, "home", ""),
    ("settings", "settings", "settings"),
    ("sign_out", "unlock", "unlock"),
)
FILLED_BY_A_SYNC_OR_SEARCH = {"venue_search": "results", "venue": "history"}


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_screen_is_shown_in_the_language_of_the_device(start_app: Any, network: Any, language: str) -> None:
    officer = start_app(network.url, language)
    officer.on("setup")
    visit(officer, "sign-in", language)
    sign_in(officer, "officer1")
    visit(officer, "home", language)
    for target, screen, screenshot in TOUR:
        if target == BACK:
            officer.back()
        elif isinstance(target, tuple):
            officer.tap(officer.rows(target[0])[target[1]])
        else:
            officer.tap(target)
        officer.on(screen)
        if screen in FILLED_BY_A_SYNC_OR_SEARCH:
            officer.wait(lambda: officer.rows(FILLED_BY_A_SYNC_OR_SEARCH[officer.screen.name]), f"the {screen} list")
        if screenshot:
            visit(officer, screenshot, language)


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


def test_without_a_chinese_font_the_app_speaks_english_and_says_why(
        start_app: Any, network: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("mobile.ui.fonts.CANDIDATES", ())
    monkeypatch.delenv("BEATLOG_CJK_FONT", raising=False)
    officer = start_app(network.url, "zh")
    officer.on("setup")
    assert officer.widget("sign_in").text == "Sign in"
    sign_in(officer)
    officer.tap("settings")
    officer.on("settings")
    assert "No Chinese font was found on this phone, so Chinese text cannot be shown." in officer.texts()


def test_large_text_and_high_contrast_restyle_the_other_screens_at_once_and_survive_a_restart(
        start_app: Any, network: Any, tmp_path: Any) -> None:
    officer = start_app(network.url, "zh", data_dir=tmp_path / "phone")
    sign_in(officer)
    normal_size, normal_ink = officer.widget("find_venue").font_size, list(officer.widget("settings").color)
    officer.tap("settings")
    officer.on("settings")
    officer.choose("text_size", "large")
    officer.back()
    officer.on("home")
    assert officer.widget("find_venue").font_size == pytest.approx(normal_size * 1.3)
    assert list(officer.widget("settings").color) == normal_ink
    officer.tap("settings")
    officer.on("settings")
    officer.choose("contrast", "high")
    officer.back()
    officer.on("home")
    assert list(officer.widget("settings").color) == [0, 0, 0, 1] != normal_ink
    visit(officer, "home-outdoors", "zh")
    officer.close()

    reopened = start_app(network.url, "zh", data_dir=tmp_path / "phone")
    reopened.on("unlock")
    assert reopened.widget("unlock").font_size == pytest.approx(normal_size * 1.3)
    assert list(reopened.app.root.get_screen("home").ids.settings.color) == [0, 0, 0, 1]
    reopened.type("password", "demo")
    reopened.tap("unlock")
    reopened.on("home")
    reopened.tap("settings")
    reopened.on("settings")
    assert (reopened.widget("text_size").value, reopened.widget("contrast").value) == ("large", "high")
    reopened.choose("text_size", "normal")
    reopened.choose("contrast", "normal")
    assert reopened.widget("sign_out").font_size == pytest.approx(normal_size)
