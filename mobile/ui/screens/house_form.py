"""A rental house registered in the field, or its landlord and rooms corrected.

The landlord's ID number is checked as it is typed (``sync.identity.typing_problem``), like a
resident's. Rooms or beds are typed separated by commas or spaces (101, 102, 201).
"""

from __future__ import annotations

import re
from typing import Any

from kivy.properties import StringProperty

from mobile.forms import Problem
from mobile.ui.explain import problem_text
from mobile.ui.i18n import _
from mobile.ui.screens.base import FormScreen
from mobile.ui.screens.occupant_form import document_typing_text
from sync import clock
from sync.identity import normalise_resident_id

TEXT_FIELDS = ("address", "landlord_name", "landlord_phone")


class HouseFormScreen(FormScreen):
    record_type = "rental_house"
    title = StringProperty("")
    typing = StringProperty("")

    def show(self) -> None:
        house = self.app.records.get("rental_house", self.params["record_id"]) if self.params.get("record_id") \
            else None
        data = {**(house.data if house else {}), **self.draft_fields}
        self.title = _("Edit house") if house else _("Register a house")
        for name in TEXT_FIELDS:
            self.ids[name].text = data.get(name, "")
        self.ids.landlord_id_number.text = data.get("landlord_id_number", "")
        self.ids.units.text = " ".join(data.get("units") or ())
        self.errors = {}

    def check_typing(self, text: str) -> None:
        self.typing = document_typing_text("resident_id", normalise_resident_id(text), clock.today())

    def gather(self) -> dict[str, Any]:
        data: dict[str, Any] = {name: self.ids[name].text.strip() for name in TEXT_FIELDS}
        data["landlord_id_number"] = normalise_resident_id(self.ids.landlord_id_number.text)
        data["units"] = [unit for unit in re.split(r"[\s,，、]+", self.ids.units.text) if unit]
        if not self.params.get("record_id"):
            data.update(room_id=self.app.account.user["room_id"], officer_id=self.app.account.user["id"],
                        last_verified_at=clock.local_now_text())
        return data

    def draft_values(self) -> dict[str, Any]:
        return self.gather()

    def save(self) -> None:
        record_id = self.params.get("record_id")
        saved = self.keep("rental_house", self.gather(), record_id)
        if saved is None:
            return
        if record_id:
            self.app.back()
        else:
            self.app.go("house", remember=False, record_id=saved.id)

    def show_problems(self, problems: list[Problem]) -> None:
        self.errors = {problem.field.split(".")[0]: problem_text(problem) for problem in problems}
        self.watch_fixes()
