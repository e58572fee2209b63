"""Autosaving an open form, and asking "keep draft / discard" when the officer leaves it.

Every change of a form's field fires one ``Clock`` trigger; when it runs, the form's values
go to the store (:class:`mobile.store.FormDrafts`) on the app's background runner, so typing
costs one write per pause rather than one per keystroke, and the UI thread never waits for
SQLite. At most one write is under way; a newer one waits for it, so they land in order.
When the app pauses or closes, nothing waits: the write under way is awaited and the rest are
written at once on the UI thread (after shutdown no Clock callback would start them).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from concurrent.futures import Future, wait
from functools import partial
from typing import TYPE_CHECKING, Any

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import ObjectProperty
from kivy.uix.modalview import ModalView
from kivy.uix.textinput import TextInput
from kivy.uix.togglebutton import ToggleButton

from mobile.store.drafts import FormDraft, draft_key
from mobile.ui.capture import PhotoField, SignatureField
from mobile.ui.widgets import ChoiceButton, Choices

if TYPE_CHECKING:
    from mobile.ui.screens.base import FormScreen

log = logging.getLogger(__name__)
AUTOSAVE_DELAY = 0.4
"""Seconds of calm before the form's values are written; a pause between words, not a lost sentence."""
VOLATILE_FIELDS = ("location", "inspected_at")
"""Values that change by themselves (a GPS fix arriving, the clock) and are not the officer's edits."""


def watched_properties(widget: Any) -> tuple[str, ...]:
    """Which properties of a form widget hold what the officer entered."""
    if isinstance(widget, TextInput):
        return ("text",)
    if isinstance(widget, Choices):
        return ("value",)
    if isinstance(widget, ToggleButton) and not isinstance(widget, ChoiceButton):
        return ("state",)
    if isinstance(widget, PhotoField):
        return ("hashes", "notes")
    if isinstance(widget, SignatureField):
        return ("sha256", "signer_name")
    return ()


def comparable(values: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in values.items() if name not in VOLATILE_FIELDS}


class Autosave:
    """Keeps one form's unsaved values in the store while it is open."""

    def __init__(self, screen: FormScreen) -> None:
        self.screen = screen
        self.trigger = Clock.create_trigger(self._write, AUTOSAVE_DELAY)
        self.active = False
        self.params: dict[str, Any] = {}
        self.base: dict[str, Any] | None = None
        self.opened: dict[str, Any] = {}
        self.written: dict[str, Any] | None = None
        self.running = False
        self.under_way: Future | None = None
        self.waiting: list[tuple[str, Callable[[], Any]]] = []
        self.unwritten: dict[str, FormDraft | None] = {}
        """Drafts queued but not yet in the store (None: being discarded), so reopening sees the newest."""
        self.watched: set[int] = set()
        self.app: Any = None

    @property
    def drafts(self) -> Any:
        return self.app.drafts

    def closed(self) -> bool:
        """The app this form was opened in has stopped (its store closed): nothing more is written."""
        return self.app is None or self.app.store is None

    def draft_for(self, params: dict[str, Any]) -> FormDraft | None:
        """The kept draft of the form being opened with ``params``, the newest whether written yet or not."""
        self.app = App.get_running_app()
        key = draft_key(self.screen.name, params)
        if key in self.unwritten:
            return self.unwritten[key]
        return self.drafts.get(self.screen.name, params)

    def drop(self, params: dict[str, Any]) -> None:
        """Throw away the kept draft of the form opened with ``params`` (it no longer fits its record)."""
        self._run(params, partial(self.drafts.discard, self.screen.name, params), None)

    def start(self, params: dict[str, Any], base: dict[str, Any] | None) -> None:
        """The form now shows what it opened with (the record holding ``base``, or a kept draft over it)."""
        self.params = dict(params)
        self.base = base
        self.opened = comparable(self.screen.draft_values())
        self.written = None
        self.active = not self.screen.read_only()
        self.watch()

    def watch(self) -> None:
        """Hear every change of the fields the form shows now (call again when fields join the form)."""
        for widget in self.screen.walk(restrict=True):
            properties = watched_properties(widget)
            if properties and widget.uid not in self.watched:
                for name in properties:
                    widget.fbind(name, self.edited)
                self.watched.add(widget.uid)

    def edited(self, *_args: Any) -> None:
        if self.active:
            self.trigger()

    @property
    def unsaved(self) -> bool:
        """The form holds edits the record does not: made now, or restored from a kept draft."""
        return self.active and (self.screen.restored or comparable(self.screen.draft_values()) != self.opened)

    def flush(self) -> None:
        """The app pauses or closes: the form's values reach the store now, before this returns."""
        self.trigger.cancel()
        if self.active:
            self._write()
        self.settle()

    def settle(self) -> None:
        """Wait for the write under way, then write what waits for it here, on the calling thread."""
        if self.under_way is not None:
            wait([self.under_way])
        while self.waiting and not self.closed():
            _key, work = self.waiting.pop(0)
            try:
                work()
            except sqlite3.Error as error:
                self._log_failure(error)
        self.unwritten.clear()

    def _write(self, *_args: Any) -> None:
        if self.closed() or not self.unsaved:
            return
        values = self.screen.draft_values()
        if values == self.written:
            return
        self.written = values
        self._run(self.params, partial(self.drafts.keep, self.screen.name, self.params, values, self.base),
                  self._draft(values))

    def finish(self, keep: bool) -> None:
        """The officer leaves the form: keep its values for next time, or forget them (saved or discarded)."""
        if not self.active and not keep:
            return
        self.trigger.cancel()
        unsaved, self.active = self.unsaved, False
        if keep:
            values = self.screen.draft_values()
            self._run(self.params, partial(self.drafts.keep, self.screen.name, self.params, values, self.base,
                                           still_open=False), self._draft(values))
        elif unsaved or self.written is not None:
            self.drop(self.params)

    def _draft(self, values: dict[str, Any]) -> FormDraft:
        return FormDraft(self.screen.name, self.params, values, self.base)

    def _run(self, params: dict[str, Any], work: Callable[[], Any], draft: FormDraft | None) -> None:
        """One write at a time, in order; a newer write of the same form replaces one still waiting."""
        key = draft_key(self.screen.name, params)
        self.unwritten[key] = draft
        self.waiting = [(waiting_key, job) for waiting_key, job in self.waiting if waiting_key != key]
        self.waiting.append((key, work))
        if not self.running:
            self._next()

    def _next(self, *_args: Any) -> None:
        self.running = bool(self.waiting) and not self.closed()
        if not self.running:
            self.under_way = None
            self.unwritten.clear()
            return
        _key, work = self.waiting.pop(0)
        self.under_way = self.app.background.run(work, self._next, self._failed)

    def _failed(self, error: BaseException) -> None:
        self._log_failure(error)
        self._next()

    @staticmethod
    def _log_failure(error: BaseException) -> None:
        log.error("a form draft was not stored", exc_info=error)


class LeaveFormSheet(ModalView):
    """Back on a form with unsaved edits: keep them as a draft on this phone, or throw them away."""

    screen = ObjectProperty(None)

    def keep(self) -> None:
        self._leave(keep=True)

    def discard(self) -> None:
        self._leave(keep=False)

    def _leave(self, keep: bool) -> None:
        self.dismiss(animation=False)
        self.screen.autosave.finish(keep)
        App.get_running_app().leave()
