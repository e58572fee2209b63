"""Planning a follow-up visit and recording it: a rectification re-check or a case re-visit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from kivy.clock import Clock
from kivy.metrics import dp
from kivy.properties import BooleanProperty, DictProperty, StringProperty
from kivy.uix.widget import Widget

from mobile.forms import Problem, followup_problems
from mobile.store import SyncState
from mobile.ui.explain import problem_text, sync_explanation
from mobile.ui.i18n import _, tr
from mobile.ui.screens.base import FormScreen
from sync import clock, vocab

DUE_IN_DAYS = ("0", "3", "7", "14")
TEXT_FIELDS = ("case_number", "outcome", "notes")


class FollowupScreen(FormScreen):
    record_type = "followup"
    venue_name = StringProperty("")
    state_text = StringProperty("")
    existing = BooleanProperty(False)
    inspections = DictProperty({})
    due_choices = DictProperty({})
    yes_no = DictProperty({})
    visiting = BooleanProperty(True)
    """A planned follow-up shows only its plan; the visit's fields appear when the officer records the visit."""
    visit_fields: Widget | None = None
    visit_buttons: tuple[Widget, Widget]

    def __init__(self, **kwargs: Any) -> None:
        self.deadlines: dict[str, str | None] = {}
        super().__init__(**kwargs)

    def show(self) -> None:
        records = self.app.records
        self.record = records.get("followup", self.params["record_id"]) if "record_id" in self.params else None
        data = {**(self.record.data if self.record else {}), **self.draft_fields}
        venue_id = data.get("venue_id") or self.params["venue_id"]
        venue = records.get("venue", venue_id)
        self.venue_name = venue.data["name"] if venue else _("Unknown venue")
        self.existing = self.record is not None
        self.state_text = sync_explanation(self.record) if self.record and self.record.state is not SyncState.SYNCED \
            else ""
        rechecks = sorted((i for i in records.of_venue("inspection", venue_id) if i.data.get("rectification_required")),
                          key=lambda i: i.data["inspected_at"], reverse=True)[:6]
        self.inspections = {i.id: f"{self.app.clock_text(i.data['inspected_at'])} · "
                                  f"{tr.label(vocab.HAZARD_LEVELS, i.data.get('hazard_level'))}" for i in rechecks}
        self.deadlines = {i.id: i.data.get("rectification_deadline") for i in rechecks}
        self.due_choices = {days: _("Today") if days == "0" else _("In %(days)s days") % {"days": days}
                            for days in DUE_IN_DAYS}
        self.yes_no = {"yes": _("Rectified"), "no": _("Not rectified")}
        self.ids.subject_kind.value = data.get("subject_kind") or self.params.get("subject_kind") or (
            "rectification" if rechecks else "case")
        self.ids.inspection.value = data.get("inspection_id") or self.params.get("inspection_id") or (
            rechecks[0].id if rechecks else "")
        for name in TEXT_FIELDS:
            self.ids[name].text = data.get(name, self.params.get(name, ""))
        self.ids.due_date.text = data.get("due_date") or self.deadlines.get(self.ids.inspection.value) or (
            clock.today() + timedelta(days=7)).isoformat()
        rectified = data.get("rectified")
        self.ids.rectified.value = "" if rectified is None else ("yes" if rectified else "no")
        self.ids.satisfaction.value = data.get("satisfaction") or ""
        self.ids.photos.load(data.get("photo_hashes") or [], data.get("photo_notes") or {})
        self.visiting = data.get("status") == "done" or bool(data.get("visiting", self.params.get("visiting")))
        self.on_visiting(self, self.visiting)
        self.errors = {}

    def on_visiting(self, _instance: Any, visiting: bool) -> None:
        """The visit's fields and its Done leave the form while it is a plan; they come back (watched for
        autosave) for the visit, and "record the visit" goes."""
        if self.visit_fields is None:
            self.visit_fields = self.ids.visit_fields.__self__
            self.visit_buttons = (self.ids.record_visit.__self__, self.ids.visit_done.__self__)
        buttons = self.ids.save_plan.parent
        for widget, container, wanted, index in ((self.visit_fields, buttons.parent, visiting, 1),
                                                 (self.visit_buttons[0], buttons, not visiting, 0),
                                                 (self.visit_buttons[1], buttons, visiting, 0)):
            if wanted and widget.parent is None:
                container.add_widget(widget, index=index)
            elif not wanted and widget.parent is not None:
                container.remove_widget(widget)
        if visiting:
            self.autosave.watch()

    def recheck_chosen(self, inspection_id: str) -> None:
        """A re-check is due when the inspection gave the venue to put things right."""
        if not self.existing and self.deadlines.get(inspection_id):
            self.ids.due_date.text = self.deadlines[inspection_id]

    def choose_due(self, days: str) -> None:
        if days:
            self.ids.due_date.text = (clock.today() + timedelta(days=int(days))).isoformat()

    def gather(self, done: bool) -> dict[str, Any]:
        subject = self.ids.subject_kind.value
        data: dict[str, Any] = {name: self.ids[name].text.strip() for name in TEXT_FIELDS}
        data.update(due_date=self.ids.due_date.text.strip() or None, photo_hashes=list(self.ids.photos.hashes),
                    photo_notes=self.ids.photos.wire_notes(), satisfaction=self.ids.satisfaction.value or None,
                    rectified={"yes": True, "no": False}.get(self.ids.rectified.value) if subject ==
                    "rectification" else None)
        if done:
            data.update(status="done", visited_at=(self.record.data.get("visited_at") if self.record else None)
                        or clock.local_now_text())
        if self.record is None:
            data.update(venue_id=self.params["venue_id"], officer_id=self.app.account.user["id"],
                        subject_kind=subject, status=data.get("status", "planned"),
                        inspection_id=(self.ids.inspection.value or None) if subject == "rectification" else None)
        return data

    def draft_values(self) -> dict[str, Any]:
        return {**self.gather(done=False), "visiting": self.visiting}

    def save(self, done: bool) -> None:
        if self.keep("followup", self.gather(done), self.record.id if self.record else None, followup_problems) is None:
            return
        self.app.toast(_("Visit recorded.") if done else _("Follow-up planned."))
        self.app.back()

    def show_problems(self, problems: list[Problem]) -> None:
        self.errors = {problem.field: problem_text(problem) for problem in problems}
        self.watch_fixes()
        anchor = self.ids.get(f"error_{problems[0].field}")
        if anchor is not None:
            Clock.schedule_once(lambda _dt: self.ids.scroller.scroll_to(anchor, padding=dp(90), animate=False), 0.05)
