"""The handheld's gettext catalogs: complete, Chinese where Chinese is due, compiled, and drawable.

These read the catalogs and layouts as files (no window needed), except the glyph check,
which needs the Chinese font the app uses.
"""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from mobile.forms import RESULT_MARKS
from mobile.ui.fonts import find_cjk_font
from server.demo import catalog as demo_catalog
from sync import vocab
from tests.conftest import need

UI = Path(__file__).resolve().parents[3] / "mobile" / "ui"
LOCALE = UI / "locale"
CJK = re.compile(r"[\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
LATIN_IN_CHINESE = {"Beatlog", "http", "https"}
LITERAL_TEXT = re.compile(r"^\s*(text|title|hint_text):\s*['\"](?P<literal>[^'\"]*)['\"]\s*$", re.MULTILINE)


def catalog(language: str, path: Path | None = None) -> dict[str, tuple[str, ...]]:
    """msgid → its translated forms, from the handheld's catalog or the one at ``path``."""
    with open(path or LOCALE / language / "LC_MESSAGES" / "beatlog.po", "rb") as handle:
        read = read_po(handle, locale=language)
    return {(message.id[0] if isinstance(message.id, tuple) else message.id):
            (message.string if isinstance(message.string, tuple) else (message.string,))
            for message in read if message.id}


def words_in_code() -> set[str]:
    method_map = [("mobile/ui/**.py", "python"), ("mobile/ui/**.kv", "python")]
    found = extract_from_dir(str(UI.parents[1]), method_map, keywords={"_": None, "n_": (1, 2)})
    return {message[2] if isinstance(message[2], str) else message[2][0] for message in found}


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_word_the_app_shows_is_in_the_catalog(language: str) -> None:
    in_code = words_in_code()
    assert {"Sign in", "Mark every unanswered item as pass", "%(count)d record waiting"} <= in_code
    missing = in_code - set(catalog(language))
    assert not missing, f"not in the {language} catalog (run make translations): {sorted(missing)}"


def assert_written_in_chinese(translations: dict[str, tuple[str, ...]], allowed_latin: set[str]) -> None:
    for english, chinese in translations.items():
        for form in chinese:
            assert CJK.search(form), f"{english!r} has no Chinese translation"
            words = set(LATIN_WORD.findall(PLACEHOLDER.sub("", form)))
            assert not words - allowed_latin, f"English left in {form!r}"


def assert_placeholders_kept(translations: dict[str, tuple[str, ...]]) -> None:
    for original, translated in translations.items():
        for form in translated:
            assert set(PLACEHOLDER.findall(form)) == set(PLACEHOLDER.findall(original)), original


def test_every_chinese_translation_is_written_in_chinese() -> None:
    assert_written_in_chinese(catalog("zh"), LATIN_IN_CHINESE)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_translations_keep_the_placeholders_of_the_original(language: str) -> None:
    assert_placeholders_kept(catalog(language))


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_compiled_catalogs_match_their_sources(language: str) -> None:
    with open(LOCALE / language / "LC_MESSAGES" / "beatlog.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for original, translated in catalog(language).items():
        assert compiled.gettext(original) == translated[0], f"{original!r}: run make translations"


def test_layouts_have_no_literal_text_outside_the_catalogs() -> None:
    literals = [(layout.name, found.group("literal")) for layout in UI.rglob("*.kv")
                for found in LITERAL_TEXT.finditer(layout.read_text()) if found.group("literal").strip()]
    assert literals == []


def test_the_chinese_font_draws_every_chinese_character_the_app_can_show() -> None:
    from fontTools.ttLib import TTCollection, TTFont

    font_path = find_cjk_font()
    need(font_path is not None, "no Chinese font (apt-get install fonts-wqy-microhei)")
    assert font_path is not None
    font = TTCollection(str(font_path)).fonts[0] if font_path.suffix == ".ttc" else TTFont(str(font_path))
    drawable = set(font.getBestCmap())
    shown = "".join(form for forms in catalog("zh").values() for form in forms)
    shown += "".join(chinese for labels in (vocab.ROLES, vocab.VENUE_KINDS, vocab.RISK_LEVELS, vocab.HAZARD_LEVELS,
                                            vocab.CHECK_RESULTS, vocab.INSPECTION_STATUSES, vocab.FOLLOWUP_SUBJECTS,
                                            vocab.FOLLOWUP_STATUSES, vocab.SATISFACTION)
                     for chinese, _english in labels.values())
    shown += "".join(title + "".join(item[1] for item in items) for title, _en, items in
                     demo_catalog.CHECKLISTS.values())
    shown += "".join(RESULT_MARKS.values())
    missing = sorted({character for character in shown if ord(character) > 127 and ord(character) not in drawable})
    assert missing == [], f"{font_path.name} has no glyph for {''.join(missing)}"
