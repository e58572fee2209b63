"""One work order: what was reported, its timeline, and the steps this officer may take now.

A traffic officer accepts it, says whether the owner was reached, and resolves it with an outcome
(a ticket number for a ticket) and photos; a community officer of the room verifies a resolution
or reopens it with a reason, and the reporter may withdraw it before it is accepted. Each step is
saved at once and sent at the next sync; one that came too late says who was first.
"""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, DictProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from marshmallow import ValidationError

from mobile.ui.capture import PhotoField
from mobile.ui.explain import field_name
from mobile.ui.i18n import _, tr
from mobile.ui.screens.base import BeatlogScreen
from mobile.ui.screens.orders import order_title
from mobile.ui.widgets import Body, Muted
from mobile.work_orders import OrderView, plate_history, take_step, views
from sync import vocab
from sync.rules import TRAFFIC_ROLES
from sync.work_orders import Verdict


def refusal_text(verdict: Verdict, who: str, when: str) -> str:
    """Why a step took no effect, in plain words: 已由 王建军 于 06-15 10:32 接单."""
    if verdict.code == "assigned_to_other":
        return _("Assigned to another officer by %(who)s at %(time)s.") % {"who": who, "time": when}
    if verdict.code == "not_acceptor":
        return _("Accepted by %(who)s at %(time)s: only they or the squad leader work it on.") % {
            "who": who, "time": when}
    if verdict.code == "not_reporter":
        return _("Only the officer who reported the order withdraws it.")
    return {
        "reported": _("No traffic squad had the order yet."),
        "dispatched": _("The order was not accepted yet."),
        "accepted": _("Already accepted by %(who)s at %(time)s."),
        "contacting": _("%(who)s was already contacting the owner (%(time)s)."),
        "resolved": _("Already resolved by %(who)s at %(time)s."),
        "closed": _("Already verified and closed by %(who)s at %(time)s."),
        "withdrawn": _("Withdrawn by %(who)s at %(time)s."),
    }[verdict.state] % {"who": who, "time": when}


STEPS = ("accept", "contact", "resolve", "verify", "withdraw")


class Shown(BoxLayout):
    """Part of a screen shown only when ``shown``; hidden, it takes no room and no touch (its children keep
    their heights, so hidden ones would otherwise lie over the buttons below)."""

    shown = BooleanProperty(False)

    def on_touch_down(self, touch: Any) -> bool:
        return bool(self.shown and super().on_touch_down(touch))

    def on_touch_move(self, touch: Any) -> bool:
        return bool(self.shown and super().on_touch_move(touch))

    def on_touch_up(self, touch: Any) -> bool:
        return bool(self.shown and super().on_touch_up(touch))


class OrderScreen(BeatlogScreen):
    title = StringProperty("")
    facts = StringProperty("")
    message = StringProperty("")
    view = ObjectProperty(None, allownone=True)
    can = DictProperty(dict.fromkeys(STEPS, False))
    """Which steps this officer may take now (every one of ``STEPS`` named, for the layout's bindings)."""
    resolving = BooleanProperty(False)
    reopening = BooleanProperty(False)
    outcome_labels = ObjectProperty(vocab.WORK_ORDER_OUTCOMES)

    def show(self) -> None:
        order = self.app.records.get("work_order", self.params["record_id"])
        self.message = ""
        if order is None:
            self.view, self.title, self.facts = None, _("This order is no longer on this phone."), ""
            self.can = dict.fromkeys(STEPS, False)
            self.ids.timeline.clear_widgets()
            return
        self.view = view = views(self.app.records, [order])[0]
        self.title = order_title(view)
        self.facts = self._facts(view)
        self.can = self._steps(view, self.app.account.user or {})
        self._timeline(view)

    def _facts(self, view: OrderView) -> str:
        data, folded = view.order.data, view.folded
        lines = [_("State: %(state)s") % {"state": tr.label(vocab.WORK_ORDER_STATES, view.state)},
                 data.get("address", "")]
        if data.get("note"):
            lines.append(data["note"])
        if data.get("repeat_plate"):
            lines.append(_("This plate was reported at least three times in the thirty days before."))
        lines.append(" ".join(filter(None, (data.get("vehicle_colour"), data.get("vehicle_make")))))
        known = plate_history(self.app.records, data["plate"]) if data.get("plate") else None
        if known is not None and known.total:
            lines.append(_("Vehicle file: reports in all %(count)d, in the last thirty days %(recent)d.")
                         % {"count": known.total, "recent": known.lately})
        if data.get("assignee_name") and view.state not in ("closed", "withdrawn"):
            lines.append(_("Traffic officer: %(name)s") % {"name": data["assignee_name"]})
        if "accept" in view.late:
            lines.append(_("Acceptance overdue since %(time)s") % {"time": self.app.clock_text(data["accept_due"])})
        elif "resolve" in view.late:
            lines.append(_("Resolution overdue since %(time)s") % {"time": self.app.clock_text(data["resolve_due"])})
        if folded.outcome:
            outcome = f"{tr.label(vocab.WORK_ORDER_OUTCOMES, folded.outcome)} {folded.ticket_number}".strip()
            lines.append(_("Result: %(outcome)s") % {"outcome": outcome})
        return "\n".join(line for line in lines if line)

    @staticmethod
    def _steps(view: OrderView, user: dict[str, Any]) -> dict[str, bool]:
        role, me, folded = user.get("role"), user.get("id"), view.folded
        lead = role == "squad_lead"
        working = view.state in ("accepted", "contacting") and (lead or folded.accepted_by == me)
        takeable = view.state == "dispatched" and (lead or folded.assignee_id in (None, me))
        return {
            "accept": role in TRAFFIC_ROLES and takeable,
            "contact": role in TRAFFIC_ROLES and working,
            "resolve": role in TRAFFIC_ROLES and working,
            "verify": role == "officer" and view.state == "resolved",
            "withdraw": role == "officer" and view.state in ("reported", "dispatched")
            and view.order.data.get("officer_id") == me,
        }

    def _timeline(self, view: OrderView) -> None:
        column = self.ids.timeline
        column.clear_widgets()
        column.add_widget(Body(text=_("Reported · %(time)s") % {
            "time": self.app.clock_text(view.order.data.get("reported_at", ""))}))
        self._photos(view.order.data.get("photo_hashes"))
        me = (self.app.account.user or {}).get("id")
        for event in view.events:
            data = event.data
            who = _("You") if data.get("actor_id") == me else data.get("actor_name", "")
            words = [tr.label(vocab.WORK_ORDER_EVENTS, data["kind"]), who, self.app.clock_text(data.get("at", ""))]
            detail = tr.label(vocab.WORK_ORDER_OUTCOMES, data.get("outcome")) or \
                tr.label(vocab.CONTACT_RESULTS, data.get("contact_result")) or data.get("reason", "")
            column.add_widget(Body(text=" · ".join(word for word in [*words, detail] if word)))
            self._photos(data.get("photo_hashes"))
            verdict = view.folded.verdicts.get(event.id)
            if verdict is not None:
                column.add_widget(Muted(text=_("No effect: %(why)s") % {"why": refusal_text(
                    verdict, view.name_of(verdict), self.app.clock_text(verdict.at or ""))}))

    def _photos(self, hashes: list[str] | None) -> None:
        """A step's photos (the report's, the resolution's evidence) under it, to look at, not to change."""
        if hashes:
            photos = PhotoField(locked=True)
            photos.load(hashes, {})
            self.ids.timeline.add_widget(photos)

    def step(self, kind: str, **details: Any) -> None:
        """Take a step now; a form problem is shown beside the buttons, nothing is saved."""
        try:
            take_step(self.app.records, self.params["record_id"], self.app.account.user, kind, **details)
        except ValidationError as error:
            names = error.normalized_messages()
            self.message = _("Fill in: %(fields)s") % {"fields": ", ".join(field_name(name) for name in names)}
            return
        self.resolving = self.reopening = False
        self.app.toast(_("Saved · sent at the next sync"))
        self.show()

    def resolve(self) -> None:
        self.step("resolved", outcome=self.ids.outcome.value or None, ticket_number=self.ids.ticket.text.strip(),
                  photo_hashes=list(self.ids.photos.hashes))

    def reopen(self) -> None:
        self.step("reopened", reason=self.ids.reason.text.strip())

    def reopen_params(self) -> dict[str, Any]:
        return {"record_id": self.params["record_id"]}
