"""Chinese line breaking (禁则): where a wrapped line may end, for the app's labels.

Kivy wraps at spaces and, for text without spaces (Chinese), anywhere a line runs out, so a
line can start with "，" or "。". Here a label's text is broken into lines before Kivy lays
it out: a line may break between two Chinese characters or at a space, never before closing
punctuation (it stays with the character before it) nor after opening punctuation (it goes
with the character after it); a Latin word or number moves whole to the next line unless it is
wider than a line by itself. ``measure`` gives a piece of text's width in the label's font.
"""

from __future__ import annotations

import re
from collections.abc import Callable

NO_LINE_START = set("，。、；：？！）」』】》〉〕］｝’”…·‥％‰,.;:?!)]}%々")
NO_LINE_END = set("（「『【《〈〔［｛‘“([{")
UNITS = re.compile(r"\s+|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]+|.")


def units(paragraph: str) -> list[str]:
    """Pieces no break may fall inside: a Chinese character with the punctuation that must stay
    with it, a Latin word, or a run of spaces."""
    pieces: list[str] = []
    glue_next = False
    for piece in UNITS.findall(paragraph):
        if pieces and (glue_next or (piece[0] in NO_LINE_START and not piece.isspace())):
            pieces[-1] += piece
        else:
            pieces.append(piece)
        glue_next = piece[-1] in NO_LINE_END
    return pieces


def break_lines(text: str, width: float, measure: Callable[[str], float]) -> str:
    """``text`` with line breaks where its lines should end at ``width``."""
    return "\n".join(line for paragraph in text.split("\n") for line in _paragraph_lines(paragraph, width, measure))


def _paragraph_lines(paragraph: str, width: float, measure: Callable[[str], float]) -> list[str]:
    lines: list[str] = []
    line = ""
    for piece in units(paragraph):
        if not line or measure(line + piece) <= width:
            line += piece
        elif piece.isspace():
            lines.append(line.rstrip())
            line = ""
            continue
        else:
            lines.append(line.rstrip())
            line = piece
        while len(line) > 1 and measure(line) > width:
            cut = _longest_fitting(line, width, measure)
            lines.append(line[:cut])
            line = line[cut:]
    lines.append(line.rstrip() if lines else line)
    return lines


def _longest_fitting(text: str, width: float, measure: Callable[[str], float]) -> int:
    """How many leading characters of an unbreakable piece fit (at least one)."""
    fits = 1
    while fits < len(text) and measure(text[:fits + 1]) <= width:
        fits += 1
    return fits
