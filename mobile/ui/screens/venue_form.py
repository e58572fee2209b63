"""A new venue found in the field, or a venue's details corrected."""

from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty

from mobile.forms import Problem, venue_problems
from mobile.ui.explain import problem_text
from mobile.ui.i18n import _
from mobile.ui.screens.base import FormScreen

TEXT_FIELDS = ("name", "address", "responsible_person", "phone", "notes")


class VenueFormScreen(FormScreen):
    record_type = "venue"
    title = StringProperty("")

    def show(self) -> None:
        venue = self.app.records.get("venue", self.params["record_id"]) if self.params.get("record_id") else None
        data = {**(venue.data if venue else {}), **self.draft_fields}
        self.title = _("Edit venue") if venue else _("New venue")
        for name in TEXT_FIELDS:
            self.ids[name].text = data.get(name, "")
        self.ids.kind.value = data.get("kind", "")
        self.ids.risk_level.value = data.get("risk_level", "low")
        self.errors = {}

    def gather(self) -> dict[str, Any]:
        data: dict[str, Any] = {name: self.ids[name].text.strip() for name in TEXT_FIELDS}
        data.update(kind=self.ids.kind.value, risk_level=self.ids.risk_level.value or "low")
        if not self.params.get("record_id"):
            data["room_id"] = self.app.account.user["room_id"]
            fix = self.app.location.current()
            data["location"] = fix.wire() if fix else None
        return data

    def draft_values(self) -> dict[str, Any]:
        return self.gather()

    def save(self) -> None:
        record_id = self.params.get("record_id")
        saved = self.keep("venue", self.gather(), record_id, venue_problems)
        if saved is None:
            return
        if record_id:
            self.app.back()
        else:
            self.app.go("venue", remember=False, record_id=saved.id)

    def show_problems(self, problems: list[Problem]) -> None:
        self.errors = {problem.field.split(".")[0]: problem_text(problem) for problem in problems}
        self.watch_fixes()
