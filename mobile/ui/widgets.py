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

from mobile.store import SyncState
from mobile.sync_client import PULL, PUSH, UPLOAD
from mobile.ui.i18n import _, tr

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
    """Online or offline, what waits to be sent, the last sync and progress; a tap syncs now."""

    def on_release(self) -> None:
        App.get_running_app().sync_now()


def sync_bar_text(online: bool, syncing: bool, pending: int, phase: str, done: int, total: int,
                  clock_text: str) -> str:
    if syncing:
        step = {UPLOAD: _("Sending photos"), PUSH: _("Sending records"),
                PULL: _("Receiving updates")}.get(phase, _("Syncing"))
        return f"{step} {done}/{total}" if total else step
    parts = [_("Online") if online else _("Offline")]
    if pending:
        parts.append(tr.n_("%(count)d record waiting", "%(count)d records waiting", pending) % {"count": pending})
    else:
        parts.append(_("Everything sent"))
    parts.append(_("Last sync %(time)s") % {"time": clock_text} if clock_text else _("Never synced"))
    return " · ".join(parts)


class Body(Label):
    pass


class Muted(Body):
    pass


class Heading(Body):
    pass


class SectionHeading(Heading):
    pass


class Banner(Body):
    colour = ListProperty(list(WARNING))


class Toast(Label):
    pass


class FieldError(Label):
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


class ChoiceButton(ToggleButton):
    choice = StringProperty("")
    chosen_colour = ListProperty(list(PRIMARY))


class Choices(GridLayout):
    """One of a few values as big toggle buttons. ``labels`` is a ``sync.vocab`` mapping or
    a dict of value to translated word; the buttons follow the language."""

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
