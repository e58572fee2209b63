"""What README's quick start promises, against a real server process."""

from __future__ import annotations

import uuid

import requests

from tests.e2e.conftest import LiveServer


def sign_in(server: LiveServer, username: str, password: str = "demo") -> requests.Response:
    return requests.post(
        f"{server.url}/api/v1/auth/login",
        json={"username": username, "password": password, "device_id": str(uuid.uuid4()), "device_name": "t"},
        timeout=10,
    )


def test_a_demo_officer_signs_in_and_finds_venues_in_their_room(live_server: LiveServer) -> None:
    response = sign_in(live_server, "officer1")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user"]["display_name"] == "李持忠" and body["token"]
    headers = {"Authorization": f"Bearer {body['token']}"}
    room = requests.get(f"{live_server.url}/api/v1/rooms/{body['user']['room_id']}", headers=headers, timeout=10)
    assert room.json()["name"] == "枫杨社区警务室"
    venues = requests.get(f"{live_server.url}/api/v1/venues", params={"q": "酒店", "page_size": 100},
                          headers=headers, timeout=10)
    assert venues.status_code == 200 and venues.json()
    assert all("酒店" in v["name"] or "酒店" in v["address"] for v in venues.json())
    assert {v["room_id"] for v in venues.json()} == {body["user"]["room_id"]}


def test_every_demo_account_signs_in_with_the_demo_password(live_server: LiveServer) -> None:
    for username in ("admin", "chief1", "officer1", "officer2", "officer3"):
        assert sign_in(live_server, username).status_code == 200, username
    assert sign_in(live_server, "officer1", "not-demo").status_code == 401


def test_the_openapi_document_is_served(live_server: LiveServer) -> None:
    spec = requests.get(f"{live_server.url}/api/v1/openapi.json", timeout=10).json()
    assert spec["info"]["title"] == "Beatlog API"
    assert "/api/v1/auth/login" in spec["paths"]


def test_loading_the_demo_twice_changes_nothing(live_server: LiveServer) -> None:
    again = live_server.flask("demo", "load", "--if-empty")
    assert again.returncode == 0 and "not loaded" in again.stdout
    verify = live_server.flask("audit", "verify")
    assert verify.returncode == 0 and "intact" in verify.stdout
