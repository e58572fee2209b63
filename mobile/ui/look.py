"""How the app looks outdoors: text size and contrast, chosen in Settings and kept in the store.

The layouts bind their font sizes (``sp(17) * look.text_scale``) and main colours
(``look.ink``, ``look.muted``, ``look.primary``, ``look.quiet``) to the one ``look`` below,
as they bind words to ``tr``; changing it restyles every screen at once. The base ``<Label>``
rule keeps a constant ink: a binding there would fire after, and so override, the white text a
derived rule sets on dark ground (the top bar, the big buttons, banners).
"""

from __future__ import annotations

from typing import Any

from kivy.core.window import Window
from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, ListProperty, NumericProperty

DISPLAY_KEY = "display"
LARGE_TEXT_SCALE = 1.3
NORMAL = {"ink": (0.1, 0.1, 0.12, 1), "muted": (0.38, 0.38, 0.42, 1), "primary": (0.05, 0.28, 0.63, 1),
          "quiet": (0.86, 0.88, 0.92, 1), "ground": (0.97, 0.97, 0.96, 1)}
HIGH_CONTRAST = {"ink": (0, 0, 0, 1), "muted": (0.1, 0.1, 0.1, 1), "primary": (0.0, 0.1, 0.36, 1),
                 "quiet": (0.76, 0.79, 0.86, 1), "ground": (1, 1, 1, 1)}


class Look(EventDispatcher):
    large_text = BooleanProperty(False)
    high_contrast = BooleanProperty(False)
    text_scale = NumericProperty(1.0)
    ink = ListProperty(list(NORMAL["ink"]))
    muted = ListProperty(list(NORMAL["muted"]))
    primary = ListProperty(list(NORMAL["primary"]))
    quiet = ListProperty(list(NORMAL["quiet"]))

    def apply(self, large_text: bool = False, high_contrast: bool = False, **_unknown: Any) -> None:
        self.large_text, self.high_contrast = large_text, high_contrast
        self.text_scale = LARGE_TEXT_SCALE if large_text else 1.0
        palette = HIGH_CONTRAST if high_contrast else NORMAL
        self.ink, self.muted, self.primary, self.quiet = (list(palette[name]) for name in (
            "ink", "muted", "primary", "quiet"))
        Window.clearcolor = palette["ground"]

    def stored(self) -> dict[str, bool]:
        return {"large_text": self.large_text, "high_contrast": self.high_contrast}


look = Look()
