"""Plain callbacks told that something changed, so the handheld's core can tell a UI without knowing it.

The store, the sync thread and the sync client import no Kivy; the app connects a Kivy
trigger here (``Clock.create_trigger``), which runs its redraw once on the next frame however
many changes arrive in between, from whichever thread.
"""

from __future__ import annotations

from collections.abc import Callable

Listener = Callable[[], None]


class Listeners:
    def __init__(self) -> None:
        self.callbacks: list[Listener] = []

    def add(self, callback: Listener) -> None:
        self.callbacks.append(callback)

    def discard(self, callback: Listener) -> None:
        if callback in self.callbacks:
            self.callbacks.remove(callback)

    def notify(self) -> None:
        for callback in tuple(self.callbacks):
            callback()
