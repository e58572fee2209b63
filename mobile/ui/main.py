"""Starting the app: ``python -m mobile.ui`` (``make app``) on a desktop, ``main.py`` on Android.

On a desktop the window takes a handheld's portrait shape; the server address defaults to
the one ``make run`` serves.
"""

from __future__ import annotations

import argparse
import os
import sys

from mobile.services.platform import on_android

HANDHELD_SIZE = (412, 820)


def configure_window(size: tuple[int, int] = HANDHELD_SIZE) -> None:
    """Before Kivy opens its window: a portrait handheld size on a desktop, and no argv parsing."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    if on_android():
        return
    from kivy.config import Config

    Config.set("graphics", "width", str(size[0]))
    Config.set("graphics", "height", str(size[1]))
    Config.set("graphics", "resizable", "1")
    Config.set("input", "mouse", "mouse,multitouch_on_demand")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="beatlog-handheld", description="The Beatlog handheld app.")
    parser.add_argument("--server", help="server address for the first sign-in (default http://127.0.0.1:5000)")
    parser.add_argument("--data-dir", help="where the app keeps its records (default: the user data folder)")
    options = parser.parse_args(sys.argv[1:] if argv is None else argv)
    configure_window()
    from mobile.ui.app import BeatlogApp

    BeatlogApp(data_dir=options.data_dir, server_url=options.server).run()


if __name__ == "__main__":
    main()
