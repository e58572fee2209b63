"""The schema version every sync request states, checked before anything else."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, TypeVar

from flask import g, request

from server.bodies import request_json
from server.refusals import Kind, Refused
from sync.protocol import OLDEST_ACCEPTED_SCHEMA_VERSION, SCHEMA_HEADER, SCHEMA_VERSION

View = TypeVar("View", bound=Callable[..., Any])


VERSION_TEXT = re.compile(r"[0-9]{1,9}")
"""A version as text: ASCII digits, few enough for any integer column."""


def version_number(stated: Any) -> int | None:
    """A stated version as a whole number; None when it is not one (a word, ``-3``, ``²``, 30 digits)."""
    if isinstance(stated, bool):
        return None
    if isinstance(stated, int):
        return stated if 0 <= stated < 10**9 else None
    if isinstance(stated, str) and VERSION_TEXT.fullmatch(stated.strip()):
        return int(stated.strip())
    return None


def stated_schema_version() -> int | None:
    """The version a request states: its ``X-Beatlog-Schema`` header's (None when it states none).

    A ``schema_version`` field in the query or the JSON body may repeat it but never
    contradict it (``schema_version_mismatch``); without the header the field states it, as
    apps did before the header was the one place. A version that is not a whole number is
    refused (``schema_version_required``).
    """
    body = None
    if request.is_json:
        try:
            body = request_json(request)
        except ValueError:
            pass  # the view answers a body that is not JSON
    fields = [request.args.get("schema_version"), body.get("schema_version") if isinstance(body, dict) else None]
    repeated = [field for field in fields if field is not None]
    header = request.headers.get(SCHEMA_HEADER, "").strip() or None
    stated = header if header is not None else next(iter(repeated), None)
    if stated is None:
        return None
    version = version_number(stated)
    if version is None:
        raise Refused("schema_version_required", "The schema version is a whole number.",
                      {"schema_version": ["Not a whole number."]}, kind=Kind.MALFORMED)
    contradicting = [field for field in repeated if version_number(field) != version]
    if contradicting:
        raise Refused("schema_version_mismatch",
                      f"The request states schema version {contradicting[0]}, its {SCHEMA_HEADER} header {header!r}; "
                      "state it once, in the header.", {"schema_version": [f"Not the header's {header!r}."]},
                      kind=Kind.MALFORMED)
    return version


def check_schema_version(version: int | None) -> int:
    """The stated version, if this server serves it: 426 for an app too old, 400 for one too new."""
    if version is None:
        raise Refused("schema_version_required", "State the sync schema version of the app.",
                      {"schema_version": ["Missing."]}, kind=Kind.MALFORMED)
    if version < OLDEST_ACCEPTED_SCHEMA_VERSION:
        raise Refused(
            "upgrade_required",
            f"This app speaks sync schema {version}; the server needs {OLDEST_ACCEPTED_SCHEMA_VERSION} or newer. "
            "Update the app: nothing waiting to be sent is lost.",
            {"schema_version": [f"At least {OLDEST_ACCEPTED_SCHEMA_VERSION}."]},
            kind=Kind.OUTDATED,
        )
    if version > SCHEMA_VERSION:
        raise Refused(
            "schema_version_unsupported",
            f"This app speaks sync schema {version}, newer than the server's {SCHEMA_VERSION}; update the server.",
            {"schema_version": [f"At most {SCHEMA_VERSION}."]},
            kind=Kind.MALFORMED,
        )
    return version


def versioned(view: View) -> View:
    """Refuse a request whose app is too old (``upgrade_required``) before its body is even validated."""

    @functools.wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        g.schema_version = check_schema_version(stated_schema_version())
        return view(*args, **kwargs)

    return checked  # type: ignore[return-value]


def schema_version() -> int:
    return g.schema_version
