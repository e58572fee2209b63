"""Cutting the connection at every step of a sync, and killing the app mid-save, loses nothing."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from typing import Any
from urllib.parse import urlparse

import pytest
import requests
from PIL import Image

from mobile.account import Account
from mobile.session import SyncError
from mobile.store import Records, Store
from tests.e2e.conftest import LiveServer
from tests.e2e.handheld import Handheld, one_request_per_connection, venue_of
from tests.e2e.proxy import flaky_proxy

FAULTS = {
    "before the push reaches the server": (lambda line: line.startswith("POST /api/v1/sync/push"), "refuse"),
    "after the server committed, before the reply": (lambda line: line.startswith("POST /api/v1/sync/push"),
                                                     "drop_response"),
    "in the middle of the pull": (lambda line: line.startswith("GET /api/v1/sync/pull") and "cursor=ey" in line,
                                  "drop_response"),
    "during a photo upload": (lambda line: line.startswith("PUT /api/v1/blobs/"), "drop_response"),
}


def server_inspections(server: LiveServer, marker: str) -> list[dict]:
    http = requests.Session()
    token = http.post(f"{server.url}/api/v1/auth/login", timeout=10, json={
        "username": "admin", "password": "demo", "device_id": "00000000-0000-4000-8000-00000000a11d",
        "device_name": "checker"}).json()["token"]
    found = http.get(f"{server.url}/api/v1/inspections", params={"page_size": 500}, timeout=10,
                     headers={"Authorization": f"Bearer {token}"}).json()
    return [i for i in found if i["findings"].startswith(marker)]


def picture() -> bytes:
    """A photo no earlier test has uploaded."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (64, 48), os.urandom(64 * 48 * 3)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.mark.parametrize("fault", FAULTS)
def test_a_sync_cut_at_any_step_resumes_without_loss_or_duplicates(
    live_server: LiveServer, enrol: Any, fault: str
) -> None:
    marker = f"[{fault}]"
    with flaky_proxy(urlparse(live_server.url).port) as proxy:
        phone = enrol(proxy.url, "officer2")
        phone.sync()
        venue = venue_of(phone)
        created = [phone.inspect(venue, f"{marker} 第{n}条", picture()) for n in range(3)]
        matches, how = FAULTS[fault]
        proxy.fail(matches, how, times=2)
        with pytest.raises(SyncError):
            phone.sync()
        assert proxy.failed, "the fault never happened"
        phone.sync()
    assert phone.pending() == 0
    on_server = server_inspections(live_server, marker)
    assert sorted(i["id"] for i in on_server) == sorted(created)
    assert all(len(i["photo_hashes"]) == 1 and i["version"] == 1 for i in on_server)
    for inspection in on_server:
        local = phone.records.get("inspection", inspection["id"])
        assert (local.version, local.data["findings"]) == (1, inspection["findings"])


SAVER = """
import sys, time, uuid
from sync import clock
from mobile.store import Records, Store
records = Records(Store(sys.argv[1], key=bytes.fromhex(sys.argv[5])))
officer, venue, marker = sys.argv[2], sys.argv[3], sys.argv[4]
n = 0
while True:
    records.save("inspection", {"venue_id": venue, "officer_id": officer, "status": "submitted",
                                "inspected_at": clock.now_text(), "findings": f"{marker} {n}"})
    n += 1
    print(n, flush=True)
"""


def test_killing_the_app_mid_save_leaves_whole_records_that_all_sync_once(
    live_server: LiveServer, enrol: Any
) -> None:
    marker = "[killed mid-save]"
    phone = enrol(live_server.url, "officer3")
    phone.sync()
    venue = venue_of(phone)
    officer = phone.user["id"]
    key = phone.store.key
    assert key is not None
    phone.store.close()
    saver = subprocess.Popen([sys.executable, "-c", SAVER, str(phone.store.directory), officer, venue, marker,
                              key.hex()],
                             stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert saver.stdout is not None
    while int(saver.stdout.readline() or 0) < 40:
        pass
    saver.send_signal(signal.SIGKILL)
    saver.wait(timeout=10)
    saver.stdout.close()

    store = Store(phone.store.directory, key=key)
    assert store.query("PRAGMA integrity_check")[0][0] == "ok"
    records = Records(store)
    saved = [i for i in records.all("inspection") if i.data["findings"].startswith(marker)]
    creates = store.query("SELECT count(*) FROM outbox WHERE type = 'inspection' AND op = 'create'")[0][0]
    assert len(saved) >= 40 and creates == len(saved)
    store.close()
    reopened = Handheld(store, Account(store, session_factory=one_request_per_connection))
    reopened.account.unlock("demo")
    reopened.sync()
    on_server = server_inspections(live_server, marker)
    assert sorted(i["id"] for i in on_server) == sorted(i.id for i in saved)
    store.close()
