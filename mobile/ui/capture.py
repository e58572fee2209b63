"""Photos and the position fix, as fields of the inspection and follow-up forms.

A photo comes from the phone's camera, or on a desktop from an image file the officer
picks. Shrinking and re-encoding it (Pillow, in ``mobile.services.photos``) runs off the UI
thread; the thumbnail appears when it is stored. A photo someone else took shows its
thumbnail once the sync thread has fetched it (``mobile.photo_fetch``), and until then a
tile that says it is not downloaded yet; the tiles redraw as pictures arrive (``app.pictures``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import (
    BooleanProperty,
    DictProperty,
    ListProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.image import Image
from kivy.uix.modalview import ModalView
from kivy.uix.popup import Popup

from mobile.services.location import Fix
from mobile.services.photos import PhotoTooLarge
from mobile.ui.evidence import PhotoViewer, empty_note
from mobile.ui.i18n import _
from sync import clock

SIGNATURE_SIZE = (600, 240)
IMAGE_PATTERNS = ["*.jpg", "*.jpeg", "*.png", "*.JPG", "*.JPEG", "*.PNG"]


def picture_source(sha256: str | None, _pictures: int = 0) -> str:
    """The file to show for a photo or signature: the full image, else its thumbnail, else ''.

    Layouts pass ``app.pictures`` too, so that they ask again whenever a picture arrives or goes.
    """
    path = App.get_running_app().images.picture(sha256).path if sha256 else None
    return str(path) if path else ""


class Thumbnail(ButtonBehavior, Image):
    """A photo's tile: its picture, or a grey tile saying it is not downloaded yet."""

    sha256 = StringProperty("")


class PhotoPicker(Popup):
    """The desktop stand-in for a camera: pick an image file; ``receiver.process(path)`` gets it."""

    receiver = ObjectProperty(None)
    patterns = ListProperty(IMAGE_PATTERNS)
    start_path = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(start_path=os.environ.get("BEATLOG_PHOTO_DIR") or str(Path.home()), **kwargs)

    def use(self, selection: list[str]) -> None:
        if selection:
            self.dismiss()
            self.receiver.process(Path(selection[0]))


class PhotoField(BoxLayout):
    """The record's photos as thumbnails; a tap opens one as evidence (``mobile.ui.evidence``)."""

    hashes = ListProperty([])
    notes = DictProperty({})
    """Photo hash → its note (capture time, caption, mark), the record's ``photo_notes``."""
    working = BooleanProperty(False)
    error = StringProperty("")
    locked = BooleanProperty(False)

    def on_hashes(self, *_args: Any) -> None:
        strip = self.ids.strip
        strip.clear_widgets()
        for sha256 in self.hashes:
            thumbnail = Thumbnail(sha256=sha256)
            thumbnail.bind(on_release=lambda widget: self.view(widget.sha256))
            strip.add_widget(thumbnail)

    def take(self) -> None:
        app = App.get_running_app()
        if not app.camera.take_picture(lambda path: Clock.schedule_once(lambda _dt: self.process(path))):
            PhotoPicker(receiver=self, title=_("Choose a photo")).open()

    def process(self, path: Path) -> None:
        app = App.get_running_app()
        self.working, self.error = True, ""
        app.background.run(lambda: app.media.add_photo(path), self._stored, self._failed)

    def _stored(self, sha256: str) -> None:
        self.working = False
        if sha256 not in self.hashes:
            self.notes[sha256] = {**empty_note(), "taken_at": clock.now_text()}
            self.hashes.append(sha256)

    def load(self, hashes: list[str], notes: dict[str, Any]) -> None:
        self.notes = {sha256: note for sha256, note in notes.items() if sha256 in hashes}
        self.hashes = list(hashes)

    def wire_notes(self) -> dict[str, Any]:
        """The notes of the photos the record still has, for its ``photo_notes``."""
        return {sha256: dict(note) for sha256, note in self.notes.items() if sha256 in self.hashes}

    def view(self, sha256: str) -> None:
        PhotoViewer(field=self, sha256=sha256).open()

    def annotate(self, sha256: str, note: dict[str, Any]) -> None:
        self.notes[sha256] = note

    def _failed(self, error: BaseException) -> None:
        self.working = False
        self.error = _("The photo is too large even after shrinking it.") if isinstance(error, PhotoTooLarge) \
            else _("This file is not a photo that can be used.")

    def remove(self, sha256: str) -> None:
        if not self.locked and sha256 in self.hashes:
            self.notes.pop(sha256, None)
            self.hashes.remove(sha256)


class SignatureSheet(ModalView):
    """The phone handed to the venue's representative: their name, a full-width pad, Clear and Done.

    The name starts as the one the record already has, else the venue's person in charge, so
    the usual signer costs no touch.
    """

    deliver = ObjectProperty(None)
    signer_name = StringProperty("")

    def done(self) -> None:
        pad = self.ids.pad
        if not pad.signed:
            return
        app = App.get_running_app()
        strokes = pad.scaled_strokes(SIGNATURE_SIZE)
        name = self.ids.signer_name.text.strip()
        self.dismiss()
        app.background.run(lambda: app.media.add_signature(strokes, SIGNATURE_SIZE),
                           lambda sha256: self.deliver(sha256, name))


class SignatureField(BoxLayout):
    """The signature as stored (a PNG blob) with the signer's name, and the button that opens the pad."""

    sha256 = StringProperty("", allownone=True)
    signer_name = StringProperty("")
    default_signer = StringProperty("")
    """The venue's person in charge: the name the pad offers when the record names no signer yet."""
    locked = BooleanProperty(False)

    def sign(self) -> None:
        SignatureSheet(deliver=self._signed, signer_name=self.signer_name or self.default_signer).open()

    def _signed(self, sha256: str, name: str) -> None:
        self.sha256, self.signer_name = sha256, name


class PositionField(BoxLayout):
    fix = ObjectProperty(None, allownone=True)
    locked = BooleanProperty(False)

    def update(self) -> None:
        self.fix = App.get_running_app().location.current()

    def describe(self, fix: Fix | None, _language: str) -> str:
        if fix is None:
            return _("No position yet. Step outside and tap Update.")
        words = f"{fix.lat:.5f}, {fix.lon:.5f}"
        if fix.accuracy_m is not None:
            words += " · " + _("within %(metres)d m") % {"metres": round(fix.accuracy_m)}
        if fix.mocked:
            words += " · " + _("test position, not a real fix")
        return words

    def wire(self) -> dict[str, Any] | None:
        return self.fix.wire() if self.fix is not None else None

    def load(self, location: dict[str, Any] | None) -> None:
        self.fix = Fix(**location) if location else None
