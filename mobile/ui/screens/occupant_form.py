"""A resident registered in a house (人来登记), offline: the ID number checked as it is typed.

The number is checked character by character (``sync.identity.typing_problem``): a birth date
that is no date, or in the future, and a region code that issued no cards in that year show as
soon as they are typed, and a mistyped character as soon as the check digit is in. A passport
asks for the nationality and the visa; the registration time is now, the arrival the officer's.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from kivy.properties import BooleanProperty, StringProperty

from mobile.forms import Problem
from mobile.ui.explain import problem_text
from mobile.ui.i18n import _
from mobile.ui.screens.base import FormScreen
from sync import clock
from sync.identity import normalise_resident_id, typing_problem
from sync.registry import normalise_document

TEXT_FIELDS = ("full_name", "phone", "household_place", "employer")
ARRIVED = "%Y-%m-%d %H:%M"


def document_typing_text(kind: str, typed: str, today: date) -> str:
    """What is already wrong with a resident ID typed so far, in the officer's words ("" while it may be right)."""
    if kind != "resident_id" or not typed:
        return ""
    return {
        "format": _("17 digits, then a digit or X."),
        "birth_date": _("The birth date (characters 7 to 14) is not a real date, or is in the future."),
        "region": _("The first 6 digits are not a region that issued cards in that birth year."),
        "check_digit": _("The last character does not match: a character is mistyped."),
    }.get(typing_problem(typed, today) or "", "")


class OccupantFormScreen(FormScreen):
    record_type = "occupant"
    title = StringProperty("")
    typing = StringProperty("")
    foreign = BooleanProperty(False)

    def show(self) -> None:
        registration = self.stored_record(self.params)
        data = {**(registration.data if registration else {}), **self.draft_fields}
        house = self.app.records.get("rental_house", data.get("house_id") or self.params.get("house_id", ""))
        self.title = _("Registration") if registration else _("Register a resident")
        units = (house.data.get("units") if house else None) or []
        self.ids.unit.labels = {unit: unit for unit in units}
        self.ids.unit.value = data.get("unit", "")
        for name in TEXT_FIELDS:
            self.ids[name].text = data.get(name, "")
        self.ids.document_kind.value = data.get("document_kind", "resident_id")
        self.ids.document_number.text = data.get("document_number", "")
        self.ids.nationality.text = data.get("nationality", "")
        self.ids.visa_type.text = data.get("visa_type", "")
        self.ids.verification.value = data.get("verification", "document_seen")
        arrived = data.get("arrived_at")
        self.ids.arrived_at.text = (datetime.fromisoformat(arrived) if arrived else clock.local_now()).strftime(ARRIVED)
        self.kind_chosen(self.ids.document_kind.value)
        self.errors = {}

    def kind_chosen(self, kind: str) -> None:
        self.foreign = kind == "passport"
        self.check_typing(self.ids.document_number.text)

    def check_typing(self, text: str) -> None:
        self.typing = document_typing_text(self.ids.document_kind.value, normalise_resident_id(text), clock.today())

    def gather(self) -> dict[str, Any]:
        kind = self.ids.document_kind.value or "resident_id"
        data: dict[str, Any] = {name: self.ids[name].text.strip() for name in TEXT_FIELDS}
        data.update(unit=self.ids.unit.value or "", document_kind=kind,
                    document_number=normalise_document(kind, self.ids.document_number.text),
                    nationality=self.ids.nationality.text.strip().upper() if kind == "passport" else "",
                    visa_type=self.ids.visa_type.text.strip().upper() if kind == "passport" else "",
                    verification=self.ids.verification.value or "document_seen", arrived_at=self._arrived())
        if not self.params.get("record_id"):
            data.update(house_id=self.params["house_id"], officer_id=self.app.account.user["id"],
                        registered_at=clock.local_now_text())
        return data

    def _arrived(self) -> str:
        """The arrival typed (station time, ``YYYY-MM-DD HH:MM``) as a device time; as typed when it is no time."""
        typed = self.ids.arrived_at.text.strip()
        try:
            moment = datetime.strptime(typed, ARRIVED)
        except ValueError:
            return typed
        return moment.replace(tzinfo=clock.local_now().tzinfo).isoformat()

    def draft_values(self) -> dict[str, Any]:
        return self.gather()

    def save(self) -> None:
        record_id = self.params.get("record_id")
        saved = self.keep("occupant", self.gather(), record_id)
        if saved is not None:
            self.app.back()

    def show_problems(self, problems: list[Problem]) -> None:
        self.errors = {problem.field.split(".")[0]: problem_text(problem) for problem in problems}
        self.watch_fixes()
