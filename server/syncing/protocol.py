"""The schema version every sync request states, checked before anything else."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import g, request

from server.errors import ApiError
from sync.protocol import OLDEST_ACCEPTED_SCHEMA_VERSION, SCHEMA_HEADER, SCHEMA_VERSION

View = TypeVar("View", bound=Callable[..., Any])


def stated_schema_version() -> Any:
    """The version from the header, the query string or the JSON body, in that order."""
    if SCHEMA_HEADER in request.headers:
        return request.headers[SCHEMA_HEADER]
    if "schema_version" in request.args:
        return request.args["schema_version"]
    body = request.get_json(silent=True) if request.is_json else None
    return body.get("schema_version") if isinstance(body, dict) else None


def check_schema_version(stated: Any) -> int:
    if stated is None:
        raise ApiError(400, "schema_version_required", "State the sync schema version of the app.",
                       {"schema_version": ["Missing."]})
    try:
        version = int(stated)
    except (TypeError, ValueError):
        raise ApiError(400, "schema_version_required", "The schema version is a whole number.",
                       {"schema_version": ["Not a whole number."]}) from None
    if version < OLDEST_ACCEPTED_SCHEMA_VERSION:
        raise ApiError(
            426,
            "upgrade_required",
            f"This app speaks sync schema {version}; the server needs {OLDEST_ACCEPTED_SCHEMA_VERSION} or newer. "
            "Update the app: nothing waiting to be sent is lost.",
            {"schema_version": [f"At least {OLDEST_ACCEPTED_SCHEMA_VERSION}."]},
            headers={"Upgrade": f"beatlog-sync/{SCHEMA_VERSION}"},
        )
    if version > SCHEMA_VERSION:
        raise ApiError(
            400,
            "schema_version_unsupported",
            f"This app speaks sync schema {version}, newer than the server's {SCHEMA_VERSION}; update the server.",
            {"schema_version": [f"At most {SCHEMA_VERSION}."]},
        )
    return version


def versioned(view: View) -> View:
    """Refuse a request whose app is too old (426) before its body is even validated."""

    @functools.wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        g.schema_version = check_schema_version(stated_schema_version())
        return view(*args, **kwargs)

    return checked  # type: ignore[return-value]


def schema_version() -> int:
    return g.schema_version
