"""schemathesis against the served OpenAPI: every operation, as officer, chief and admin.

The cases are generated from the document the server serves and sent to the app in-process
(WSGI, no network). Whatever arrives, the answer is never a 5xx and always matches what the
document says of that operation and status. ``BEATLOG_FUZZ_EXAMPLES`` sets the examples per
operation and role (a small number keeps this near a minute per backend in CI).
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from sync.protocol import SCHEMA_HEADER, SCHEMA_VERSION
from tests.world import World

EXAMPLES = int(os.environ.get("BEATLOG_FUZZ_EXAMPLES") or 30)
LAST = ("/api/v1/auth/logout",)
"""Operations that end the caller's session run last, so the others run signed in."""


def operations(app: Flask) -> list[Any]:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    found = [result.ok() for result in schema.get_all_operations()]
    return sorted(found, key=lambda operation: (operation.path in LAST, operation.label))


@pytest.mark.parametrize("username", ["officer_a1", "chief_a", "admin"])
def test_no_operation_answers_a_server_error_or_breaks_its_own_schema(
    app: Flask, world: World, username: str
) -> None:
    # schemathesis' WSGI transport asks for gzip but reads the answer without inflating it; the
    # compressed answers are tested in test_compression.py.
    headers = {**world.headers(username), SCHEMA_HEADER: str(SCHEMA_VERSION), "Accept-Encoding": "identity"}
    for operation in operations(app):

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
        @given(case=operation.as_strategy())
        def answers_as_documented(case: Any) -> None:
            response = case.call(headers=headers)
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

        answers_as_documented()

