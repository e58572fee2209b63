"""A rental house: its landlord (masked), who lives there now and who moved out, their permit applications.

Moving a resident out is two touches: the resident's button, then the same button again, which
now says what it will do. A house is marked verified today in one touch; a permit application is
taken in two, like a move-out.
"""

from __future__ import annotations

from kivy.properties import StringProperty
from kivy.uix.boxlayout import BoxLayout

from mobile.registry import applications, residents, shown, unverified
from mobile.store import LocalRecord
from mobile.ui.i18n import _, tr
from mobile.ui.screens.base import BeatlogScreen
from mobile.ui.widgets import Muted
from sync import clock, vocab
from sync.registry import is_open, registered_late

MOVE_OUT, PERMIT = "move_out", "permit"


class ResidentRow(BoxLayout):
    """One registration: who (masked), their document and dates, and the act it offers now."""

    record_id = StringProperty("")
    title = StringProperty("")
    subtitle = StringProperty("")
    move_out_text = StringProperty("")
    permit_text = StringProperty("")


class HouseScreen(BeatlogScreen):
    address = StringProperty("")
    landlord = StringProperty("")
    verified = StringProperty("")
    armed = StringProperty("")
    """``<act>:<registration id>`` after the first of a two-touch act's touches."""

    def show(self) -> None:
        house = self.app.records.get("rental_house", self.params["record_id"])
        if house is None:
            self.app.back()
            return
        data = shown(house)
        self.address = data["address"]
        self.landlord = " · ".join(filter(None, (_("Landlord %(name)s") % {"name": data["landlord_name"]},
                                                 data.get("landlord_phone"), data.get("landlord_id_number"))))
        verified = house.data.get("last_verified_at")
        last = _("Last verified %(when)s") % {"when": self.app.clock_text(verified)} if verified else \
            _("Never verified")
        self.verified = " · ".join(filter(None, (
            _("Not verified for 90 days") if unverified(house, clock.now()) else "", last)))
        self.armed = ""
        self._list(residents(self.app.records, house.id))

    def _list(self, registrations: list[LocalRecord]) -> None:
        column = self.ids.residents
        column.clear_widgets()
        applied = applications(self.app.records)
        for registration in registrations:
            column.add_widget(self._row(registration, applied.get(registration.id)))
        if not registrations:
            column.add_widget(Muted(text=_("Nobody is registered in this house yet.")))

    def _row(self, registration: LocalRecord, applied: LocalRecord | None) -> ResidentRow:
        data = shown(registration)
        kind = tr.label(vocab.DOCUMENT_KINDS, data["document_kind"])
        words = [f"{kind} {data['document_number']}", data.get("phone", ""),
                 _("moved in %(when)s") % {"when": self.app.clock_text(data["arrived_at"])}]
        if data.get("moved_out_at"):
            words.append(_("moved out %(when)s") % {"when": self.app.clock_text(data["moved_out_at"])})
        if data.get("superseded_at") and is_open(data):
            words.insert(0, _("Moved? Registered elsewhere since"))
        if registered_late(data):
            words.insert(0, _("Registered more than 24 hours after arriving"))
        title = f"{data.get('unit') or '—'} · {data['full_name'] or _('personal data removed')}"
        open_now = is_open(registration.data)
        return ResidentRow(
            record_id=registration.id, title=title, subtitle=" · ".join(word for word in words if word),
            move_out_text="" if not open_now else _("Tap again: moved out now") if self.armed == f"{MOVE_OUT}:"
            f"{registration.id}" else _("Moved out"),
            permit_text="" if not open_now or registration.data["document_kind"] != "resident_id" else
            tr.label(vocab.PERMIT_STATUSES, applied.data["status"]) if applied else
            _("Tap again: take the application") if self.armed == f"{PERMIT}:{registration.id}" else
            _("Residence permit"))

    def move_out(self, record_id: str) -> None:
        if self._second_touch(MOVE_OUT, record_id):
            self.app.records.save("occupant", {"moved_out_at": clock.local_now_text()}, record_id)
            self.app.toast(_("Moved out: the registration is closed."))
            self.app.sync_now()
            self.show()

    def take_permit(self, record_id: str) -> None:
        if record_id in applications(self.app.records) or not self._second_touch(PERMIT, record_id):
            return
        self.app.records.save("residence_permit", {
            "occupant_id": record_id, "officer_id": self.app.account.user["id"],
            "applied_at": clock.local_now_text(), "status": "applied"})
        self.app.toast(_("Residence permit application taken."))
        self.app.sync_now()
        self.show()

    def _second_touch(self, act: str, record_id: str) -> bool:
        if self.armed == f"{act}:{record_id}":
            self.armed = ""
            return True
        self.armed = f"{act}:{record_id}"
        self._list(residents(self.app.records, self.params["record_id"]))
        return False

    def verify(self) -> None:
        self.app.records.save("rental_house", {"last_verified_at": clock.local_now_text()}, self.params["record_id"])
        self.app.toast(_("House verified today."))
        self.app.sync_now()
        self.show()

    def register(self) -> None:
        self.app.go("occupant_form", house_id=self.params["record_id"])

    def edit(self) -> None:
        self.app.go("house_form", record_id=self.params["record_id"])
