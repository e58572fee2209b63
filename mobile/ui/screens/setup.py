"""First sign-in on this phone: with user name and password, or with a one-time enrolment code."""

from __future__ import annotations

import platform
from pathlib import Path
from typing import Any

from kivy.properties import BooleanProperty, StringProperty

from mobile.account import read_enrolment
from mobile.ui.explain import sign_in_error
from mobile.ui.i18n import _, tr
from mobile.ui.screens.base import BeatlogScreen


class SetupScreen(BeatlogScreen):
    busy = BooleanProperty(False)
    error = StringProperty("")
    with_code = BooleanProperty(False)

    def show(self) -> None:
        self.ids.server.text = self.app.account.server_url or self.app.default_server
        self.ids.password.text = self.ids.repeat.text = ""
        self.error = _("This phone was wiped: it was reported lost or the account was disabled. Sign in again.") \
            if self.app.notice == "wiped" else ""

    def code_read(self, text: str) -> None:
        """A scanned QR code also names the server: fill it in."""
        server_url, code = read_enrolment(text)
        if server_url:
            self.ids.server.text = server_url
            self.ids.code.text = code

    def scan(self) -> None:
        """Photograph the admin's QR code (on a desktop: pick an image of it) and read it."""
        if not self.scan_code(_("Choose a photo of the QR code")):
            self.error = _("This phone cannot read QR codes. Type the code instead.")

    def process(self, photo: Path) -> None:
        self.busy, self.error = True, ""
        super().process(photo)

    def code_scanned(self, text: str | None) -> None:
        self.busy = False
        if not text:
            self.error = _("No QR code found in the photo. Try again closer, or type the code.")
            return
        self.ids.code.text = text
        self.code_read(text)

    def sign_in(self) -> None:
        server_url = self.ids.server.text.strip().rstrip("/")
        password = self.ids.password.text
        name = self.ids.code.text.strip() if self.with_code else self.ids.username.text.strip().lower()
        if not (server_url and name and password):
            self.error = _("Enter the server address, your enrolment code and a password.") if self.with_code \
                else _("Enter the server address, your user name and your password.")
            return
        if self.with_code and password != self.ids.repeat.text:
            self.error = _("The two passwords are not the same.")
            return
        self.busy, self.error = True, ""
        device_name = f"{name} · {platform.node() or 'handheld'}"
        account = self.app.account
        work = (lambda: account.enrol_with_code(server_url, read_enrolment(name)[1], password, device_name)) \
            if self.with_code else (lambda: account.enrol(server_url, name, password, device_name))
        self.app.background.run(work, self._signed_in, self._failed)

    def _signed_in(self, _user: dict[str, Any]) -> None:
        self.busy = False
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
