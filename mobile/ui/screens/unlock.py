"""Opening the app offline with the officer's password; online it renews an expired sign-in too."""

from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty

from mobile.account import WIPE_CODES, AccountState, WrongPassword
from mobile.session import AuthError
from mobile.ui.explain import sign_in_error
from mobile.ui.i18n import _
from mobile.ui.screens.base import BeatlogScreen


class UnlockScreen(BeatlogScreen):
    officer = StringProperty("")
    error = StringProperty("")
    busy = BooleanProperty(False)

    def show(self) -> None:
        user = self.app.account.user or {}
        self.officer = user.get("display_name", "")
        self.ids.password.text = ""
        self.error = ""

    def unlock(self) -> None:
        password = self.ids.password.text
        try:
            self.app.account.unlock(password)
        except WrongPassword:
            self.error = _("The password does not match.")
            return
        if self.app.account.state is AccountState.NEEDS_PASSWORD:
            self.busy = True
            self.app.background.run(lambda: self.app.account.reauthenticate(password), self._renewed,
                                    self._not_renewed)
            return
        self._open()

    def _renewed(self, _result: object) -> None:
        self.busy = False
        self._open()

    def _not_renewed(self, error: BaseException) -> None:
        """Offline the officer works on and signs in again later; a refusal is shown here."""
        self.busy = False
        if isinstance(error, AuthError) and error.code in WIPE_CODES:
            self.app.account.handle(error)
            self.app.notice = "wiped"
            self.app.start_screen()
        elif isinstance(error, AuthError):
            self.app.account.lock()
            self.error = sign_in_error(error)
        else:
            self._open()

    def _open(self) -> None:
        self.app.sync_now()
        self.app.refresh_status()
        self.app.resume()
