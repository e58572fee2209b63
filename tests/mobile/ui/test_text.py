"""Chinese line breaking on real labels in the real window."""

from __future__ import annotations

from typing import Any

import pytest

SENTENCE = "该记录已由所长审核通过，记录已锁定。"


def rendered_lines(label: Any) -> list[str]:
    label.texture_update()
    return ["".join(word.text for word in line.words) for line in label._label._cached_lines]


def width_that_leaves_the_comma_for_the_next_line(label: Any) -> float:
    before_comma = SENTENCE[:SENTENCE.index("，")]
    return label._label.get_extents(before_comma)[0] + 2


@pytest.fixture
def cjk_font(window: Any) -> None:
    from mobile.ui.fonts import use_cjk_font

    assert use_cjk_font() is not None, "no Chinese font on this machine"


def test_kivys_own_wrapping_starts_a_line_with_a_comma_at_this_width(cjk_font: None) -> None:
    from kivy.uix.label import Label

    label = Label(text=SENTENCE, font_size=34)
    label.text_size = (width_that_leaves_the_comma_for_the_next_line(label), None)
    assert any(line.startswith("，") for line in rendered_lines(label))


def test_a_wrapped_chinese_label_never_starts_a_line_with_closing_punctuation(cjk_font: None) -> None:
    from mobile.ui.widgets import Body

    label = Body(text=SENTENCE, font_size=34)
    label.text_size = (width_that_leaves_the_comma_for_the_next_line(label), None)
    lines = rendered_lines(label)
    assert len(lines) >= 2 and "".join(lines) == SENTENCE
    assert not any(line[0] in "，。、；：？！）」』" for line in lines), lines
    assert lines[:2] == ["该记录已由所长审核通", "过，记录已锁定。"]
    assert all(label._label.get_extents(line)[0] <= label.text_size[0] for line in lines)


def by_characters(text: str) -> float:
    return 10.0 * len(text)


@pytest.mark.parametrize(("text", "width", "lines"), [
    ("记录已锁定。请联系所长", 50, ["记录已锁", "定。请联系", "所长"]),
    ("见《消防法》第十条", 40, ["见《消防", "法》第十", "条"]),
    ("Approved by your chief. This log is locked.", 120, ["Approved by", "your chief.", "This log is", "locked."]),
    ("共 12 项，2 项不合格", 60, ["共 12", "项，2 项不", "合格"]),
    ("Supercalifragilistic", 50, ["Super", "calif", "ragil", "istic"]),
    ("第一行\n第二行", 100, ["第一行", "第二行"]),
])
def test_lines_break_between_chinese_characters_and_at_spaces_keeping_punctuation_with_its_word(
        text: str, width: float, lines: list[str]) -> None:
    from mobile.ui.linebreak import break_lines

    assert break_lines(text, width, by_characters).split("\n") == lines


def test_every_kind_of_record_a_phone_sends_has_a_name_in_the_sync_state_list() -> None:
    from mobile.ui.explain import record_kind
    from sync.records import DEVICE_WRITTEN

    assert [name for name in DEVICE_WRITTEN if record_kind(name) == name] == []
