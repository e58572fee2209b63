"""Where log lines go and how they look: one line each on stderr, JSON by default.

``BEATLOG_LOG_FORMAT=json`` (the default, everywhere: what runs in tests is what production
writes) makes each line a JSON object (python-json-logger) with ``timestamp``, ``level``,
``logger``, ``message``, the ``request_id`` of the request it was written in, and the
fields the code passed (see ``server/requestlog.py``); ``text`` makes it a readable line
with the same fields as ``key=value`` pairs, for a developer's terminal.

Logging belongs to the process, not to an app: the one handler is installed on the root
logger, so what Flask, SQLAlchemy, Alembic or the server's own modules log comes out the
same way, and creating another app (tests do, many times) replaces the handler's format
rather than adding a second handler. The handler writes to whatever ``sys.stderr`` is when
a line is written (as ``logging.lastResort`` does), so output redirected later (gunicorn's
``--capture-output``, a test's capture) still receives it.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from flask import Flask
from flask.logging import default_handler
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from server.requestlog import current_request_id

HANDLER_NAME = "beatlog"
INFO_LOGGERS = ("server", "alembic", "flask_migrate")
"""Loggers whose INFO lines are worth reading (requests, upgrades); everything else from WARNING."""
STANDARD_FIELDS = frozenset(RESERVED_ATTRS) | {"request_id", "asctime", "message"}


class RequestIdFilter(logging.Filter):
    """Stamp each line written during a request with that request's id."""

    def filter(self, record: logging.LogRecord) -> bool:
        found = current_request_id()
        if found is not None:
            record.request_id = found
        return True


class StderrHandler(logging.StreamHandler[TextIO]):
    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _stream: TextIO) -> None:
        """The stream is always the current ``sys.stderr``."""


class TextFormatter(logging.Formatter):
    """``time LEVEL logger message`` followed by the line's own fields as ``key=value``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = {name: value for name, value in vars(record).items()
                  if name not in STANDARD_FIELDS and not name.startswith("_")}
        if hasattr(record, "request_id"):
            fields = {"request_id": record.request_id, **fields}
        return " ".join([line, *(f"{name}={value}" for name, value in fields.items())])


def formatter(log_format: str) -> logging.Formatter:
    if log_format == "text":
        return TextFormatter()
    return JsonFormatter(
        "%(levelname)s %(name)s %(message)s",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp=True,
        json_ensure_ascii=False,
    )


def configure(app: Flask) -> None:
    """Send every log line to stderr in the app's ``LOG_FORMAT``, through the one handler."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if h.get_name() == HANDLER_NAME), None)
    if handler is None:
        handler = StderrHandler()
        handler.set_name(HANDLER_NAME)
        handler.addFilter(RequestIdFilter())
        root.addHandler(handler)
    handler.setFormatter(formatter(app.config["LOG_FORMAT"]))
    for name in INFO_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO)
    app.logger.removeHandler(default_handler)
