"""What every screen shares: opening with parameters, redrawing after a sync or a language switch."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar

from kivy.app import App
from kivy.clock import Clock
from kivy.metrics import dp
from kivy.properties import BooleanProperty, DictProperty, ObjectProperty
from kivy.uix.screenmanager import Screen

from mobile.forms import Problem, draft_problems
from mobile.planning import complete_assignments
from mobile.store import LocalRecord
from mobile.store.drafts import FormDraft
from mobile.ui.capture import PhotoPicker
from mobile.ui.drafting import Autosave, LeaveFormSheet
from mobile.ui.i18n import _, tr


class BeatlogScreen(Screen):
    params = DictProperty({})
    keeps_edits = False
    """Forms keep what the officer typed when a sync lands; lists redraw."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        tr.bind(language=self._language_changed)

    @property
    def app(self) -> Any:
        return App.get_running_app()

    def open(self, **params: Any) -> None:
        self.params = params
        self.show()

    def show(self) -> None:
        """Fill the screen from the store."""

    def reopen_params(self) -> dict[str, Any]:
        return dict(self.params)

    def may_leave(self) -> bool:
        """Back asks first; a screen with something to settle says no and settles it."""
        return True

    def flush(self) -> None:
        """The app is going to the background: write down whatever is still only on screen."""

    def on_synced(self) -> None:
        if not self.keeps_edits:
            self.show()

    def scan_code(self, title: str) -> bool:
        """Photograph a QR code (on a desktop: pick an image of it); ``code_scanned`` gets its text,
        or ``None`` when the photo holds none. False when this phone cannot read QR codes."""
        if not self.app.qr.available:
            return False
        if not self.app.camera.take_picture(lambda path: Clock.schedule_once(lambda _dt: self.process(path))):
            PhotoPicker(receiver=self, title=title).open()
        return True

    def process(self, photo: Path) -> None:
        """The photo to read, from the camera or the picker (``PhotoPicker``'s receiver)."""
        qr = self.app.qr
        self.app.background.run(lambda: qr.read(photo), self.code_scanned, lambda _error: self.code_scanned(None))

    def code_scanned(self, text: str | None) -> None:
        raise NotImplementedError

    def shown(self) -> bool:
        """Whether this is the screen the running app shows now (not one of an app since closed)."""
        app = self.app
        return app is not None and self.manager is app.root and self.manager.current == self.name

    def _language_changed(self, *_args: Any) -> None:
        if self.shown() and not self.keeps_edits:
            self.show()


class FormScreen(BeatlogScreen):
    """A screen that edits one record and shows what is wrong beside each field."""

    keeps_edits = True
    record_type: ClassVar[str] = ""
    """The type of record the form edits; ``params["record_id"]`` names an existing one."""
    record = ObjectProperty(None, allownone=True)
    """The record being edited, as the store has it (None for a new one)."""
    errors = DictProperty({})
    """Problem field → the message shown beside it."""
    field_widgets: ClassVar[Mapping[str, tuple[str, str]]] = {}
    """Problem field → (widget id, property) where the widget's id differs from the field's name."""
    restored = BooleanProperty(False)
    """The form opened with a kept draft: its edits are on screen but not saved."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.autosave = Autosave(self)
        self.draft_fields: dict[str, Any] = {}
        self.opened_data: dict[str, Any] = {}
        """The record's data the form was filled from: what the officer's edits are measured against."""

    def open(self, **params: Any) -> None:
        """Show the record with the officer's kept draft (if any) over it, and autosave from here on."""
        self.params = params
        draft = self.kept_draft(params)
        self.draft_fields = draft.fields if draft else {}
        self.restored = draft is not None
        self.show()
        record = self.stored_record(params)
        self.opened_data = dict(record.data) if record else {}
        self.autosave.start(params, dict(record.data) if record else None)

    def stored_record(self, params: dict[str, Any]) -> LocalRecord | None:
        """The record the form opens on, as the store has it now (None for a new one, or one gone)."""
        record_id = params.get("record_id")
        return self.app.records.get(self.record_type, record_id) if record_id else None

    def locks(self, record: LocalRecord) -> bool:
        """Whether this form only shows ``record`` (an approved log): no draft is laid over it."""
        return False

    def kept_draft(self, params: dict[str, Any]) -> FormDraft | None:
        """The officer's kept draft of the form opened with ``params``, while it still fits the record.

        A draft over a record that was updated, locked or removed since it was made would lay old
        values over someone else's change (or reopen a record that is no longer here): it is thrown
        away and the officer told so, plainly.
        """
        draft = self.autosave.draft_for(params)
        if draft is None:
            return None
        record = self.stored_record(params)
        if draft.fits(record) and not (record is not None and self.locks(record)):
            return draft
        self.autosave.drop(params)
        self.app.toast(_("Draft out of date: the record is no longer on this phone; unsaved changes discarded.")
                       if record is None else
                       _("Draft out of date: the record was updated; unsaved changes discarded."))
        return None

    def draft_values(self) -> dict[str, Any]:
        """What the form's fields hold now, shaped like the record's data, valid or not."""
        raise NotImplementedError

    def read_only(self) -> bool:
        return False

    def may_leave(self) -> bool:
        if not self.autosave.unsaved:
            self.autosave.finish(keep=False)
            return True
        LeaveFormSheet(screen=self).open()
        return False

    def flush(self) -> None:
        self.autosave.flush()

    def watch_fixes(self) -> None:
        """A problem's message goes as soon as the officer changes that field."""
        watched = self.__dict__.setdefault("watched", set())
        for name in self.errors:
            widget_id, prop = self.field_widgets.get(name, (name, ""))
            widget = self.ids.get(widget_id)
            if widget is None or name in watched:
                continue
            prop = prop or ("text" if hasattr(widget, "insert_text") else "value")
            widget.fbind(prop, self._fixed, name)
            watched.add(name)

    def _fixed(self, name: str, *_args: Any) -> None:
        if name in self.errors:
            self.errors = {field: text for field, text in self.errors.items() if field != name}

    def keep(self, record_type: str, data: dict[str, Any], record_id: str | None,
             check: Callable[[dict[str, Any]], list[Problem]] | None = None, submit: bool = True) -> LocalRecord | None:
        """Save when the whole record passes ``check`` (the wire schema alone without one); otherwise show why.

        An existing record gets only the fields the officer changed since the form was filled in: a
        change pulled while the form was open (a colleague's, the chief's) stays, instead of being
        overwritten by the values the form still shows.
        """
        current = self.app.records.get(record_type, record_id) if record_id else None
        if current is not None:
            data = {name: value for name, value in data.items()
                    if name not in self.opened_data or self.opened_data[name] != value}
        whole = {**(current.data if current else {}), **data}
        problems = check(whole) if check is not None else draft_problems(record_type, whole)
        if problems:
            self.show_problems(problems)
            return None
        saved = self.app.records.save(record_type, data, record_id, submit=submit)
        if submit:
            complete_assignments(self.app.records, saved, self.app.account.user.get("id"),
                                 current.data.get("status") if current else None)
        self.autosave.finish(keep=False)
        self.restored = False
        if submit:
            self.app.sync_now()
        return saved

    def show_problems(self, problems: list[Problem]) -> None:
        raise NotImplementedError

    def bring_up(self, answered: Any) -> None:
        """Scroll the form down so the part just answered sits at the top and what comes next is in view.

        Only for an officer's answer on the screen shown (a screen filling itself stays at the top),
        and never back up: the form follows the officer's work down the page as a paper form would.
        """
        scroller = self.ids.scroller
        content = scroller.children[0] if scroller.children else None
        if content is None or self.manager is None or self.manager.current != self.name:
            return
        _, answered_top = answered.to_window(answered.x, answered.top)
        _, view_top = scroller.to_window(scroller.x, scroller.top)
        travel = content.height - scroller.height
        if travel <= 0:
            return
        rise = view_top - dp(12) - answered_top
        if rise > 0:
            scroller.scroll_y = max(0.0, scroller.scroll_y - rise / travel)
