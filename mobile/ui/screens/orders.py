"""Work orders (警社联动): a traffic officer's Today, or a community officer's orders with traffic police.

A traffic officer (or the squad leader) sees the squad's new orders they may take, overdue first,
then those in their hands. A community officer sees the room's orders that traffic police
resolved, to verify, then their own reports still open, then the latest done. The lists are
folded from the phone's own store (``mobile.work_orders``), so they read the same offline.
"""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, StringProperty

from mobile.ui.i18n import _, tr
from mobile.ui.screens.base import BeatlogScreen
from mobile.ui.widgets import Muted, RecordRow, SectionHeading, record_row
from mobile.work_orders import OrderView, reporter_work, squad_work
from sync import clock, vocab
from sync.plates import display
from sync.rules import TRAFFIC_ROLES

Sections = list[tuple[str, list[OrderView]]]
DONE_SHOWN = 20


def order_title(view: OrderView) -> str:
    data = view.order.data
    kind = tr.label(vocab.WORK_ORDER_KINDS, data.get("kind"))
    return f"{kind} · {display(data['plate'])}" if data.get("plate") else kind


def order_subtitle(view: OrderView, when: str) -> str:
    late = _("Acceptance overdue") if "accept" in view.late else _("Resolution overdue") if view.late else ""
    words = [tr.label(vocab.WORK_ORDER_STATES, view.state), late, view.order.data.get("address", ""), when]
    return " · ".join(word for word in words if word)


class OrdersScreen(BeatlogScreen):
    heading = StringProperty("")
    reporting = BooleanProperty(True)
    """A community officer's list (reports and verification), not a traffic officer's."""

    def show(self) -> None:
        user = self.app.account.user or {}
        self.reporting = user.get("role") not in TRAFFIC_ROLES
        self.heading = _("Work orders") if self.reporting else \
            _("Today · %(name)s") % {"name": user.get("display_name", "")}
        records, now = self.app.records, clock.now()
        self.app.background.run(lambda: self._gather(records, user, now), self._render)

    def _gather(self, records: Any, user: dict[str, Any], now: Any) -> Sections:
        if self.reporting:
            mine = reporter_work(records, user.get("id", ""), now)
            return [("to_verify", mine.to_verify), ("open", mine.open), ("done", mine.done[:DONE_SHOWN])]
        squad = squad_work(records, user.get("id", ""), user.get("role", ""), now)
        return [("new", squad.new), ("mine", squad.mine)]

    def _render(self, sections: Sections) -> None:
        titles = {"to_verify": _("To verify"), "open": _("Your reports with traffic police"),
                  "done": _("Done lately"), "new": _("New orders"), "mine": _("In your hands")}
        column = self.ids.orders
        column.clear_widgets()
        for key, views in sections:
            if not views:
                continue
            column.add_widget(SectionHeading(text=f"{titles[key]} ({len(views)})"))
            for view in views:
                when = self.app.clock_text(view.order.data.get("reported_at", ""))
                column.add_widget(RecordRow(**record_row("work_order", view.order.id, order_title(view),
                                                         order_subtitle(view, when), view.order.state, "order")))
        if not column.children:
            column.add_widget(Muted(text=_("No work orders.") if self.reporting else
                                    _("No new orders for your squad."), padding=("12dp", 0)))

    def report(self) -> None:
        self.app.go("report")
