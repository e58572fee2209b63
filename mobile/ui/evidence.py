"""A photo as evidence: opened full size to zoom, captioned, marked, and removed only when confirmed.

The drawn mark is kept as vector data beside the photo (``photo_notes`` on the record, see
docs/protocol.md), in fractions of the photo's width and height from its top left, so the
photo's blob is never re-encoded and the evidence stays as the camera took it.

A photo the phone holds only as a thumbnail (someone else's, or the officer's own after a
phone swap) shows the thumbnail at once and fetches the full image when the phone is online,
saying plainly when it cannot; marks, in fractions, sit the same on either.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.graphics import Color, Line
from kivy.properties import BooleanProperty, ListProperty, ObjectProperty, StringProperty
from kivy.uix.modalview import ModalView
from kivy.uix.widget import Widget

from mobile.photo_fetch import PhotoFetcher
from mobile.session import Offline, RequestRejected
from mobile.ui.i18n import _

MARK_COLOUR = (0.9, 0.05, 0.05, 1)
MAX_STROKES = 20
MAX_POINTS = 500


def empty_note() -> dict[str, Any]:
    return {"taken_at": None, "caption": "", "mark": []}


class MarkLayer(Widget):
    """Lies over the photo inside the zoomable view; while ``drawing``, a finger draws the mark.

    ``picture`` is the photo's drawn rectangle (x, y, width, height) in this layer's coordinates.
    """

    strokes = ListProperty([])
    drawing = BooleanProperty(False)
    picture = ListProperty([0, 0, 1, 1])

    def on_touch_down(self, touch: Any) -> bool:
        if not self.drawing or not self.collide_point(*touch.pos) or len(self.strokes) >= MAX_STROKES:
            return super().on_touch_down(touch)
        touch.grab(self)
        self.strokes.append([self._fraction(touch.pos)])
        self.redraw()
        return True

    def on_touch_move(self, touch: Any) -> bool:
        if touch.grab_current is not self:
            return super().on_touch_move(touch)
        if len(self.strokes[-1]) < MAX_POINTS:
            self.strokes[-1].append(self._fraction(touch.pos))
            self.redraw()
        return True

    def on_touch_up(self, touch: Any) -> bool:
        if touch.grab_current is not self:
            return super().on_touch_up(touch)
        touch.ungrab(self)
        return True

    def _fraction(self, position: tuple[float, float]) -> list[float]:
        x, y, width, height = self.picture
        across = min(max((position[0] - x) / max(width, 1), 0.0), 1.0)
        down = min(max((y + height - position[1]) / max(height, 1), 0.0), 1.0)
        return [round(across, 4), round(down, 4)]

    def on_picture(self, *_args: Any) -> None:
        self.redraw()

    def redraw(self) -> None:
        x, y, width, height = self.picture
        self.canvas.after.clear()
        with self.canvas.after:
            Color(*MARK_COLOUR)
            for stroke in self.strokes:
                points = [value for across, down in stroke for value in (x + across * width, y + (1 - down) * height)]
                if len(points) == 2:
                    points += points
                Line(points=points, width=2.5)

    def clear(self) -> None:
        self.strokes = []
        self.redraw()


class PhotoViewer(ModalView):
    """One photo full size: pinch to zoom, its capture time in station time, a caption, a mark,
    and Delete, which asks first. Done writes the note into the photo field."""

    field = ObjectProperty(None)
    sha256 = StringProperty("")
    source = StringProperty("")
    taken_text = StringProperty("")
    locked = BooleanProperty(False)
    full_status = StringProperty("")
    """Why the full image is not shown yet ('' once it is)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        app = App.get_running_app()
        note = {**empty_note(), **self.field.notes.get(self.sha256, {})}
        self._show_picture()
        self.locked = self.field.locked
        self.taken_text = _("Taken %(time)s") % {"time": app.clock_text(note["taken_at"])} if note["taken_at"] \
            else _("Capture time not recorded")
        self.ids.caption.text = note["caption"]
        self.ids.mark.strokes = [list(stroke) for stroke in note["mark"]]

    def _show_picture(self) -> None:
        app = App.get_running_app()
        picture = app.images.picture(self.sha256)
        self.source = str(picture.path) if picture.path else ""
        sha256, images = self.sha256, app.images
        app.background.run(lambda: images.viewed(sha256))
        if picture.full:
            return
        if not app.online:
            self.full_status = self._offline_words()
            return
        self.full_status = _("Loading the full photo…")
        fetcher = PhotoFetcher(app.store, app.account.session())
        app.background.run(lambda: fetcher.fetch_full(sha256), self._full_arrived, self._full_failed)

    def _offline_words(self) -> str:
        return _("Offline · the full photo can be seen later") if self.source \
            else _("Offline · this photo is not on this phone yet")

    def _full_arrived(self, path: Path) -> None:
        self.source, self.full_status = str(path), ""

    def _full_failed(self, error: BaseException) -> None:
        if isinstance(error, Offline):
            self.full_status = self._offline_words()
        elif isinstance(error, RequestRejected) and error.status == 404:
            self.full_status = _("The server has no such photo for you.")
        else:
            self.full_status = _("The full photo could not be downloaded. Try again later.")

    def done(self) -> None:
        if not self.locked:
            note = self.field.notes.get(self.sha256) or empty_note()
            self.field.annotate(self.sha256, {**note, "caption": self.ids.caption.text.strip(),
                                              "mark": [list(stroke) for stroke in self.ids.mark.strokes]})
        self.dismiss()

    def ask_to_delete(self) -> None:
        ConfirmDelete(viewer=self).open()

    def delete(self) -> None:
        self.field.remove(self.sha256)
        self.dismiss()


class ConfirmDelete(ModalView):
    """Deleting evidence asks first; Cancel keeps the photo."""

    viewer = ObjectProperty(None)

    def confirm(self) -> None:
        self.dismiss()
        self.viewer.delete()
