"""The sync state of every record not yet settled on the server, and why, in plain words."""

from __future__ import annotations

from kivy.properties import StringProperty

from mobile.store import LocalRecord, Records, SyncState
from mobile.ui.explain import attention_text, record_kind, sync_explanation
from mobile.ui.i18n import _
from mobile.ui.screens.base import BeatlogScreen
from mobile.ui.screens.home import venue_names
from mobile.ui.widgets import Body, Muted, RecordRow, record_row
from sync.records import DEVICE_WRITTEN

NEEDS_YOU = (SyncState.CONFLICT, SyncState.REJECTED)
ORDER = (SyncState.CONFLICT, SyncState.REJECTED, SyncState.SENDING, SyncState.QUEUED, SyncState.DRAFT)


def unsettled(records: Records) -> tuple[list[LocalRecord], dict[str, str]]:
    """What waits, most urgent first, and the names of the venues it is about."""
    found = [record for record_type in DEVICE_WRITTEN for record in records.unsettled(record_type)
             if record.state is not SyncState.SYNCED]
    return sorted(found, key=lambda record: ORDER.index(record.state)), venue_names(records, found)


SCREEN_OF = {"venue": "venue", "inspection": "inspection", "followup": "followup", "assignment": "assignment",
             "work_order": "order", "rental_house": "house"}
"""The screen a waiting record opens in, by its type (a step, a registration or an application opens none)."""


class OutboxScreen(BeatlogScreen):
    summary = StringProperty("")

    def show(self) -> None:
        records = self.app.records
        self.app.background.run(lambda: unsettled(records), self._render)

    def _render(self, found: tuple[list[LocalRecord], dict[str, str]]) -> None:
        waiting, venues = found
        column = self.ids.records
        column.clear_widgets()
        self.summary = _("Everything on this phone is on the server.") if not waiting else ""
        for record in waiting:
            name = record.data.get("name") or venues.get(record.data.get("venue_id", ""), "")
            target = "" if record.detail.get("left_scope") else SCREEN_OF.get(record.type, "")
            subtitle = attention_text(record) if record.state in NEEDS_YOU else ""
            column.add_widget(RecordRow(**record_row(record.type, record.id, f"{record_kind(record.type)} · {name}",
                                                     subtitle, record.state, target)))
            column.add_widget(Body(text=sync_explanation(record), padding=("12dp", "4dp")))
        if not waiting:
            column.add_widget(Muted(text=_("Tap the bar above to sync now."), padding=("12dp", 0)))
