"""One venue: its details, what to do there, and its history of inspections and follow-ups."""

from __future__ import annotations

from typing import Any

from kivy.properties import ObjectProperty, StringProperty

from mobile.recent import remember_opened
from mobile.store import LocalRecord, Records
from mobile.ui.i18n import _, tr
from mobile.ui.screens.base import BeatlogScreen
from mobile.ui.widgets import Muted, RecordRow, record_row
from sync import vocab


def venue_history(records: Records, venue_id: str) -> list[LocalRecord]:
    """The venue's inspections and follow-ups, newest first."""
    history = records.of_venue("inspection", venue_id) + records.of_venue("followup", venue_id)
    return sorted(history, key=lambda record: record.data.get("inspected_at") or record.data.get("visited_at")
                  or record.data.get("due_date", ""), reverse=True)


class VenueScreen(BeatlogScreen):
    name_text = StringProperty("")
    facts = StringProperty("")
    record = ObjectProperty(None, allownone=True)

    def show(self) -> None:
        venue = self.record = self.app.records.get("venue", self.params["record_id"])
        if venue is None:
            self.name_text, self.facts = _("This venue is no longer in your beat."), ""
            self.ids.history.clear_widgets()
            return
        data = venue.data
        self.name_text = data["name"]
        lines = [(f"{tr.label(vocab.VENUE_KINDS, data['kind'])} · {_('Risk level')}: "
                  f"{tr.label(vocab.RISK_LEVELS, data.get('risk_level'))}"), data.get("address", "")]
        if data.get("responsible_person") or data.get("phone"):
            lines.append(f"{_('Person in charge')}: {data.get('responsible_person', '')} {data.get('phone', '')}")
        self.facts = "\n".join(line for line in lines if line)
        records, store = self.app.records, self.app.store
        self.app.background.run(lambda: venue_history(records, venue.id), self._render_history)
        self.app.background.run(lambda: remember_opened(store, venue.id))

    def _render_history(self, history: list[LocalRecord]) -> None:
        column = self.ids.history
        column.clear_widgets()
        if not history:
            column.add_widget(Muted(text=_("No inspections or follow-ups yet."), padding=("12dp", 0)))
        for record in history[:50]:
            if record.type == "inspection":
                title = _("Inspection · %(status)s") % {
                    "status": tr.label(vocab.INSPECTION_STATUSES, record.data.get("status"))}
                subtitle = f"{self.app.clock_text(record.data['inspected_at'])} · " \
                           f"{tr.label(vocab.HAZARD_LEVELS, record.data.get('hazard_level'))}"
            else:
                title = f"{tr.label(vocab.FOLLOWUP_SUBJECTS, record.data['subject_kind'])} · " \
                        f"{tr.label(vocab.FOLLOWUP_STATUSES, record.data.get('status'))}"
                subtitle = _("Due %(date)s") % {"date": record.data["due_date"]}
            column.add_widget(RecordRow(**record_row(record.type, record.id, title, subtitle, record.state,
                                                     record.type)))

    def inspect(self) -> None:
        self.app.go("inspection", venue_id=self.params["record_id"])

    def plan_followup(self) -> None:
        self.app.go("followup", venue_id=self.params["record_id"])

    def report_here(self) -> None:
        self.app.go("report", venue_id=self.params["record_id"])

    def edit(self) -> None:
        self.app.go("venue_form", record_id=self.params["record_id"])

    def reopen_params(self) -> dict[str, Any]:
        return {"record_id": self.params["record_id"]}
