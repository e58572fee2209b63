"""First sign-in on this phone: the server's address, the officer's user name and password."""

from __future__ import annotations

import platform

from kivy.properties import BooleanProperty, StringProperty

from mobile.ui.explain import sign_in_error
from mobile.ui.i18n import _, tr
from mobile.ui.screens.base import BeatlogScreen


class SetupScreen(BeatlogScreen):
    busy = BooleanProperty(False)
    error = StringProperty("")

    def show(self) -> None:
        self.ids.server.text = self.app.config.get("beatlog", "server_url")
        self.ids.password.text = ""
        self.error = _("This phone was wiped: it was reported lost or the account was disabled. Sign in again.") \
            if self.app.notice == "wiped" else ""

    def sign_in(self) -> None:
        server_url = self.ids.server.text.strip().rstrip("/")
        username, password = self.ids.username.text.strip().lower(), self.ids.password.text
        if not (server_url and username and password):
            self.error = _("Enter the server address, your user name and your password.")
            return
        self.busy, self.error = True, ""
        device_name = f"{username} · {platform.node() or 'handheld'}"
        self.app.background.run(lambda: self.app.account.enrol(server_url, username, password, device_name),
                                lambda _user: self._signed_in(server_url), self._failed)

    def _signed_in(self, server_url: str) -> None:
        self.busy = False
        self.app.config.set("beatlog", "server_url", server_url)
        self.app.config.write()
        self.app.notice = ""
        self.app.sync_now()
        self.app.home()

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        self.error = sign_in_error(error)

    def pick_language(self, choice: str) -> None:
        """The language buttons follow ``tr`` too; only the officer's own tap here changes it."""
        if self.manager is not None and self.manager.current == self.name and choice != tr.language:
            self.app.set_language(choice)
