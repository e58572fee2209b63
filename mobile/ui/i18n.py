"""Every word on screen in Simplified Chinese or English, from gettext catalogs.

Layouts write ``tr._('Save draft')``. ``tr`` is observable under the name ``_``: kv
bindings on it re-run when the language changes, so switching in settings relabels every
screen at once without rebuilding it. Python code uses :func:`_` and re-renders what it
built on ``tr``'s ``language`` event. The catalogs live in ``locale/`` (``make
translations`` extracts and compiles them with Babel).
"""

from __future__ import annotations

import gettext
import locale
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from kivy.event import EventDispatcher
from kivy.properties import StringProperty

from mobile.services.platform import on_android

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "beatlog"
LANGUAGES = ("zh", "en")
FOLLOW_DEVICE = "device"


def device_language() -> str:
    """``zh`` when the device speaks Chinese, else ``en``."""
    spoken = ""
    if on_android():
        from jnius import autoclass  # type: ignore[import-not-found]

        spoken = autoclass("java.util.Locale").getDefault().getLanguage()
    else:
        for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
            if os.environ.get(variable):
                spoken = os.environ[variable]
                break
        else:
            spoken = locale.getlocale()[0] or ""
    return "zh" if spoken.lower().startswith("zh") else "en"


def resolve(choice: str) -> str:
    """The language to show for a settings choice (``device``, ``zh`` or ``en``)."""
    return choice if choice in LANGUAGES else device_language()


class Translator(EventDispatcher):
    language = StringProperty("en")

    def __init__(self, language: str = "en", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.observers: list[tuple[Callable, tuple, dict]] = []
        self.catalog: gettext.NullTranslations = gettext.NullTranslations()
        self.switch(language)

    def _(self, text: str) -> str:
        return self.catalog.gettext(text)

    def n_(self, singular: str, plural: str, count: int) -> str:
        return self.catalog.ngettext(singular, plural, count)

    def fbind(self, name: str, func: Callable, *args: Any, **kwargs: Any) -> Any:
        if name == "_":
            self.observers.append((func, args, kwargs))
            return None
        return super().fbind(name, func, *args, **kwargs)

    def funbind(self, name: str, func: Callable, *args: Any, **kwargs: Any) -> Any:
        if name == "_":
            self.observers = [observer for observer in self.observers if not _same_binding(observer, func, args)]
            return None
        return super().funbind(name, func, *args, **kwargs)

    def switch(self, language: str) -> None:
        """Show ``language`` everywhere; layouts whose widgets are gone are forgotten."""
        if language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}")
        self.catalog = gettext.translation(DOMAIN, LOCALE_DIR, languages=[language])
        self.language = language
        alive = []
        for observer in self.observers:
            func, args, kwargs = observer
            try:
                func(*args, self, language, **kwargs)
            except ReferenceError:
                continue
            alive.append(observer)
        self.observers = alive

    def label(self, labels: Mapping[str, tuple[str, str]], value: str | None) -> str:
        """The word for a closed-vocabulary value (see ``sync.vocab``) in the shown language."""
        if value is None or value not in labels:
            return ""
        chinese, english = labels[value]
        return chinese if self.language == "zh" else english


def _same_binding(observer: tuple[Callable, tuple, dict], func: Callable, args: tuple) -> bool:
    """Compared by identity: kv's arguments hold weak proxies, which cannot be compared once dead."""
    return observer[0] is func and len(observer[1]) == len(args) and all(
        mine is theirs for mine, theirs in zip(observer[1], args, strict=True))


tr = Translator()


def _(text: str) -> str:
    return tr._(text)
