"""One assignment: what to do, where and by when, the chief's note; doing it, or saying why not yet.

Recording the inspection (or the visit, for a case re-visit) opens the usual form; saving it
completes the assignment (``mobile.planning.complete_assignments``). A comment is sent to the
chief as a change of the assignment.
"""

from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty

from mobile.planning import mine
from mobile.ui.i18n import _, tr
from mobile.ui.screens.base import BeatlogScreen
from sync import clock, vocab


def assignment_title(data: dict, venue_name: str) -> str:
    kind = tr.label(vocab.ASSIGNMENT_KINDS, data.get("kind"))
    return f"{kind} · {venue_name}" if venue_name else kind


class AssignmentScreen(BeatlogScreen):
    heading = StringProperty("")
    details = StringProperty("")
    note = StringProperty("")
    state_text = StringProperty("")
    doable = BooleanProperty(False)
    revisit = BooleanProperty(False)
    saved_text = StringProperty("")

    def show(self) -> None:
        record = self.app.records.get("assignment", self.params["record_id"])
        if record is None:
            self.heading, self.details, self.doable = _("No longer on this phone"), "", False
            return
        data = record.data
        venue = self.app.records.get("venue", data.get("venue_id") or "")
        self.heading = assignment_title(data, venue.data["name"] if venue else "")
        origin = _("Scheduled inspection of your room") if data.get("origin") == "schedule" else \
            _("Assigned by your chief")
        lines = [origin, _("Due %(date)s") % {"date": data["due_date"]}]
        if data.get("kind") == "case_revisit":
            lines.append(_("Case %(number)s · visit %(whom)s") % {"number": data.get("case_number", ""),
                                                                 "whom": data.get("visit_whom", "")})
        if venue is not None:
            lines.append(venue.data.get("address", ""))
        self.details = "\n".join(lines)
        self.note = data.get("note", "")
        self.state_text = tr.label(vocab.ASSIGNMENT_STATUSES, data.get("status"))
        self.doable = mine(record, (self.app.account.user or {}).get("id"))
        self.revisit = data.get("kind") == "case_revisit"
        self.ids.comment.text = data.get("comment", "")
        self.saved_text = ""

    def do_it(self) -> None:
        record = self.app.records.get("assignment", self.params["record_id"])
        if record is None:
            return
        data = record.data
        if data.get("kind") == "case_revisit":
            self.app.go("followup", venue_id=data["venue_id"], subject_kind="case",
                        case_number=data.get("case_number", ""), visiting=True)
        else:
            self.app.go("inspection", venue_id=data["venue_id"])

    def save_comment(self) -> None:
        text = self.ids.comment.text.strip()
        if not text:
            return
        self.app.records.save("assignment", {"comment": text, "commented_at": clock.local_now_text()},
                              self.params["record_id"])
        self.saved_text = _("Comment saved; your chief sees it after the next sync.")
        self.app.sync_now()
