"""Widgets the screens share: the top bar, the sync bar, choices, record rows, the signature pad.

Sizes suit a gloved thumb (touch targets of at least 56 dp) and colours stay legible in
sunlight (dark text on a light ground, strong accents); ``widgets.kv`` draws them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kivy.app import App
from kivy.graphics import Color, Line
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.togglebutton import ToggleButton
from kivy.uix.widget import Widget

from mobile.store import LocalRecord, SyncState
from mobile.sync_client import PULL, PUSH, UPLOAD
from mobile.ui.explain import attention_text
from mobile.ui.i18n import _, tr
from mobile.ui.linebreak import break_lines

INK = (0.1, 0.1, 0.12, 1)
PRIMARY = (0.05, 0.28, 0.63, 1)
DANGER = (0.72, 0.08, 0.08, 1)
WARNING = (0.72, 0.4, 0.0, 1)
GOOD = (0.08, 0.45, 0.18, 1)
MUTED = (0.38, 0.38, 0.42, 1)

STATE_COLOURS = {
    SyncState.DRAFT: MUTED,
    SyncState.QUEUED: WARNING,
    SyncState.SENDING: PRIMARY,
    SyncState.SYNCED: GOOD,
    SyncState.CONFLICT: DANGER,
    SyncState.REJECTED: DANGER,
}


def state_word(state: SyncState) -> str:
    return {
        SyncState.DRAFT: _("Draft"),
        SyncState.QUEUED: _("Waiting to send"),
        SyncState.SENDING: _("Sending"),
        SyncState.SYNCED: _("Synced"),
        SyncState.CONFLICT: _("Conflict"),
        SyncState.REJECTED: _("Not accepted"),
    }[state]


class TopBar(BoxLayout):
    title = StringProperty("")
    can_go_back = BooleanProperty(True)


class SyncBar(ButtonBehavior, BoxLayout):
    """Online or offline, what needs the officer, what waits to be sent, the last sync and progress.

    A tap syncs now; while records need the officer it opens the sync state screen instead,
    where they are explained (and where Sync now is a button of its own).
    """

    def on_release(self) -> None:
        app = App.get_running_app()
        if app.attention and app.root.current != "outbox":
            app.go("outbox")
        else:
            app.sync_asked()


def sync_bar_text(online: bool, syncing: bool, pending: int, phase: str, done: int, total: int,
                  clock_text: str, attention: int = 0) -> str:
    if syncing:
        step = {UPLOAD: _("Sending photos"), PUSH: _("Sending records"),
                PULL: _("Receiving updates")}.get(phase, _("Syncing"))
        return f"{step} {done}/{total}" if total else step
    parts = [_("Online") if online else _("Offline")]
    if attention:
        parts.append(tr.n_("%(count)d needs your attention", "%(count)d need your attention", attention)
                     % {"count": attention})
    if pending:
        parts.append(tr.n_("%(count)d record waiting", "%(count)d records waiting", pending) % {"count": pending})
    elif not attention:
        parts.append(_("Everything sent"))
    parts.append(_("Last sync %(time)s") % {"time": clock_text} if clock_text else _("Never synced"))
    return " · ".join(parts)


class WrappedLabel(Label):
    """A label whose wrapped lines follow Chinese line-breaking rules (:mod:`mobile.ui.linebreak`):
    the lines are broken here, each fitting the width, so Kivy breaks none itself."""

    def texture_update(self, *largs: Any) -> None:
        width = self.text_size[0]
        if width and self.text and not self.markup and not self.shorten:
            room = width - self.padding[0] - self.padding[2]
            self._label.text = break_lines(self.text, room, lambda piece: self._label.get_extents(piece)[0])
        super().texture_update(*largs)


class Body(WrappedLabel):
    pass


class Muted(Body):
    pass


class Heading(Body):
    pass


class SectionHeading(Heading):
    pass


class Banner(Body):
    colour = ListProperty(list(WARNING))


class ConflictBanner(ButtonBehavior, Banner):
    """On a record's own screen: the record is held in conflict or refused; a tap opens the sync state screen."""

    record = ObjectProperty(None, allownone=True)

    def on_record(self, _instance: Any, record: LocalRecord | None) -> None:
        if record is None or record.state not in (SyncState.CONFLICT, SyncState.REJECTED):
            self.text = ""
            return
        self.text = f"{attention_text(record)}\n" + _("Tap to see why and what happens next.")

    def on_release(self) -> None:
        if self.text:
            App.get_running_app().go("outbox")


class Toast(WrappedLabel):
    pass


class FieldError(WrappedLabel):
    pass


class RecordRow(ButtonBehavior, BoxLayout):
    record_type = StringProperty("")
    record_id = StringProperty("")
    title = StringProperty("")
    subtitle = StringProperty("")
    badge = StringProperty("")
    badge_colour = ListProperty(list(MUTED))
    target = StringProperty("")

    def on_release(self) -> None:
        """Open the record; a row with no target (work on a record no longer here) opens nothing."""
        if self.target:
            App.get_running_app().go(self.target, record_id=self.record_id)


def record_row(record_type: str, record_id: str, title: str, subtitle: str, state: SyncState | None,
               target: str) -> dict[str, Any]:
    """A row's properties, for a RecycleView's data or ``RecordRow(**row)``; synced records carry no badge."""
    return {"record_type": record_type, "record_id": record_id, "title": title, "subtitle": subtitle,
            "badge": state_word(state) if state not in (None, SyncState.SYNCED) else "",
            "badge_colour": list(STATE_COLOURS[state]) if state is not None else list(MUTED), "target": target}


class VenueChip(ButtonBehavior, Label):
    """A venue one tap away (on Today): its name on a button, opening the venue."""

    record_type = StringProperty("venue")
    record_id = StringProperty("")
    title = StringProperty("")

    def on_release(self) -> None:
        App.get_running_app().go("venue", record_id=self.record_id)


class ChoiceButton(ToggleButton):
    """One value of a ``Choices``; ``chosen_colour`` is its colour when chosen (empty: the theme's primary)."""

    choice = StringProperty("")
    chosen_colour = ListProperty([])


class Choices(GridLayout):
    """One of a few values as big toggle buttons. ``labels`` is a ``sync.vocab`` mapping or
    a dict of value to translated word; the buttons follow the language. ``on_chosen`` fires when the
    officer picks a value (not when a screen loads one)."""

    __events__ = ("on_chosen",)
    labels = ObjectProperty({})
    value = StringProperty("", allownone=True)
    allow_none = BooleanProperty(False)
    disabled_choice = BooleanProperty(False)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        tr.bind(language=self._relabel)

    def on_labels(self, _instance: Any, labels: Mapping[str, Any]) -> None:
        self.clear_widgets()
        for choice in labels:
            button = ChoiceButton(choice=choice, group=None, allow_no_selection=self.allow_none)
            button.bind(on_release=self._picked)
            self.add_widget(button)
        self._relabel()
        self.on_value(self, self.value)

    def _relabel(self, *_args: Any) -> None:
        for button in self.children:
            word = self.labels[button.choice]
            button.text = tr.label(self.labels, button.choice) if isinstance(word, tuple) else str(word)

    def _picked(self, button: ChoiceButton) -> None:
        self.value = button.choice if button.state == "down" or not self.allow_none else ""
        self.on_value(self, self.value)
        self.dispatch("on_chosen", self.value)

    def on_chosen(self, value: str) -> None:
        pass

    def on_value(self, _instance: Any, value: str | None) -> None:
        for button in self.children:
            button.state = "down" if button.choice == value else "normal"

    def button_for(self, choice: str) -> ChoiceButton:
        return next(button for button in self.children if button.choice == choice)


class SignaturePad(Widget):
    """The venue representative signs with a finger; strokes are kept in the pad's pixels."""

    strokes = ListProperty([])
    signed = BooleanProperty(False)
    ink_width = NumericProperty(2.0)

    def on_touch_down(self, touch: Any) -> bool:
        if not self.collide_point(*touch.pos):
            return super().on_touch_down(touch)
        touch.grab(self)
        with self.canvas:
            Color(*INK)
            touch.ud["signature_line"] = Line(points=[*touch.pos], width=self.ink_width)
        self.strokes.append([self._pad_point(touch.pos)])
        return True

    def on_touch_move(self, touch: Any) -> bool:
        if touch.grab_current is not self:
            return super().on_touch_move(touch)
        if self.collide_point(*touch.pos):
            touch.ud["signature_line"].points += [*touch.pos]
            self.strokes[-1].append(self._pad_point(touch.pos))
        return True

    def on_touch_up(self, touch: Any) -> bool:
        if touch.grab_current is not self:
            return super().on_touch_up(touch)
        touch.ungrab(self)
        self.signed = True
        return True

    def _pad_point(self, position: tuple[float, float]) -> tuple[float, float]:
        """From window coordinates to the pad's pixels, origin top left (as images are drawn)."""
        return position[0] - self.x, self.top - position[1]

    def scaled_strokes(self, size: tuple[int, int]) -> list[list[tuple[float, float]]]:
        sx, sy = size[0] / max(self.width, 1), size[1] / max(self.height, 1)
        return [[(x * sx, y * sy) for x, y in stroke] for stroke in self.strokes]

    def clear(self) -> None:
        self.strokes = []
        self.signed = False
        self.canvas.clear()
