"""The Beatlog handheld app: screens, navigation, the sync bar and the services they share.

The app owns one store, account, media, location and camera; screens reach them through
``App.get_running_app()``. Syncing runs on :class:`mobile.autosync.AutoSync`'s thread and
reports through callbacks, which are moved onto the UI thread with ``Clock`` before any
property changes. The sync bar is redrawn by events, never on a timer: every commit to the
store (a save, an acknowledgement, a pulled page), the network coming or going, sync
progress and the end of a round fire one ``Clock`` trigger (as Electrum's Kivy GUI does),
which refreshes the bar once on the next frame.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import (
    BooleanProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.screenmanager import NoTransition, Screen, ScreenManager

from mobile.account import APP_VERSION, Account, AccountState
from mobile.autosync import AutoSync
from mobile.services.camera import Camera
from mobile.services.location import Location
from mobile.services.photos import Media
from mobile.services.platform import ask_for_hardware
from mobile.services.qr import QrReader
from mobile.session import Offline, ServerError, SyncError
from mobile.store import FormDrafts, Records, Replica, Store, StoreLocked
from mobile.store.images import Images
from mobile.sync_client import Progress, SyncReport
from mobile.ui import capture, fonts
from mobile.ui.background import Background
from mobile.ui.i18n import FOLLOW_DEVICE, _, resolve, tr
from mobile.ui.look import DISPLAY_KEY, look
from mobile.ui.screens import SCREEN_DIR, SCREENS
from mobile.ui.screens.base import FormScreen
from mobile.ui.screens.inspection import InspectionScreen
from mobile.ui.widgets import Toast, sync_bar_text
from sync.rules import TRAFFIC_ROLES

UI_DIR = Path(__file__).parent
LAYOUT_CLASSES = (capture.PhotoField, capture.PositionField, capture.SignatureField)
"""Widgets the layouts name; importing them registers them with Kivy's Factory."""
DEFAULT_SERVER = "http://127.0.0.1:5000"
AHEAD_ORDER = ("venue", "inspection", "venue_search", "followup", "outbox", "venue_form", "settings")
BACK_KEYS = (27, 1001)


class Screens(ScreenManager):
    """The app's screens, each built the first time it is asked for (or ahead, see ``BeatlogApp.build_ahead``):
    building all ten at start cost half a second before the first one showed."""

    def get_screen(self, name: str) -> Screen:
        if not self.has_screen(name):
            self.add_widget(SCREENS[name](name=name))
        return super().get_screen(name)


class BeatlogApp(App):
    title = "Beatlog"
    tr = ObjectProperty(tr)
    online = BooleanProperty(False)
    syncing = BooleanProperty(False)
    pending = NumericProperty(0)
    attention = NumericProperty(0)
    last_sync = StringProperty("")
    sync_phase = StringProperty("")
    sync_done = NumericProperty(0)
    sync_total = NumericProperty(0)
    account_state = StringProperty("")
    notice = StringProperty("")
    sync_text = StringProperty("")
    font_missing = BooleanProperty(False)
    pictures = NumericProperty(0)
    """Counts the pictures arriving and going: what shows a photo binds to it to redraw."""
    store: Store | None = None
    shown_toast: Toast | None = None

    def __init__(self, data_dir: Path | str | None = None, server_url: str | None = None,
                 probe_every: float = 15.0, location: Location | None = None, camera: Camera | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.chosen_data_dir = data_dir or os.environ.get("BEATLOG_DATA_DIR")
        self.default_server = server_url or os.environ.get("BEATLOG_SERVER_URL") or DEFAULT_SERVER
        self.probe_every = probe_every
        self.location = location or Location()
        self.camera = camera or Camera()
        self.qr = QrReader()
        self.history: list[tuple[str, dict[str, Any]]] = []

    @property
    def data_dir(self) -> Path:
        return Path(self.chosen_data_dir or self.user_data_dir)

    def get_application_config(self, defaultpath: str = "%(appdir)s/%(appname)s.ini") -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return str(self.data_dir / "beatlog.ini")

    def build_config(self, config: Any) -> None:
        config.setdefaults("beatlog", {"language": FOLLOW_DEVICE})

    def build(self) -> ScreenManager:
        self.font_missing = fonts.use_cjk_font() is None
        tr.switch("en" if self.font_missing else resolve(self.config.get("beatlog", "language")))
        tr.bind(language=self.show_sync_text)
        Window.bind(on_keyboard=self._on_key)
        self.store = Store(self.data_dir / "store")
        look.apply(**self.store.get_meta(DISPLAY_KEY, {}))
        self.account = Account(self.store)
        self.records = Records(self.store)
        self.drafts = FormDrafts(self.store)
        self.media = Media(self.store)
        self.images = Images(self.store)
        self.background = Background()
        for layout in [UI_DIR / "widgets.kv", UI_DIR / "capture.kv", UI_DIR / "evidence.kv", UI_DIR / "drafting.kv",
                       *(SCREEN_DIR / f"{name}.kv" for name in SCREENS)]:
            Builder.unload_file(str(layout))
            Builder.load_file(str(layout))
        manager = Screens(transition=NoTransition())
        self.autosync = AutoSync(self.store, self.account, probe_every=self.probe_every,
                                 on_progress=self._progress_from_thread, on_finished=self._finished_from_thread)
        ask_for_hardware()
        self.location.start()
        self.autosync.start()
        self.status_changed = Clock.create_trigger(self.refresh_status)
        self.store.changed.add(self.status_changed)
        self.autosync.changed.add(self.status_changed)
        self.pictures_changed = Clock.create_trigger(self._count_pictures)
        self.store.pictures_changed.add(self.pictures_changed)
        self.refresh_status()
        self.root = manager
        self.start_screen()
        return manager

    def start_screen(self) -> None:
        state = self.account.state
        self.history.clear()
        self.go("setup" if state in (AccountState.NEW, AccountState.WIPED) else "unlock", remember=False)

    def go(self, name: str, remember: bool = True, **params: Any) -> None:
        """Show a screen; ``params`` reach its ``open``. Back returns to where this was called."""
        manager: ScreenManager = self.root
        self._settle(manager)
        if remember and manager.current:
            self.history.append((manager.current, manager.current_screen.reopen_params()))
        manager.get_screen(name).open(**params)
        manager.current = name

    def back(self) -> bool:
        """Back to where the current screen was opened from, once the screen lets go (a form asks first)."""
        if not self.history:
            return False
        if not self.root.current_screen.may_leave():
            return True
        return self.leave()

    def leave(self) -> bool:
        name, params = self.history.pop()
        self._settle(self.root)
        self.root.get_screen(name).open(**params)
        self.root.current = name
        return True

    @staticmethod
    def _settle(manager: ScreenManager) -> None:
        """Finish a screen change still under way (two in one frame would leave the manager deaf to touch)."""
        if manager.transition.is_active:
            manager.transition.stop()

    def build_ahead(self) -> None:
        """Once Today is drawn, build what the officer opens next while they read it, one piece per frame:
        a venue and the inspection form with its checklist rows first, then the other screens."""
        if self.__dict__.get("built_ahead"):
            return
        self.built_ahead = True
        waiting = [name for name in AHEAD_ORDER if not self.root.has_screen(name)]

        def next_screen(_dt: float) -> None:
            if self.store is None or not self.store.is_open or not waiting:
                self.built_ahead = bool(self.store and self.store.is_open) and not waiting
                return
            screen = self.root.get_screen(waiting.pop(0))
            if isinstance(screen, InspectionScreen):
                screen.build_ahead()
            Clock.schedule_once(next_screen)

        Clock.schedule_once(next_screen)

    def home(self) -> None:
        """Today: a community officer's day, or a traffic officer's orders (they have no venues or logs)."""
        self.history.clear()
        traffic = (self.account.user or {}).get("role") in TRAFFIC_ROLES
        self.go("orders" if traffic else "home", remember=False)

    def resume(self) -> None:
        """After unlock: today's work, and on top of it the form that was open when the app last stopped."""
        self.background.run(self.records.spell_older_venues)
        self.home()
        opened = self.drafts.open_form()
        if opened is not None and self.root.get_screen(opened.screen).kept_draft(opened.params) is not None:
            self.go(opened.screen, **opened.params)

    def _on_key(self, _window: Any, key: int, *_args: Any) -> bool:
        return key in BACK_KEYS and self.back()

    def set_language(self, choice: str) -> None:
        self.config.set("beatlog", "language", choice)
        self.config.write()
        tr.switch(resolve(choice))

    def set_display(self, large_text: bool, high_contrast: bool) -> None:
        """Large text and high contrast, for reading in sunlight: applied at once, kept in the store."""
        look.apply(large_text=large_text, high_contrast=high_contrast)
        if self.store is not None:
            self.store.set_meta(DISPLAY_KEY, look.stored())

    def toast(self, text: str, seconds: float = 3.0) -> None:
        """A short confirmation over the current screen that fades by itself."""
        if self.shown_toast is not None:
            Window.remove_widget(self.shown_toast)
        self.shown_toast = Toast(text=text)
        Window.add_widget(self.shown_toast)
        Clock.schedule_once(lambda _dt: self._hide_toast(self.shown_toast), seconds)

    def _hide_toast(self, toast: Toast) -> None:
        if toast is self.shown_toast:
            Window.remove_widget(toast)
            self.shown_toast = None

    def sync_now(self) -> None:
        self.autosync.sync_now()

    def sync_asked(self) -> None:
        """The officer's Sync now: a round at once, and offline a word that it will happen by itself
        rather than a tap that seems to do nothing."""
        self.sync_now()
        if not self.autosync.online:
            self.toast(_("Offline · sends by itself when the network returns"))

    def refresh_status(self, *_args: Any) -> None:
        """The sync bar's counts; nothing while the store is locked (signing out may lock it as this runs)."""
        if self.store is None:
            return
        self.online = self.autosync.online
        try:
            self.pending = Replica(self.store).pending_count()
            self.attention = len(self.records.needing_attention())
            self.last_sync = self.store.get_meta("last_sync_at") or ""
        except StoreLocked:
            return
        self.account_state = self.account.state.value
        self.show_sync_text()

    def show_sync_text(self, *_args: Any) -> None:
        self.sync_text = sync_bar_text(self.online, self.syncing, self.pending, self.sync_phase, self.sync_done,
                                       self.sync_total, self.clock_text(self.last_sync), self.attention)

    def _count_pictures(self, *_args: Any) -> None:
        self.pictures += 1

    def _progress_from_thread(self, progress: Progress) -> None:
        Clock.schedule_once(lambda _dt: self._show_progress(progress))

    def _finished_from_thread(self, report: SyncReport | None, error: SyncError | None) -> None:
        Clock.schedule_once(lambda _dt: self._sync_finished(report, error))

    def _show_progress(self, progress: Progress) -> None:
        self.syncing = progress.phase != "done"
        self.sync_phase, self.sync_done, self.sync_total = progress.phase, progress.done, progress.total or 0
        self.show_sync_text()

    def _sync_finished(self, report: SyncReport | None, error: SyncError | None) -> None:
        """On the UI thread. The screen redraws only when the round changed something, so a list
        does not jump under the officer's thumb every few minutes; after the app closed, nothing."""
        if self.store is None:
            return
        self.syncing = False
        self.refresh_status()
        if self.account.state is AccountState.WIPED:
            self.notice = "wiped"
            self.start_screen()
            return
        if error is not None and not isinstance(error, (Offline, ServerError)):
            self.notice = getattr(error, "code", "") or "sync_failed"
        elif report is not None:
            self.notice = ""
        if error is not None or (report is not None and (report.pulled or any(report.pushed.values()))):
            self.root.current_screen.on_synced()

    def on_pause(self) -> bool:
        self.write_down()
        return True

    def write_down(self) -> None:
        """Pausing or closing: the open form's values, and every draft write still waiting, reach the store now."""
        self.root.current_screen.flush()
        for screen in self.root.screens:
            if isinstance(screen, FormScreen):
                screen.autosave.settle()

    def on_stop(self) -> None:
        self.shutdown()

    def shutdown(self) -> None:
        """Stop the sync thread, background work and the GPS, then close the store."""
        if self.store is None:
            return
        self.store.changed.discard(self.status_changed)
        self.autosync.changed.discard(self.status_changed)
        self.store.pictures_changed.discard(self.pictures_changed)
        self.status_changed.cancel()
        self.pictures_changed.cancel()
        self.write_down()
        self.autosync.stop()
        self.background.shutdown()
        self.location.stop()
        self.store.close()
        self.store = None

    @staticmethod
    def version() -> str:
        return APP_VERSION

    @staticmethod
    def clock_text(moment: str) -> str:
        """A server or device timestamp as the officer's local month-day hour:minute."""
        if not moment:
            return ""
        return datetime.fromisoformat(moment).astimezone().strftime("%m-%d %H:%M")
