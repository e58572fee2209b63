"""The dashboard's browser session: what its cookie holds, how it is sent, where it leads."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from server.config import settings_from_env
from tests.server.dashboard.conftest import Reviewer
from tests.world import World

OTHER_SITES = ["https://evil.example/x", "//evil.example/x", "/\\evil.example/x", "http:/dashboard/inbox", ""]


def session_cookie(reviewer: Reviewer) -> str:
    signed_in = reviewer.sign_in("chief_a")
    assert signed_in.status_code == 302
    cookies = [header for header in signed_in.headers.getlist("Set-Cookie") if header.startswith("session=")]
    assert len(cookies) == 1
    return cookies[0]


def test_the_session_cookie_is_http_only_and_same_site_lax(reviewer: Reviewer) -> None:
    cookie = session_cookie(reviewer)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_the_session_cookie_is_secure_when_the_site_is_served_over_https(app: Flask, reviewer: Reviewer) -> None:
    assert settings_from_env({"BEATLOG_SECURE_COOKIES": "1"}, app.instance_path, secret_given=True)[
        "SESSION_COOKIE_SECURE"] is True
    app.config["SESSION_COOKIE_SECURE"] = True
    assert "Secure" in session_cookie(reviewer)


def test_the_session_cookie_carries_nothing_that_opens_the_api(app: Flask, client: FlaskClient,
                                                               reviewer: Reviewer) -> None:
    value = session_cookie(reviewer).split(";", 1)[0].removeprefix("session=")
    held: dict[str, Any] = app.session_interface.get_signing_serializer(app).loads(value)  # type: ignore[attr-defined]
    assert held and reviewer.get("/dashboard/inbox").status_code == 200
    for each in held.values():
        response = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {each}"})
        assert response.status_code == 401


@pytest.mark.parametrize("back", OTHER_SITES)
def test_bulk_approval_only_ever_leads_back_to_the_dashboard(reviewer: Reviewer, world: World, back: str) -> None:
    reviewer.sign_in("chief_a")
    reviewer.get("/dashboard/inbox")
    for logs in ([], [f"{world.inspections['A1']}:1"]):
        response = reviewer.post("/dashboard/inbox/approve", {"logs": logs, "back": back})
        assert response.status_code == 302 and response.headers["Location"] == "/dashboard/inbox"
