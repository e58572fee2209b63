"""A push whose response is lost after the server committed it, retried over a real network."""

from __future__ import annotations

import uuid
from urllib.parse import urlparse

import pytest
import requests

from sync.protocol import SCHEMA_VERSION
from tests.e2e.conftest import LiveServer
from tests.e2e.proxy import flaky_proxy


def sign_in(server: LiveServer, username: str) -> tuple[dict[str, str], str, dict]:
    device_id = str(uuid.uuid4())
    body = requests.post(f"{server.url}/api/v1/auth/login", timeout=10, json={
        "username": username, "password": "demo", "device_id": device_id, "device_name": "e2e"}).json()
    return {"Authorization": f"Bearer {body['token']}"}, device_id, body["user"]


def test_a_retry_after_a_lost_response_is_a_duplicate_and_leaves_one_record(live_server: LiveServer) -> None:
    headers, device_id, user = sign_in(live_server, "officer1")
    venue_id = str(uuid.uuid4())
    push = {"device_id": device_id, "schema_version": SCHEMA_VERSION, "mutations": [{
        "mutation_id": str(uuid.uuid4()), "type": "venue", "id": venue_id, "op": "create",
        "data": {"room_id": user["room_id"], "name": "丢包测试宾馆", "kind": "hotel", "address": "中山东路9号"}}]}
    headers["Connection"] = "close"
    with flaky_proxy(urlparse(live_server.url).port) as proxy:
        proxy.fail(lambda line: "/sync/push" in line, "drop_response")
        with pytest.raises(requests.ConnectionError):
            requests.post(f"{proxy.url}/api/v1/sync/push", json=push, headers=headers, timeout=10)
        assert len(proxy.failed) == 1
        retried = requests.post(f"{proxy.url}/api/v1/sync/push", json=push, headers=headers, timeout=10)
    result = retried.json()["results"][0]
    assert (result["status"], result["first_status"], result["version"]) == ("duplicate", "applied", 1)
    found = requests.get(f"{live_server.url}/api/v1/venues", params={"q": "丢包测试", "page_size": 50},
                         headers=headers, timeout=10).json()
    assert [venue["id"] for venue in found] == [venue_id]
