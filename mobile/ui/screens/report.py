"""Reporting a car or a damaged traffic facility to traffic police, in a few touches.

The kind starts at illegal parking (most reports), the plate at the province and office of the
officer's last report (浙F on a Jiaxing beat), and the place at the venue the report was opened
from, or the nearest venue to the phone's position; so Report, five plate keys, a photo and Send
make a report. The plate keyboard offers only what may come next: a province's character, then
the office's letter, then letters (never I or O) and digits.
"""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import ListProperty, ObjectProperty, StringProperty
from marshmallow import ValidationError

from mobile.recent import nearby_venues
from mobile.ui.explain import field_list
from mobile.ui.i18n import _
from mobile.ui.screens.base import FormScreen
from mobile.work_orders import PlateHistory, plate_history, report
from sync import vocab
from sync.plates import LETTERS, PROVINCES, PlateError, display, is_canonical, normalise
from sync.records import VEHICLE_KINDS

PREFIX_KEY = "plate_prefix"
DEFAULT_PREFIX = "浙F"
MAX_PLATE = 8


def keys_after(plate: str) -> list[str]:
    """The keys that may come next after ``plate`` (typed so far, canonical)."""
    if not plate:
        return list(PROVINCES)
    if len(plate) == 1:
        return list(LETTERS)
    if len(plate) >= MAX_PLATE:
        return []
    return [*"0123456789", *LETTERS]


class ReportScreen(FormScreen):
    """The report form; like every form it keeps what the officer entered as a draft (``FormScreen``)."""

    record_type = "work_order"
    plate = StringProperty("")
    plate_shown = StringProperty("")
    keys = ListProperty([])
    message = StringProperty("")
    history = StringProperty("")
    repeat = StringProperty("")
    kind_labels = ObjectProperty(vocab.WORK_ORDER_KINDS)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fbind("plate", self.autosave.edited)

    def show(self) -> None:
        """A new report, or the draft of one the officer left (Back, or the app was killed)."""
        draft = self.draft_fields
        self.message = ""
        self.ids.kind.value = draft.get("kind") or "illegal_parking"
        self.set_plate(draft.get("plate") or self.app.store.get_meta(PREFIX_KEY, DEFAULT_PREFIX))
        self.ids.address.text = draft.get("address") or self._place()
        self.ids.note.text = draft.get("note", "")
        self.ids.colour.text = draft.get("vehicle_colour", "")
        self.ids.make.text = draft.get("vehicle_make", "")
        self.ids.photos.load(draft.get("photo_hashes", []), {})

    def draft_values(self) -> dict[str, Any]:
        return {"kind": self.ids.kind.value, "plate": self.plate, "address": self.ids.address.text,
                "note": self.ids.note.text, "vehicle_colour": self.ids.colour.text,
                "vehicle_make": self.ids.make.text, "photo_hashes": list(self.ids.photos.hashes)}

    def _place(self) -> str:
        """The venue this was opened from, or the nearest one to the phone's position: the place to start from."""
        venue = self.app.records.get("venue", self.params["venue_id"]) if self.params.get("venue_id") else None
        if venue is None:
            near = nearby_venues(self.app.records, self.app.location.current(), limit=1)
            venue = near[0] if near else None
        return _("Near %(venue)s, %(address)s") % {"venue": venue.data["name"], "address": venue.data["address"]} \
            if venue is not None else ""

    def set_plate(self, plate: str) -> None:
        self.plate = plate
        self.plate_shown = display(plate) if is_canonical(plate) else plate
        self.keys = keys_after(plate)
        self.history = self.repeat = ""
        if is_canonical(plate):
            self._tell_history(plate_history(self.app.records, plate))

    def _tell_history(self, known: PlateHistory) -> None:
        """What the vehicle file says of the plate typed: a warning if a report now is a repeat."""
        if known.repeat:
            self.repeat = _("Reports of this plate in the last thirty days: %(count)d. This report will be "
                            "flagged as a repeat.") % {"count": known.lately}
        elif known.lately:
            self.history = _("Reports of this plate in the last thirty days: %(count)d.") % {"count": known.lately}
        elif known.total and known.last is not None:
            self.history = _("Reports of this plate: %(count)d, the last on %(time)s.") % {
                "count": known.total, "time": self.app.clock_text(known.last.isoformat())}
        else:
            self.history = _("No report of this plate that this phone knows of.")

    def on_keys(self, _instance: Any, keys: list[str]) -> None:
        """The keyboard shows only the keys that may come next."""
        board = self.ids.plate_keys
        board.clear_widgets()
        for character in keys:
            board.add_widget(Factory.PlateKey(text=character, on_release=lambda key: self.key(key.text)))

    def key(self, character: str) -> None:
        self.set_plate(self.plate + character)

    def erase(self) -> None:
        self.set_plate(self.plate[:-1])

    def send(self) -> None:
        kind = self.ids.kind.value or "illegal_parking"
        plate = self.plate if len(self.plate) > 2 or kind in VEHICLE_KINDS else ""
        try:
            plate = normalise(plate) if plate else ""
            saved = report(self.app.records, self.app.account.user, kind, self.ids.address.text.strip(),
                           plate=plate, note=self.ids.note.text.strip(), photo_hashes=list(self.ids.photos.hashes),
                           vehicle_colour=self.ids.colour.text.strip(), vehicle_make=self.ids.make.text.strip(),
                           **self._where())
        except PlateError:
            self.message = _("The plate is not complete: 7 characters, or 8 on a new-energy vehicle.")
            return
        except ValidationError as error:
            self.message = _("Fill in: %(fields)s") % {"fields": field_list(error.normalized_messages())}
            return
        self.autosave.finish(keep=False)
        self.restored = False
        if plate:
            self.app.store.set_meta(PREFIX_KEY, plate[:2])
        self.app.toast(_("Reported · sent to traffic police at the next sync"))
        self.app.go("order", remember=False, record_id=saved.id)

    def _where(self) -> dict[str, Any]:
        fix = self.app.location.current()
        where: dict[str, Any] = {"location": fix.wire()} if fix is not None else {}
        if self.params.get("venue_id"):
            where["venue_id"] = self.params["venue_id"]
        return where
