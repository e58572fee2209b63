"""The inspection form, built from the checklist template of the venue's kind.

New inspections start here from a venue; returned ones come back here to be amended and
resubmitted. A draft keeps whatever is filled in; submitting checks the log is complete
(:mod:`mobile.forms`) and shows each problem beside its field. Approved logs are read-only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, ClassVar

from kivy.clock import Clock
from kivy.metrics import dp
from kivy.properties import (
    BooleanProperty,
    DictProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.boxlayout import BoxLayout

from mobile.forms import RESULT_MARKS, Problem, inspection_problems
from mobile.store import LocalRecord, Records, SyncState
from mobile.ui.explain import problem_text, sync_explanation
from mobile.ui.i18n import _, tr
from mobile.ui.screens.base import FormScreen
from mobile.ui.widgets import DANGER, GOOD, MUTED, Choices
from sync import clock, vocab

DEADLINE_DAYS = ("7", "15", "30")
RESULT_COLOURS = {"pass": GOOD, "fail": DANGER, "not_applicable": MUTED}


def checklist_template(records: Records, venue_kind: str, template_id: str | None = None) -> LocalRecord | None:
    """The template a log was recorded under when the device has it, else the kind's current one."""
    if template_id:
        kept = records.get("checklist_template", template_id)
        if kept is not None:
            return kept
    candidates = [t for t in records.all("checklist_template") if t.data["venue_kind"] == venue_kind]
    return max(candidates, key=lambda template: template.version, default=None)


class ResultChoices(Choices):
    """Pass, fail and not applicable: the chosen one says which by its mark and words, not by colour alone."""

    def _relabel(self, *_args: Any) -> None:
        super()._relabel()
        for button in self.children:
            button.chosen_colour = list(RESULT_COLOURS[button.choice])
            self._mark(button)

    def on_value(self, _instance: Any, value: str | None) -> None:
        super().on_value(_instance, value)
        for button in self.children:
            self._mark(button)

    def _mark(self, button: Any) -> None:
        word = tr.label(self.labels, button.choice)
        button.text = f"{RESULT_MARKS[button.choice]} {word}" if button.state == "down" else word


class SummaryItem(BoxLayout):
    """One checklist item of a locked log as text: its result with mark and colour, and its note."""

    label = StringProperty("")
    result = StringProperty("")
    note = StringProperty("")
    colour = ListProperty(list(MUTED))


class ChecklistItem(BoxLayout):
    key = StringProperty("")
    label = StringProperty("")
    error = StringProperty("")
    locked = BooleanProperty(False)

    def chosen(self, result: str) -> None:
        """A failed item needs a note saying what failed: the keyboard comes up for it."""
        if result == "fail":
            self.ids.note.focus = True

    def answer(self) -> dict[str, str] | None:
        if not self.ids.result.value:
            return None
        return {"result": self.ids.result.value, "note": self.ids.note.text.strip()}


class InspectionScreen(FormScreen):
    record_type = "inspection"
    field_widgets: ClassVar[Mapping[str, tuple[str, str]]] = {
        "photo_hashes": ("photos", "hashes"), "signature_hash": ("signature", "sha256"),
        "rectification_deadline": ("deadline", "text")}
    venue_name = StringProperty("")
    template_title = StringProperty("")
    returned_comment = StringProperty("")
    state_text = StringProperty("")
    locked = BooleanProperty(False)
    summary = StringProperty("")
    items = ListProperty([])
    record = ObjectProperty(None, allownone=True)
    deadline_choices = DictProperty({})
    answered = NumericProperty(0)
    any_fail = BooleanProperty(False)
    review_note = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rows: list[ChecklistItem] = []

    def show(self) -> None:
        records = self.app.records
        self.record = records.get("inspection", self.params["record_id"]) if "record_id" in self.params else None
        data = {**(self.record.data if self.record else {}), **self.draft_fields}
        venue = records.get("venue", data.get("venue_id") or self.params["venue_id"])
        self.venue = venue
        self.venue_name = venue.data["name"] if venue else _("Unknown venue")
        template = checklist_template(records, venue.data["kind"] if venue else "", data.get("template_id"))
        self.template = template
        self.template_title = (template.data["title_zh"] if tr.language == "zh" else template.data["title_en"]) \
            if template else _("No checklist for this kind of venue yet.")
        self.locked = data.get("status") == "approved"
        self.returned_comment = data.get("review_comment", "") if data.get("status") == "returned" else ""
        self.state_text = sync_explanation(self.record) if self.record and self.record.state not in (
            SyncState.SYNCED,) else ""
        self._build_items(template, data.get("checklist") or {})
        self.ids.findings.text = data.get("findings", "")
        self.ids.hazard_level.value = data.get("hazard_level", "none")
        self.ids.rectification_required.state = "down" if data.get("rectification_required") else "normal"
        self.ids.deadline.text = data.get("rectification_deadline") or ""
        self.ids.photos.load(data.get("photo_hashes") or [], data.get("photo_notes") or {})
        self.ids.position.load(data.get("location"))
        if not self.record:
            self.ids.position.update()
        self.ids.signature.sha256 = data.get("signature_hash")
        self.ids.signature.signer_name = data.get("signer_name", "")
        self.ids.signature.default_signer = venue.data.get("responsible_person", "") if venue else ""
        self.deadline_choices = {days: _("%(days)s days") % {"days": days} for days in DEADLINE_DAYS}
        self.errors, self.summary = {}, ""
        self.ids.scroller.scroll_y = 1
        self._show_view(data)

    def _show_view(self, data: dict[str, Any]) -> None:
        """A locked log reads as a summary in normal contrast; the form, greyed out, would be hard to read."""
        views = self.__dict__.setdefault("views", (self.ids.scroller.__self__, self.ids.summary_view.__self__))
        shown, hidden = (views[1], views[0]) if self.locked else views
        if hidden.parent is not None:
            self.ids.body.remove_widget(hidden)
        if shown.parent is None:
            self.ids.body.add_widget(shown)
        if self.locked:
            self._fill_summary(data)

    def _fill_summary(self, data: dict[str, Any]) -> None:
        column = self.ids.summary_items
        column.clear_widgets()
        for row in self.items:
            result = row.ids.result.value
            word = tr.label(vocab.CHECK_RESULTS, result) if result else _("Not answered")
            column.add_widget(SummaryItem(
                label=row.label, note=row.ids.note.text,
                result=f"{RESULT_MARKS[result]} {word}" if result else word,
                colour=list(RESULT_COLOURS.get(result, MUTED))))
        self.ids.summary_findings.text = data.get("findings") or _("None noted")
        self.ids.summary_hazard.text = tr.label(vocab.HAZARD_LEVELS, data.get("hazard_level") or "none")
        self.ids.summary_rectification.text = (
            _("Rectify by %(date)s") % {"date": data["rectification_deadline"]}
            if data.get("rectification_required") and data.get("rectification_deadline")
            else _("No rectification required"))
        self.ids.summary_photos.hashes = list(data.get("photo_hashes") or [])
        reviewer = self.app.records.get("person", data["reviewer_id"]) if data.get("reviewer_id") else None
        name = reviewer.data["display_name"] if reviewer else _("your chief")
        comment = data.get("review_comment") or ""
        self.review_note = (_("%(name)s's comment: %(comment)s") % {"name": name, "comment": comment}) if comment \
            else _("Reviewer: %(name)s") % {"name": name}

    def _build_items(self, template: LocalRecord | None, checklist: dict[str, Any]) -> None:
        column = self.ids.checklist
        column.clear_widgets()
        labels = {item["key"]: item for item in (template.data["items"] if template else [])}
        keys = list(labels) + [key for key in checklist if key not in labels]
        for number, (key, row) in enumerate(zip(keys, self.checklist_rows(len(keys)), strict=False), 1):
            item = labels.get(key, {"label_zh": key, "label_en": key})
            row.key, row.locked, row.error = key, self.locked, ""
            row.label = f"{number}. {item['label_zh'] if tr.language == 'zh' else item['label_en']}"
            answer = checklist.get(key) or {}
            row.ids.result.value = answer.get("result", "")
            row.ids.note.text = answer.get("note", "")
            column.add_widget(row)
        self.items = list(reversed(column.children))
        self.count_answers()

    def checklist_rows(self, count: int) -> list[ChecklistItem]:
        """``count`` checklist rows: those built before, reused, and new ones as needed.

        A row (its choices and note field) takes tens of milliseconds to build, most of the
        time it takes to open the form; the rows are built once per app, some ahead of need
        (:meth:`build_ahead`), and refilled at each opening.
        """
        while len(self.rows) < count:
            row = ChecklistItem()
            row.ids.result.bind(value=self.count_answers, on_chosen=self._item_chosen)
            self.rows.append(row)
        return self.rows[:count]

    def build_ahead(self, wanted: int | None = None) -> None:
        """Build the rows of the longest checklist on the phone before the first opening needs them, one per frame."""
        if self.app is None or self.app.store is None:
            return
        if wanted is None:
            wanted = max((len(template.data["items"]) for template in self.app.records.all("checklist_template")),
                         default=0)
        if len(self.rows) < wanted:
            self.checklist_rows(len(self.rows) + 1)
            Clock.schedule_once(lambda _dt: self.build_ahead(wanted))

    def _item_chosen(self, choices: Any, result: str) -> None:
        """The whole checklist answered with the last item: the findings come into view (a failure
        keeps the view on its note)."""
        if self.items and choices.parent is self.items[-1] and result != "fail" and all(
                row.ids.result.value for row in self.items):
            self.bring_up(self.items[-1])

    def count_answers(self, *_args: Any) -> None:
        results = [row.ids.result.value for row in self.items]
        self.answered = sum(1 for result in results if result)
        self.any_fail = "fail" in results

    def all_pass(self) -> None:
        for row in self.items:
            if not row.ids.result.value:
                row.ids.result.value = "pass"
        self.items = list(self.items)

    def choose_deadline(self, days: str) -> None:
        if days:
            self.ids.rectification_required.state = "down"
            self.ids.deadline.text = (clock.today() + timedelta(days=int(days))).isoformat()

    def gather(self) -> dict[str, Any]:
        answers = {row.key: row.answer() for row in self.items}
        required = self.ids.rectification_required.state == "down"
        data: dict[str, Any] = {
            "checklist": {key: answer for key, answer in answers.items() if answer is not None},
            "findings": self.ids.findings.text.strip(),
            "hazard_level": self.ids.hazard_level.value or "none",
            "rectification_required": required,
            "rectification_deadline": (self.ids.deadline.text.strip() or None) if required else None,
            "photo_hashes": list(self.ids.photos.hashes),
            "photo_notes": self.ids.photos.wire_notes(),
            "signature_hash": self.ids.signature.sha256 or None,
            "signer_name": self.ids.signature.signer_name,
            "location": self.ids.position.wire(),
        }
        if self.record is None:
            data.update(venue_id=self.venue.id, officer_id=self.app.account.user["id"],
                        inspected_at=clock.local_now_text(),
                        template_id=self.template.id if self.template else None,
                        template_version=self.template.version if self.template else None)
        return data

    def draft_values(self) -> dict[str, Any]:
        return self.gather()

    def read_only(self) -> bool:
        return self.locked

    def locks(self, record: LocalRecord) -> bool:
        return record.data.get("status") == "approved"

    def save(self, submit: bool) -> None:
        data = self.gather()
        data["status"] = "submitted" if submit else (self.record.data["status"] if self.record else "draft")
        keys = [row.key for row in self.items]
        saved = self.keep("inspection", data, self.record.id if self.record else None,
                          (lambda whole: inspection_problems(whole, keys, clock.today())) if submit else None, submit)
        if saved is None:
            return
        self.params = {"record_id": saved.id}
        self.app.toast(_("Submitted. It will be sent at the next sync.") if submit else _("Draft saved on this phone."))
        self.app.back()

    def show_problems(self, problems: list[Problem]) -> None:
        self.errors = {problem.field: problem_text(problem) for problem in problems
                       if not problem.field.startswith("checklist.")}
        self.watch_fixes()
        for row in self.items:
            row.error = next((problem_text(p) for p in problems if p.field == f"checklist.{row.key}"), "")
        self.summary = tr.n_("%(count)d thing to fix before submitting.", "%(count)d things to fix before submitting.",
                             len(problems)) % {"count": len(problems)}
        first = next((row for row in self.items if row.error), None)
        target = first or self.ids.get(f"error_{problems[0].field}") or self.ids.summary
        Clock.schedule_once(lambda _dt: self.ids.scroller.scroll_to(target, padding=dp(90), animate=False), 0.05)
