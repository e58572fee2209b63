"""Photos reaching the phone: thumbnails in the background, the full image when the officer opens one.

The sync thread runs ``fetch_thumbnails`` after each round (``mobile.autosync``), through the
round's own session, which owns timeouts, retries and backoff. It asks for the thumbnail of
each picture the phone's records reference and it lacks, newest work first, one at a time,
and stops between two of them when told to (a round is wanted, the app is closing), when the
budget is full of pictures used more recently (``mobile.store.images``), or with the
session's error when the network goes; what arrived is kept and the next run picks up the
rest. A picture the server cannot give (``404``, or ``500 blob_unavailable``: its file lost on
the server) is passed over and noted, so it does not hold up the others.
``fetch_full`` is the viewer's: one image, verified against its hash.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import requests

from mobile.session import Attempt, RequestRejected, ServerError, Session
from mobile.store import Store
from mobile.store.images import Images


def blob_address(sha256: str) -> str:
    return f"/api/v1/blobs/{sha256}"


class PhotoFetcher:
    def __init__(self, store: Store, session: Session, *, should_stop: Callable[[], bool] = lambda: False) -> None:
        self.images = Images(store)
        self.session = session
        self.should_stop = should_stop

    def fetch_thumbnails(self, retry_missing: bool = False) -> int:
        """Fetch what the phone lacks until done, stopped or full; returns how many arrived.

        ``retry_missing`` after a pull that brought changes: a picture the server would not give
        may be readable now (one it had no thumbnail of is asked again a day later, see
        ``Images.forget_unavailable``). Raises the session's errors (``Offline`` first among them).
        """
        self.images.forget_unavailable(missing=retry_missing)
        references = self.images.references()
        self.images.drop_unreferenced(references)
        arrived = 0
        for sha256, used_at in self.images.wanted(references):
            if self.should_stop() or not self.images.has_room(used_at):
                break
            try:
                response = self._image(f"{blob_address(sha256)}/thumbnail")
            except RequestRejected as error:
                if error.status != 404:
                    raise
                self.images.mark_unavailable(sha256, "none" if error.code == "no_thumbnail" else "missing")
                continue
            except ServerError as error:
                if error.code != "blob_unavailable":
                    raise
                self.images.mark_unavailable(sha256, "missing")
                continue
            if not self.images.keep_thumbnail(sha256, response.content, used_at):
                break
            arrived += 1
        return arrived

    def fetch_full(self, sha256: str) -> Path:
        """The full image, kept on the phone; ``RequestRejected`` (404) when the server will not give it."""
        response = self._image(blob_address(sha256))
        try:
            return self.images.keep_full(sha256, response.content, response.headers["Content-Type"].split(";")[0])
        except ValueError as error:
            raise ServerError(str(error), Attempt("GET", response.url), response) from error

    def _image(self, path: str) -> requests.Response:
        """GET an image; an answer that is not one (a captive portal's page) is the server failing."""
        response = self.session.request("GET", path)
        if not response.headers.get("Content-Type", "").startswith("image/"):
            raise ServerError(f"{response.url} answered {response.headers.get('Content-Type')}, not an image",
                              Attempt("GET", response.url), response)
        return response
