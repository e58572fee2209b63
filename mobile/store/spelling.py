"""How a venue's name is typed on a Chinese phone's keyboard: pinyin initials and full pinyin.

Computed once, when a venue is stored on the device (pypinyin's dictionary is large, so never
per keystroke for every venue), and kept beside the search index. ``initials`` is one letter
per character (``fqswjd`` for 凤桥商务酒店), matched anywhere; ``syllables`` holds the full
pinyin from each syllable on, each piece after a ``|`` (``|fengqiaoshangwujiudian|qiao…|jiudian``),
so a typed prefix of the whole name or of any word in it matches. Letters and digits that are
not Chinese count as they are, lower-cased.
"""

from __future__ import annotations

import re

NOT_TYPED = re.compile(r"[^0-9a-z]+")
SPELLED = re.compile(r"[0-9a-z]+")
NOT_CHINESE = "\x00"


def typed(piece: str) -> str:
    return NOT_TYPED.sub("", piece.lower())


def spelling_keys(name: str) -> tuple[str, str]:
    """``(initials, syllables)`` of a name, as described above, from one pass of pypinyin."""
    from pypinyin import lazy_pinyin

    syllables: list[str] = []
    initials: list[str] = []
    for piece in lazy_pinyin(name, errors=lambda chunk: NOT_CHINESE + chunk):
        spelled = typed(piece)
        if spelled:
            syllables.append(spelled)
            initials.append(spelled if piece.startswith(NOT_CHINESE) else spelled[0])
    return "".join(initials), "".join("|" + "".join(syllables[start:]) for start in range(len(syllables)))


def is_spelling(text: str) -> bool:
    """Whether the officer typed letters (and digits) a venue's pinyin could match."""
    return bool(SPELLED.fullmatch(text.lower().replace(" ", ""))) and any(c.isalpha() for c in text)
