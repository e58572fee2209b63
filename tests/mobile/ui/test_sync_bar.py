"""The sync bar is redrawn when something happens (a save, the network, a sync), never on a timer."""

from __future__ import annotations

from typing import Any

from tests.mobile.ui.driver import sign_in

FRAMES_FOR_AN_EVENT = 3
"""A trigger fires on the next frame; three frames take a few hundredths of a second, far less
than the tick of the one-second poll this bar once had."""


def repeating_events_of(app: Any) -> list[Any]:
    from kivy.clock import Clock

    return [event for event in Clock.get_events()
            if event.loop and getattr(event.get_callback(), "__self__", None) is app]


def test_the_sync_bar_follows_a_save_the_network_and_a_sync_without_polling(
        start_app: Any, network: Any) -> None:
    officer = start_app(network.url, "en")
    sign_in(officer)
    app = officer.app
    assert repeating_events_of(app) == []
    officer.wait(lambda: app.pending == 0 and app.online, "the first sync to settle")

    network.offline = True
    officer.wait(lambda: not app.online and app.sync_text.startswith("Offline"), "the bar to say offline")
    assert app.shown_toast is None
    officer.tap("sync_bar")
    assert app.shown_toast is not None and app.shown_toast.text == "Offline · sends by itself when the network returns"

    venue = app.records.all("venue")[0]
    app.records.save("venue", {"notes": "Side gate chained shut"}, venue.id)
    officer.pump(FRAMES_FOR_AN_EVENT)
    assert app.pending == 1
    assert app.sync_text.startswith("Offline · 1 record waiting"), app.sync_text

    before = app.last_sync
    network.offline = False
    officer.wait(lambda: app.pending == 0 and not app.syncing, "the change to be sent")
    assert app.online and app.last_sync > before
    assert app.sync_text.startswith("Online · Everything sent · Last sync"), app.sync_text
    assert repeating_events_of(app) == []


def test_the_sync_bar_names_each_phase_the_sync_client_reports(start_app: Any, network: Any) -> None:
    from mobile.sync_client import PULL, PUSH, UPLOAD
    from mobile.ui.widgets import sync_bar_text

    start_app(network.url, "en")
    steps = [sync_bar_text(True, True, 0, phase, 1, 2, "") for phase in (UPLOAD, PUSH, PULL)]
    assert steps == ["Sending photos 1/2", "Sending records 1/2", "Receiving updates 1/2"]
