"""Work off the UI thread, with its result delivered back on it through Kivy's Clock.

Network calls, photo processing and searches run here so the screen never freezes; the
callbacks run on the UI thread, where widgets may be touched. UI work too long for one frame
runs here in steps, one per frame (:meth:`Background.in_frames`). ``busy`` counts both, so
a test (or a bench) knows when the screen has finished drawing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from kivy.clock import Clock

log = logging.getLogger(__name__)
DONE = object()


class Background:
    def __init__(self, workers: int = 2) -> None:
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="beatlog-ui")
        self.busy = 0

    def run(self, work: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None) -> Future:
        self.busy += 1
        future = self.pool.submit(work)
        future.add_done_callback(lambda finished: Clock.schedule_once(lambda _dt: self._deliver(finished,
                                                                                                   on_done, on_error)))
        return future

    def _deliver(self, future: Future, on_done: Callable[[Any], None] | None,
                 on_error: Callable[[BaseException], None] | None) -> None:
        self.busy -= 1
        if future.cancelled():
            return
        error = future.exception()
        if error is None:
            if on_done is not None:
                on_done(future.result())
        elif on_error is not None:
            on_error(error)
        else:
            log.error("background work failed", exc_info=error)

    def in_frames(self, steps: Iterator[None]) -> None:
        """UI-thread work too long for one frame (building many widgets): its first step now, then one per
        frame, counted in ``busy`` like work off the thread until the steps run out."""
        self.busy += 1

        def step(_dt: float = 0) -> None:
            if next(steps, DONE) is DONE:
                self.busy -= 1
            else:
                Clock.schedule_once(step)

        step()

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
