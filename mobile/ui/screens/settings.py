"""Language, text size and contrast, photos on the phone, server, who is signed in, and signing out."""

from __future__ import annotations

from typing import Any

from kivy.properties import NumericProperty, StringProperty

from mobile.store.images import BUDGET_CHOICES, GB, MB
from mobile.ui.i18n import _, tr
from mobile.ui.look import look
from mobile.ui.screens.base import BeatlogScreen
from sync import vocab


def megabytes(size: int) -> str:
    return f"{size / MB:.1f} MB"


def budget_text(size: int) -> str:
    return f"{size // GB} GB" if size % GB == 0 else f"{size // MB} MB"


class SettingsScreen(BeatlogScreen):
    signed_in = StringProperty("")
    message = StringProperty("")
    photo_usage = StringProperty("")
    taken_usage = StringProperty("")
    pictures = NumericProperty(0)
    """The app's picture count (bound in the layout): the space used is shown again when it moves."""

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
        self.ids.budget.labels = {str(size): budget_text(size) for size in BUDGET_CHOICES}
        self.ids.budget.value = str(self.app.images.budget)
        self.ids.server.text = self.app.account.server_url or self.app.default_server
        self.message = ""
        self.show_photo_usage()

    def on_pictures(self, *_args: Any) -> None:
        if self.shown():
            self.show_photo_usage()

    def show_photo_usage(self) -> None:
        """The space downloaded photos take against the budget, and what those taken here take."""
        usage = self.app.images.usage()
        self.photo_usage = _("Downloaded photos %(used)s / %(budget)s") % {
            "used": megabytes(usage.downloaded), "budget": budget_text(usage.budget)}
        self.taken_usage = _("Photos taken on this phone (%(size)s) are always kept and do not count.") % {
            "size": megabytes(usage.taken)}

    def pick_budget(self, choice: str) -> None:
        images = self.app.images
        self.app.background.run(lambda: images.set_budget(int(choice)))

    def clear_photos(self) -> None:
        self.app.background.run(self.app.images.clear,
                                lambda _none: self.app.toast(_("Downloaded photos cleared")))

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
