"""The officer's notices, newest first: each opens the record it is about. Opening the list marks them seen."""

from __future__ import annotations

from mobile.planning import mark_seen, notices
from mobile.store import LocalRecord
from mobile.ui.i18n import _, tr
from mobile.ui.screens.base import BeatlogScreen
from mobile.ui.widgets import Muted, RecordRow, record_row
from sync import vocab

OPENS = {"inspection": "inspection", "followup": "followup", "work_order": "order", "assignment": "assignment",
         "venue": "venue"}
"""The screen showing a notice's record, by the record's type; a notice about anything else opens nothing."""
SHOWN = 100


class NoticesScreen(BeatlogScreen):
    def show(self) -> None:
        shown = notices(self.app.records)[:SHOWN]
        column = self.ids.notices
        column.clear_widgets()
        for notice in shown:
            column.add_widget(RecordRow(**self.row(notice)))
        if not shown:
            column.add_widget(Muted(text=_("No notices."), padding=("12dp", 0)))
        mark_seen(self.app.records.store, shown)

    def row(self, notice: LocalRecord) -> dict:
        data = notice.data
        subject = data["subject_type"]
        target = OPENS.get(subject, "")
        if target and self.app.records.get(subject, data["subject_id"]) is None:
            target = ""
        summary = data.get("summary", "")
        if data["kind"] == "order_changed":
            summary = tr.label(vocab.WORK_ORDER_STATES, summary)
        words = [self.app.clock_text(data["raised_at"]), summary]
        return record_row(subject, data["subject_id"] if target else "", tr.label(vocab.NOTICE_KINDS, data["kind"]),
                          " · ".join(word for word in words if word), None, target)
