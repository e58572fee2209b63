"""Driving the app as an officer does: taps on real widgets through Kivy's input dispatch.

Every tap, swipe and signature stroke goes through the window like a finger's touch and is
counted, so a test can say how many touches a task takes. Typing inserts text into the
focused field, as the on-screen keyboard would.

Kivy is imported inside the functions: importing it opens the window, which must wait for
the display the fixtures start.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kivy.uix.scrollview import ScrollView
    from kivy.uix.widget import Widget

    from mobile.ui.app import BeatlogApp

REPO = Path(__file__).resolve().parents[3]
SCREENSHOTS = Path(os.environ.get("BEATLOG_SCREENSHOTS", REPO / "docs" / "screenshots" / "handheld"))


@contextmanager
def private_display() -> Iterator[str]:
    """A private Xvfb for as long as it is needed, its name in ``DISPLAY`` meanwhile."""
    read_end, write_end = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1024x1024x24", "-nolisten",
                               "tcp"], pass_fds=(write_end,), stderr=subprocess.DEVNULL)
    os.close(write_end)
    with os.fdopen(read_end) as announced:
        number = announced.readline().strip()
    os.environ["DISPLAY"] = f":{number}"
    try:
        yield os.environ["DISPLAY"]
    finally:
        del os.environ["DISPLAY"]
        server.terminate()
        server.wait(timeout=10)


def open_window(kivy_home: Path) -> Any:
    """Kivy's window, opened once per process at a handheld's portrait size, with Kivy's settings in ``kivy_home``."""
    os.environ.update(KIVY_HOME=str(kivy_home), KIVY_NO_ARGS="1", KIVY_NO_CONSOLELOG="1", KIVY_NO_FILELOG="1",
                      KIVY_LOG_MODE="PYTHON")
    from mobile.ui.main import configure_window

    configure_window()
    from kivy.base import EventLoop
    from kivy.core.window import Window

    EventLoop.ensure_window()
    return Window


def open_app(data_dir: Path, server_url: str, **options: Any) -> BeatlogApp:
    from mobile.ui.app import BeatlogApp

    app = BeatlogApp(data_dir=data_dir, server_url=server_url, probe_every=0.3, **options)
    app._run_prepare()
    return app


def close_app(app: BeatlogApp, window: Any) -> None:
    """Stop the app and drop its layouts' bindings, so the next app in this window starts clean."""
    if app.store is None:
        return
    app.dispatch("on_stop")
    drop_app(app, window)


def kill_app(app: BeatlogApp, window: Any) -> None:
    """The app dies as a killed process does: no stop handlers, no pause, nothing flushed on the way out.

    Only what outlives a process is stopped: its threads, the GPS and the file handle (a write
    already under way finishes, as the kernel would finish a committed SQLite transaction).
    """
    if app.store is None:
        return
    app.autosync.stop()
    app.background.pool.shutdown(wait=False, cancel_futures=True)
    app.location.stop()
    app.store.close()
    app.store = None
    drop_app(app, window)


def drop_app(app: BeatlogApp, window: Any) -> None:
    """Forget an app as a new process would: its layouts' bindings, its widgets, and the layouts' ``app``
    (Kivy's proxy lets go of an app only when it stops, which a killed app never does)."""
    from kivy.lang import Builder, global_idmap

    for widget in app.root.walk():
        Builder.unbind_widget(widget.uid)
    for child in list(window.children):
        window.remove_widget(child)
    app.config.name = ""
    type(app)._running_app = None
    object.__setattr__(global_idmap["app"], "_obj", None)


class Officer:
    def __init__(self, app: BeatlogApp, window: Any) -> None:
        self.app = app
        self.window = window
        self.touches = 0

    def close(self) -> None:
        """The officer closes the app (it can be opened again on the same data)."""
        close_app(self.app, self.window)

    def kill(self) -> None:
        """The phone kills the app mid-task (low memory, a crash): it is opened again on the same data."""
        kill_app(self.app, self.window)

    @property
    def screen(self) -> Any:
        return self.app.root.current_screen

    def pump(self, frames: int = 3) -> None:
        from kivy.base import EventLoop

        for _ in range(frames):
            EventLoop.idle()

    def wait(self, condition: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump(1)
            result = condition()
            if result:
                self.pump(2)
                return result
            time.sleep(0.01)
        raise AssertionError(f"waited {timeout} s for {what}; on screen {self.screen.name}")

    def settle(self, timeout: float = 10.0) -> None:
        """Let lists finish drawing: a thumb lands on what the screen shows once background work is done."""
        deadline = time.monotonic() + timeout
        while self.app.background.busy and time.monotonic() < deadline:
            self.pump(1)
            time.sleep(0.01)
        self.pump(2)

    def on(self, screen_name: str) -> Any:
        return self.wait(lambda: self.screen if self.screen.name == screen_name else None, f"screen {screen_name}")

    def widget(self, widget_id: str) -> Widget:
        return self.screen.ids[widget_id]

    def reveal(self, widget: Widget) -> None:
        """Scroll a widget into view as a thumb would (one swipe), when it is not on screen."""
        from kivy.uix.scrollview import ScrollView

        scroller = next((parent for parent in _parents(widget) if isinstance(parent, ScrollView)), None)
        if scroller is None or _visible_in(widget, scroller):
            return
        scroller.scroll_to(widget, padding=40, animate=False)
        self.touches += 1
        self.pump()
        assert _visible_in(widget, scroller), f"{widget} stays out of view"

    def in_view(self, widget: Widget) -> bool:
        """Whether the officer sees the widget now, without scrolling."""
        from kivy.uix.scrollview import ScrollView

        scroller = next((parent for parent in _parents(widget) if isinstance(parent, ScrollView)), None)
        return scroller is None or _visible_in(widget, scroller)

    def tap(self, target: str | Widget) -> None:
        from kivy.tests.common import UnitTestTouch

        widget = self.widget(target) if isinstance(target, str) else target
        self.settle()
        self.reveal(widget)
        assert widget.get_root_window() is not None, f"{target} is no longer on screen"
        assert not widget.disabled, f"{target} is disabled"
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        touch.touch_up()
        self.touches += 1
        self.pump()

    def back(self) -> None:
        """The top bar's Back button."""
        from mobile.ui.widgets import TopBar

        bar = next(widget for widget in self.screen.walk(restrict=True) if isinstance(widget, TopBar))
        self.tap(bar.ids.back)

    def type(self, target: str | Widget, text: str) -> None:
        """Tap into the field and type; a field the app already put the cursor in needs no tap."""
        field = self.widget(target) if isinstance(target, str) else target
        if field.focus:
            self.reveal(field)
        else:
            self.tap(field)
        field.select_all()
        field.delete_selection()
        field.insert_text(text)
        self.pump()

    def choose(self, choices: str | Widget, value: str) -> None:
        widget = self.widget(choices) if isinstance(choices, str) else choices
        self.tap(widget.button_for(value))

    def sign(self, field: str | Widget) -> None:
        """Ask for a signature, sign with one stroke across the pad, and confirm."""
        from kivy.tests.common import UnitTestTouch

        from mobile.ui.capture import SignatureSheet

        signature = self.widget(field) if isinstance(field, str) else field
        before = signature.sha256
        self.tap(signature.ids.sign)
        sheet = self.wait(lambda: next((w for w in self.window.children if isinstance(w, SignatureSheet)), None),
                          "the signature pad")
        self.pump(10)
        widget = sheet.ids.pad
        points = [widget.to_window(widget.x + widget.width * f, widget.y + widget.height * (0.3 + 0.4 * (f % 0.2)))
                  for f in (0.1, 0.25, 0.4, 0.55, 0.7, 0.85)]
        touch = UnitTestTouch(*points[0])
        touch.touch_down()
        for x, y in points[1:]:
            touch.touch_move(x, y)
        touch.touch_up()
        self.touches += 1
        self.pump()
        self.tap(sheet.ids.done)
        self.wait(lambda: signature.sha256 and signature.sha256 != before, "the signature to be stored")

    def pick(self, file_name: str) -> None:
        """In the open photo picker (the desktop's camera), tap a file, then "Use this photo"."""
        from mobile.ui.capture import PhotoPicker

        picker = self.wait(lambda: next((w for w in self.window.children if isinstance(w, PhotoPicker)), None),
                           "the photo picker")
        self.pump(5)
        entry = self.wait(lambda: next((w for w in picker.ids.chooser.walk() if str(getattr(w, "path", ""))
                                        .endswith(file_name) and hasattr(w, "locked")), None), f"{file_name} listed")
        self.tap(entry)
        self.tap(picker.ids.use)

    def rows(self, container: str | Widget) -> list[Widget]:
        widget = self.widget(container) if isinstance(container, str) else container
        return [child for child in widget.walk(restrict=True) if hasattr(child, "record_id") and child.record_id]

    def row(self, container: str | Widget, title_contains: str) -> Widget:
        """A row on screen now; a RecycleView reuses row widgets, so read what you need at once."""
        return self.wait(lambda: not self.app.background.busy and next(
            (row for row in self.rows(container) if title_contains in row.title), None),
            f"a row titled with {title_contains!r}")

    def texts(self) -> list[str]:
        """Every text the current screen shows, for checking what the officer reads."""
        return [text for text in _texts(self.app.root.current_screen) if text]

    def screenshot(self, name: str) -> Path:
        """Save the window under docs/screenshots.

        Kivy writes ``<name>0001.png``, numbered past the files it finds: written under a name
        private to this process and renamed, so parallel workers never take the same file.
        """
        from mobile.ui.i18n import tr

        settled = time.monotonic() + 0.3
        while time.monotonic() < settled:
            self.pump(1)
            time.sleep(0.02)
        target = SCREENSHOTS / tr.language / f"{name}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        saved = Path(self.window.screenshot(name=str(target.with_name(f".{name}-{os.getpid()}-.png"))))
        saved.replace(target)
        return target


def _parents(widget: Widget) -> Iterable[Widget]:
    while widget.parent is not None and widget.parent is not widget:
        widget = widget.parent
        yield widget


def _visible_in(widget: Widget, scroller: ScrollView) -> bool:
    _, bottom = widget.to_window(widget.x, widget.y)
    _, top = widget.to_window(widget.x, widget.top)
    _, view_bottom = scroller.to_window(scroller.x, scroller.y)
    _, view_top = scroller.to_window(scroller.x, scroller.top)
    middle = (bottom + top) / 2
    return view_bottom <= middle <= view_top


def _texts(widget: Widget) -> Iterable[str]:
    for child in widget.walk(restrict=True):
        if getattr(child, "opacity", 1) and isinstance(getattr(child, "text", None), str):
            yield child.text
        if getattr(child, "hint_text", ""):
            yield child.hint_text


def unlock(officer: Officer) -> Officer:
    """A signed-in phone's app started again: the unlock screen, the demo password, Unlock."""
    officer.on("unlock")
    officer.type("password", "demo")
    officer.tap("unlock")
    return officer


def sign_in(officer: Officer, username: str = "officer1", today: str = "home") -> None:
    """Sign in on the setup screen; ``today`` is the screen the role's day starts on (``orders`` for traffic police)."""
    officer.on("setup")
    officer.type("username", username)
    officer.type("password", "demo")
    officer.tap("sign_in")
    officer.wait(lambda: officer.screen.name == today or officer.screen.error, "the sign-in")
    assert officer.screen.name == today, officer.screen.error
    officer.wait(lambda: officer.app.last_sync and not officer.app.syncing, "the first sync")
