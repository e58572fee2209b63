"""The room's rental registry (出租房屋): its houses, masked landlords, residents now, and which wait for a visit."""

from __future__ import annotations

from typing import Any

from mobile.registry import houses, open_count, shown, unverified
from mobile.ui.i18n import _, tr
from mobile.ui.screens.base import BeatlogScreen
from mobile.ui.widgets import Muted, RecordRow, record_row
from sync import clock


class RegistryScreen(BeatlogScreen):
    def show(self) -> None:
        records = self.app.records
        self.app.background.run(lambda: (houses(records), open_count(records), clock.now()), self._render)

    def _render(self, gathered: tuple[Any, dict[str, int], Any]) -> None:
        found, counts, now = gathered
        column = self.ids.houses
        column.clear_widgets()
        for house in found:
            data = shown(house)
            words = [tr.n_("%(num)d resident", "%(num)d residents", counts.get(house.id, 0))
                     % {"num": counts.get(house.id, 0)}, _("Landlord %(name)s") % {"name": data["landlord_name"]}]
            if unverified(house, now):
                words.insert(0, _("Not verified for 90 days"))
            column.add_widget(RecordRow(**record_row("rental_house", house.id, data["address"], " · ".join(words),
                                                     house.state, "house")))
        if not found:
            column.add_widget(Muted(text=_("No rental house is registered in your room yet.")))
