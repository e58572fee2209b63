"""Finding a venue in the room's beat by name or address, Chinese included, as the officer types."""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.properties import StringProperty

from mobile.store import LocalRecord
from mobile.ui.i18n import _, tr
from mobile.ui.screens.base import BeatlogScreen
from mobile.ui.widgets import record_row
from sync import vocab

TYPING_PAUSE_S = 0.25


class VenueSearchScreen(BeatlogScreen):
    summary = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.asked = 0
        self.pending_search = Clock.create_trigger(self.search, TYPING_PAUSE_S)

    def show(self) -> None:
        self.ids.query.text = self.params.get("query", "")
        self.search()

    def reopen_params(self) -> dict[str, Any]:
        return {"query": self.ids.query.text}

    def search(self, *_args: Any) -> None:
        """Search off the UI thread; an answer to an older question is dropped."""
        self.asked += 1
        question, text, records = self.asked, self.ids.query.text, self.app.records
        self.app.background.run(lambda: records.search_venues(text, limit=100),
                                lambda venues: self._show_results(question, text, venues))

    def _show_results(self, question: int, text: str, venues: list[LocalRecord]) -> None:
        if question != self.asked:
            return
        self.ids.results.data = [
            record_row("venue", venue.id, venue.data["name"],
                       f"{tr.label(vocab.VENUE_KINDS, venue.data['kind'])} · {venue.data.get('address', '')}",
                       None, "venue")
            for venue in venues]
        if not venues:
            self.summary = _("No venue matches “%(text)s”.") % {"text": text} if text else _("No venues yet.")
        elif text:
            self.summary = tr.n_("%(count)d venue matches", "%(count)d venues match", len(venues)) % {
                "count": len(venues)}
        else:
            self.summary = _("Venues in your beat")
