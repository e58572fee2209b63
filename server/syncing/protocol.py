"""The schema version every sync request states, checked before anything else."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import g, request

from server.refusals import Kind, Refused
from sync.protocol import OLDEST_ACCEPTED_SCHEMA_VERSION, SCHEMA_HEADER, SCHEMA_VERSION

View = TypeVar("View", bound=Callable[..., Any])


def stated_schema_version() -> Any:
    """The version a request states: its ``X-Beatlog-Schema`` header's.

    A ``schema_version`` field in the query or the JSON body may repeat it but never
    contradict it (``schema_version_mismatch``); without the header the field states it, as
    apps did before the header was the one place.
    """
    header = request.headers.get(SCHEMA_HEADER, "").strip() or None
    repeated = request.args.get("schema_version")
    if repeated is None:
        body = request.get_json(silent=True) if request.is_json else None
        repeated = body.get("schema_version") if isinstance(body, dict) else None
    if header is None:
        return repeated
    if repeated is not None and str(repeated).strip() != header:
        raise Refused("schema_version_mismatch",
                      f"The request states schema version {repeated}, its {SCHEMA_HEADER} header {header!r}; "
                      "state it once, in the header.", {"schema_version": [f"Not the header's {header!r}."]},
                      kind=Kind.MALFORMED)
    return header


def recorded_schema_version() -> int | None:
    """The stated version as a device record keeps it: a whole number, or None when none is stated."""
    stated = stated_schema_version()
    return int(stated) if str(stated).strip().lstrip("-").isdigit() else None


def check_schema_version(stated: Any) -> int:
    if stated is None:
        raise Refused("schema_version_required", "State the sync schema version of the app.",
                      {"schema_version": ["Missing."]}, kind=Kind.MALFORMED)
    try:
        version = int(stated)
    except (TypeError, ValueError):
        raise Refused("schema_version_required", "The schema version is a whole number.",
                      {"schema_version": ["Not a whole number."]}, kind=Kind.MALFORMED) from None
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
