"""A browser stand-in for the dashboard's server-side tests: cookies, CSRF tokens, forms."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.world import PASSWORD, World

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Reviewer:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.csrf = ""

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        response = self.client.get(path, **kwargs)
        found = CSRF.search(response.get_data(as_text=True)) if response.mimetype == "text/html" else None
        if found:
            self.csrf = found.group(1)
        return response

    def post(self, path: str, data: dict[str, Any], with_token: bool = True) -> TestResponse:
        return self.client.post(path, data={**data, **({"csrf_token": self.csrf} if with_token else {})})

    def sign_in(self, username: str, password: str = PASSWORD) -> TestResponse:
        self.get("/dashboard/login")
        return self.post("/dashboard/login", {"username": username, "password": password})


@pytest.fixture
def reviewer(client: FlaskClient, world: World) -> Reviewer:
    """A browser, not yet signed in (``reviewer.sign_in("chief_a")``)."""
    return Reviewer(client)
