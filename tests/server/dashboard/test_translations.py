"""The dashboard's catalogs: every word of the templates and views, in Chinese, compiled."""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from tests.mobile.ui.test_catalogs import assert_placeholders_kept, assert_written_in_chinese, catalog

REPO = Path(__file__).resolve().parents[3]
TRANSLATIONS = REPO / "server" / "dashboard" / "translations"


def dashboard_catalog(language: str) -> dict[str, tuple[str, ...]]:
    return catalog(language, TRANSLATIONS / language / "LC_MESSAGES" / "messages.po")


def words_in_dashboard() -> set[str]:
    method_map = [("server/dashboard/**.py", "python"), ("server/dashboard/templates/**.html", "jinja2")]
    found = extract_from_dir(str(REPO), method_map)
    return {message[2] if isinstance(message[2], str) else message[2][0] for message in found}


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_word_of_the_dashboard_is_in_the_catalog(language: str) -> None:
    in_code = words_in_dashboard()
    assert {"Inbox", "Return to the officer", "Sync provenance"} <= in_code
    assert not in_code - set(dashboard_catalog(language)), "run make translations"


def test_the_chinese_dashboard_has_no_english_left() -> None:
    command = {"flask", "app", "server", "audit", "verify"}
    assert_written_in_chinese(dashboard_catalog("zh"), {"CSV", "JSON", "Beatlog", "ID", *command})
    assert_placeholders_kept(dashboard_catalog("zh"))


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_dashboards_compiled_catalogs_match_their_sources(language: str) -> None:
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for original, translated in dashboard_catalog(language).items():
        assert compiled.gettext(original) == translated[0], original
