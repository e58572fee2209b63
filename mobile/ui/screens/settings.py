"""Language, text size and contrast, server, who is signed in, and signing out."""

from __future__ import annotations

from kivy.properties import StringProperty

from mobile.ui.i18n import _, tr
from mobile.ui.look import look
from mobile.ui.screens.base import BeatlogScreen
from sync import vocab


class SettingsScreen(BeatlogScreen):
    signed_in = StringProperty("")
    message = StringProperty("")

    def show(self) -> None:
        user = self.app.account.user or {}
        self.signed_in = f"{user.get('display_name', '')} ({user.get('username', '')}) · " \
                         f"{tr.label(vocab.ROLES, user.get('role'))}"
        self.ids.language.labels = {"device": _("Follow the phone"), "zh": "中文", "en": "English"}
        self.ids.language.value = self.app.config.get("beatlog", "language")
        self.ids.text_size.labels = {"normal": _("Normal text"), "large": _("Large text")}
        self.ids.text_size.value = "large" if look.large_text else "normal"
        self.ids.contrast.labels = {"normal": _("Normal contrast"), "high": _("High contrast")}
        self.ids.contrast.value = "high" if look.high_contrast else "normal"
        self.ids.server.text = self.app.account.server_url or self.app.default_server
        self.message = ""

    def pick_language(self, choice: str) -> None:
        if choice and choice != self.app.config.get("beatlog", "language"):
            self.app.set_language(choice)
            self.show()

    def change_display(self) -> None:
        self.app.set_display(large_text=self.ids.text_size.value == "large",
                             high_contrast=self.ids.contrast.value == "high")

    def save_server(self) -> None:
        server_url = self.ids.server.text.strip().rstrip("/")
        if not server_url.startswith(("http://", "https://")):
            self.message = _("The address starts with http:// or https://.")
            return
        self.app.account.use_server(server_url)
        self.message = _("Saved. The next sync uses this server.")
        self.app.sync_now()

    def sign_out(self) -> None:
        self.app.background.run(self.app.account.sign_out, lambda _none: self.app.start_screen())
