"""Today's work: venues near and recent one tap away, follow-ups overdue and due, logs the chief returned, drafts,
records to fix."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from itertools import chain
from typing import Any

from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.widget import Widget

from mobile.planning import DueWork, due_this_week, unseen
from mobile.recent import nearby_venues, recent_venues
from mobile.registry import RegistryWork, registry_work, shown
from mobile.services.location import Fix
from mobile.store import LocalRecord, Records
from mobile.ui.explain import attention_text, sync_problem
from mobile.ui.i18n import _, tr
from mobile.ui.screens.assignment import assignment_title
from mobile.ui.screens.base import BeatlogScreen
from mobile.ui.widgets import Muted, RecordRow, SectionHeading, VenueChip, record_row
from mobile.worklist import Worklist, worklist
from sync import clock, vocab
from sync.links import venue_id_in

Gathered = tuple[Worklist, dict[str, str], date, list[LocalRecord], list[LocalRecord], RegistryWork, list[DueWork],
                 int]
VENUE_CHIPS = 3
FIRST_ROWS = 10
ROWS_PER_FRAME = 4
TARGETS = {"venue": "venue", "inspection": "inspection", "followup": "followup"}
PLANNED_AFTER = 2
"""Today's planned work comes after the follow-ups overdue and due today, before the logs returned."""


def distance_text(metres: float) -> str:
    if metres >= 1000:
        return _("%(km)s km") % {"km": f"{metres / 1000:.1f}"}
    return _("%(m)d m") % {"m": round(metres / 10) * 10}


def venue_names(records: Records, shown: Iterable[LocalRecord]) -> dict[str, str]:
    """The names of the venues these records are about, read in one query."""
    ids = {record.data.get("venue_id") for record in shown}
    return {venue.id: venue.data["name"] for venue in records.by_ids("venue", sorted(filter(None, ids)))}


class HomeScreen(BeatlogScreen):
    greeting = StringProperty("")
    banner = StringProperty("")
    scan_message = StringProperty("")
    has_venue_chips = BooleanProperty(False)
    notices_text = StringProperty("")
    drawing = 0
    """Counts Today's drawings, so that one still adding rows stops when a newer one starts."""

    def show(self) -> None:
        user = self.app.account.user or {}
        self.greeting = _("Today · %(name)s") % {"name": user.get("display_name", "")}
        self.banner = sync_problem(self.app.account_state if self.app.account_state in (
            "needs_password", "upgrade_required") else self.app.notice)
        records, today, fix = self.app.records, clock.today(), self.app.location.current()
        self.app.background.run(lambda: self._gather(records, today, user.get("id"), fix), self._render)

    @staticmethod
    def _gather(records: Records, today: date, officer_id: str | None, fix: Fix | None) -> Gathered:
        work = worklist(records, today, officer_id)
        shown = chain(work.overdue, work.due_today, work.upcoming, work.returned, work.drafts, work.needs_attention)
        nearby = nearby_venues(records, fix)
        near = {venue.id for venue in nearby}
        recent = [venue for venue in recent_venues(records, officer_id) if venue.id not in near]
        return (work, venue_names(records, shown), today, nearby, recent, registry_work(records),
                due_this_week(records, today, officer_id, fix), unseen(records))

    def _render(self, gathered: Gathered) -> None:
        work, venues, today, nearby, recent, registry, due, unseen_notices = gathered
        self._show_venue_chips([*nearby, *recent][:VENUE_CHIPS])
        self.notices_text = _("Notices (%(count)d new)") % {"count": unseen_notices} if unseen_notices else \
            _("Notices")
        sections = (
            (_("Overdue follow-ups"), work.overdue,
             lambda r: tr.n_("%(days)d day overdue", "%(days)d days overdue", work.days_overdue(r, today))
             % {"days": work.days_overdue(r, today)}),
            (_("Follow-ups due today"), work.due_today, self._followup_subject),
            (_("Returned by your chief"), work.returned, lambda r: r.data.get("review_comment", "")),
            (_("Needs your attention"), work.needs_attention, attention_text),
            (_("Drafts"), work.drafts, lambda r: self.app.clock_text(r.data.get("inspected_at", ""))),
            (_("Coming up this week"), work.upcoming, lambda r: _("Due %(date)s") % {"date": r.data["due_date"]}),
        )
        rows: list[tuple[type[Widget], dict[str, Any]]] = []
        for index, (title, group, subtitle) in enumerate(sections):
            if index == PLANNED_AFTER:
                rows += self._due_rows(due, today)
            if not group:
                continue
            rows.append((SectionHeading, {"text": f"{title} ({len(group)})"}))
            rows += [(RecordRow, self._row(record, venues, subtitle(record))) for record in group[:30]]
        rows += self._registry_rows(registry)
        if not rows:
            rows.append((Muted, {"text": _("Nothing due. Find a venue to start an inspection.")}))
        column = self.ids.work
        column.clear_widgets()
        self.drawing += 1
        self.app.background.in_frames(self._add_rows(column, rows, self.drawing))
        self.app.build_ahead()

    def _add_rows(self, column: Widget, rows: list[tuple[type[Widget], dict[str, Any]]],
                  drawing: int) -> Iterator[None]:
        """Today's rows, a screenful at once and the rest a few per frame: building sixty rows took
        as long as the whole rest of the start. A newer drawing stops an older one."""
        shown = 0
        while shown < len(rows) and drawing == self.drawing:
            step = FIRST_ROWS if shown == 0 else ROWS_PER_FRAME
            for widget_class, properties in rows[shown:shown + step]:
                column.add_widget(widget_class(**properties))
            shown += step
            yield

    def _row(self, record: LocalRecord, venues: dict[str, str], subtitle: str) -> dict[str, Any]:
        title = record.data.get("name") or venues.get(record.data.get("venue_id", ""), _("Unknown venue"))
        if record.type == "followup":
            title = f"{title} · {tr.label(vocab.FOLLOWUP_SUBJECTS, record.data['subject_kind'])}"
        return record_row(record.type, record.id, title, subtitle, record.state, TARGETS[record.type])

    def _due_rows(self, due: list[DueWork], today: date) -> list[tuple[type[Widget], dict[str, Any]]]:
        """Scheduled and assigned work due this week, nearest first when the phone knows where it is."""
        if not due:
            return []
        rows: list[tuple[type[Widget], dict[str, Any]]] = [
            (SectionHeading, {"text": _("Planned work this week") + f" ({len(due)})"})]
        for item in due[:30]:
            data = item.assignment.data
            words = [_("Missed, due %(date)s") % {"date": data["due_date"]} if data["status"] == "missed" else
                     _("Due today") if item.due_date == today else _("Due %(date)s") % {"date": data["due_date"]}]
            if item.metres is not None:
                words.append(_("%(distance)s away") % {"distance": distance_text(item.metres)})
            if data.get("kind") == "case_revisit":
                words.append(data.get("case_number", ""))
            title = assignment_title(data, item.venue.data["name"] if item.venue else "")
            rows.append((RecordRow, record_row("assignment", item.assignment.id, title, " · ".join(words),
                                               item.assignment.state, "assignment")))
        return rows

    def _registry_rows(self, registry: RegistryWork) -> list[tuple[type[Widget], dict[str, Any]]]:
        """The rental registry's work: houses to visit, foreigners registered late, "moved?" to confirm (masked)."""
        rows: list[tuple[type[Widget], dict[str, Any]]] = []
        houses = registry.houses
        for title, group in ((_("Houses not verified for 90 days"), registry.unverified),
                             (_("Foreigners registered late"), registry.late),
                             (_("Moved? Registered elsewhere since"), registry.moved_query)):
            if not group:
                continue
            rows.append((SectionHeading, {"text": f"{title} ({len(group)})"}))
            for record in group[:30]:
                house = record if record.type == "rental_house" else houses.get(record.data["house_id"])
                if house is None:
                    continue
                data = shown(record)
                title_text = data["address"] if record.type == "rental_house" else \
                    f"{data['full_name']} · {house.data['address']}"
                subtitle = self.app.clock_text(data.get("last_verified_at") or "") if record.type == "rental_house" \
                    else _("Registered %(when)s") % {"when": self.app.clock_text(data["registered_at"])}
                rows.append((RecordRow, record_row(record.type, house.id, title_text, subtitle, record.state, "house")))
        return rows

    def scan_venue(self) -> None:
        """Scan the QR code printed for a venue (from the dashboard) to open it directly."""
        self.scan_message = ""
        if not self.scan_code(_("Choose a photo of the venue's QR code")):
            self.scan_message = _("This phone cannot read QR codes. Find the venue by name instead.")

    def code_scanned(self, text: str | None) -> None:
        venue_id = venue_id_in(text or "")
        if not text:
            self.scan_message = _("No QR code found in the photo. Try again closer.")
        elif venue_id is None:
            self.scan_message = _("This QR code is not a Beatlog venue code.")
        elif self.app.records.get("venue", venue_id) is None:
            self.scan_message = _("This venue is not in your beat (or not on this phone yet: sync, then scan again).")
        else:
            self.app.go("venue", record_id=venue_id)

    def _show_venue_chips(self, venues: list[LocalRecord]) -> None:
        """Nearby venues, then recent ones, one tap away above the day's work."""
        chips = self.ids.venue_chips
        chips.clear_widgets()
        for venue in venues:
            chips.add_widget(VenueChip(record_id=venue.id, title=venue.data["name"]))
        self.has_venue_chips = bool(venues)

    @staticmethod
    def _followup_subject(record: LocalRecord) -> str:
        return record.data.get("case_number") or record.data.get("notes", "")
