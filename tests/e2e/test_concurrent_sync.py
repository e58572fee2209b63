"""Writers racing on the same records through a multi-process server on PostgreSQL, while a
device pulls: no update is lost, no change is skipped, a chief's review racing an officer's
push neither deadlocks nor decides on what the push replaced, and two rooms registering one
resident at once leave one registration open."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from sync.identity import with_check_digit
from sync.protocol import SCHEMA_VERSION
from tests.conftest import scratch_database
from tests.e2e.conftest import LiveServer, serve

WRITERS = ("officer1", "officer2", "chief1", "officer1")
ROUNDS = 25


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The demo on PostgreSQL behind gunicorn with three worker processes."""
    tmp_path = tmp_path_factory.mktemp("cluster")
    with scratch_database("postgresql", tmp_path) as database_url:
        yield from serve(database_url, tmp_path, workers=3)


class Client:
    def __init__(self, server: LiveServer, username: str) -> None:
        self.server = server
        self.http = requests.Session()
        self.device_id = str(uuid.uuid4())
        body = self.http.post(f"{server.url}/api/v1/auth/login", timeout=10, json={
            "username": username, "password": "demo", "device_id": self.device_id, "device_name": username}).json()
        self.http.headers["Authorization"] = f"Bearer {body['token']}"
        self.user = body["user"]

    def get(self, path: str, **params: Any) -> Any:
        response = self.http.get(f"{self.server.url}/api/v1{path}", params=params, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

    def push(self, *mutations: dict[str, Any]) -> list[dict[str, Any]]:
        response = self.http.post(f"{self.server.url}/api/v1/sync/push", timeout=30, json={
            "device_id": self.device_id, "schema_version": SCHEMA_VERSION, "mutations": list(mutations)})
        assert response.status_code == 200, response.text
        return response.json()["results"]


class Writer:
    def __init__(self, client: Client, venues: list[dict[str, Any]], index: int, room: str) -> None:
        self.client, self.index, self.room = client, index, room
        self.seen = {venue["id"]: (venue["version"], venue["notes"]) for venue in venues}
        self.results: list[tuple[str, str, dict[str, Any]]] = []
        self.created: list[str] = []

    def run(self) -> None:
        for round_number in range(ROUNDS):
            self.edit(round_number)

    def edit(self, round_number: int) -> None:
        venue_id = sorted(self.seen)[(round_number + self.index) % len(self.seen)]
        version, notes = self.seen[venue_id]
        value = f"writer {self.index} round {round_number}"
        mutations = [{"mutation_id": str(uuid.uuid4()), "type": "venue", "id": venue_id, "op": "update",
                      "base_version": version, "data": {"notes": value}, "base": {"notes": notes}}]
        if round_number % 5 == 0:
            created = str(uuid.uuid4())
            self.created.append(created)
            mutations.append({"mutation_id": str(uuid.uuid4()), "type": "venue", "id": created, "op": "create",
                              "data": {"room_id": self.room, "name": value,
                                       "kind": "shop", "address": "并发路1号"}})
        results = self.client.push(*mutations)
        self.results.append((venue_id, value, results[0]))
        if results[0]["status"] in ("applied", "merged"):
            self.seen[venue_id] = (results[0]["version"], value)
        else:
            current = self.client.get(f"/venues/{venue_id}")
            self.seen[venue_id] = (current["version"], current["notes"])


class Puller:
    def __init__(self, client: Client) -> None:
        self.client = client
        self.cursor = ""
        self.records: dict[str, dict[str, Any]] = {}
        self.writing = threading.Event()
        self.writing.set()

    def pull_all(self) -> None:
        while True:
            page = self.client.get("/sync/pull", cursor=self.cursor, limit=20, schema_version=SCHEMA_VERSION)
            for change in page["changes"]:
                if change["type"] == "venue":
                    self.records[change["id"]] = change
            self.cursor = page["cursor"]
            if not page["has_more"]:
                return

    def run(self) -> None:
        while self.writing.is_set():
            self.pull_all()


def test_racing_writers_lose_no_update_and_a_concurrent_puller_skips_no_change(cluster: LiveServer) -> None:
    admin = Client(cluster, "admin")
    room = Client(cluster, "officer1").user["room_id"]
    venues = admin.get("/venues", room_id=room, page_size=5)
    writers = [Writer(Client(cluster, username), venues, index, room) for index, username in enumerate(WRITERS)]
    puller = Puller(admin)
    with ThreadPoolExecutor(len(writers) + 1) as pool:
        pulling = pool.submit(puller.run)
        try:
            for writing in [pool.submit(writer.run) for writer in writers]:
                writing.result(timeout=300)
        finally:
            puller.writing.clear()
        pulling.result(timeout=60)
    puller.pull_all()

    results = [entry for writer in writers for entry in writer.results]
    statuses = {result["status"] for _, _, result in results}
    assert statuses <= {"applied", "merged", "conflict"} and "conflict" in statuses
    open_conflicts = {c["mutation_id"] for c in admin.get("/conflicts", page_size=500)}
    assert {r["mutation_id"] for _, _, r in results if r["status"] == "conflict"} <= open_conflicts

    for venue in venues:
        applied = [(r["version"], value) for venue_id, value, r in results
                   if venue_id == venue["id"] and r["status"] in ("applied", "merged")]
        versions = [version for version, _ in applied]
        assert len(versions) == len(set(versions)), "two writes claim the same version"
        current = admin.get(f"/venues/{venue['id']}")
        assert current["notes"] == max(applied)[1], "the last write to commit is not what the server holds"

    server = {venue["id"]: venue for venue in admin.get("/venues", page_size=500)}
    created = {created for writer in writers for created in writer.created}
    assert created <= server.keys()
    pulled = {venue_id: (change["version"], change["data"]) for venue_id, change in puller.records.items()
              if not change["deleted"]}
    for venue_id, venue in server.items():
        version, data = pulled[venue_id]
        assert (version, data["notes"]) == (venue["version"], venue["notes"]), venue_id
    verify = cluster.flask("audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr


REVIEW_ROUNDS = 8
BATCH = 300


def changes_since(client: Client, cursor: str) -> tuple[dict[str, dict[str, Any]], str]:
    """Every inspection change pulled after ``cursor``, and the cursor after them."""
    pulled: dict[str, dict[str, Any]] = {}
    while True:
        page = client.get("/sync/pull", cursor=cursor, limit=1000, schema_version=SCHEMA_VERSION)
        pulled.update({change["id"]: change for change in page["changes"] if change["type"] == "inspection"})
        cursor = page["cursor"]
        if not page["has_more"]:
            return pulled, cursor


def submitted_log(officer: Client, venue_id: str, round_number: int) -> dict[str, Any]:
    log = {"venue_id": venue_id, "officer_id": officer.user["id"], "inspected_at": "2026-06-01T09:30:00+08:00",
           "findings": f"round {round_number}", "status": "submitted"}
    inspection_id = str(uuid.uuid4())
    [result] = officer.push({"mutation_id": str(uuid.uuid4()), "type": "inspection", "id": inspection_id,
                             "op": "create", "data": log})
    assert result["status"] == "applied", result
    return {"id": inspection_id, "version": result["version"], **log}


def test_a_review_racing_an_officers_large_push_is_refused_or_turns_the_push_into_a_locked_conflict(
    cluster: LiveServer,
) -> None:
    officer, chief = Client(cluster, "officer1"), Client(cluster, "chief1")
    room = officer.user["room_id"]
    venue_id = officer.get("/venues", room_id=room, page_size=1)[0]["id"]
    _, cursor = changes_since(chief, "")
    for round_number in range(REVIEW_ROUNDS):
        log = submitted_log(officer, venue_id, round_number)
        edit = {"mutation_id": str(uuid.uuid4()), "type": "inspection", "id": log["id"], "op": "update",
                "base_version": log["version"], "data": {"status": "draft", "findings": "officer's second look"},
                "base": {"status": "submitted", "findings": log["findings"]}}
        batch = [{"mutation_id": str(uuid.uuid4()), "type": "venue", "id": str(uuid.uuid4()), "op": "create",
                  "data": {"room_id": room, "name": f"并发场所 {round_number}-{n}", "kind": "shop",
                           "address": "并发路2号"}} for n in range(BATCH)]
        with ThreadPoolExecutor(1) as pool:
            pushing = pool.submit(officer.http.post, f"{cluster.url}/api/v1/sync/push", timeout=60, json={
                "device_id": officer.device_id, "schema_version": SCHEMA_VERSION, "mutations": [*batch, edit]})
            time.sleep(0.02 * (round_number % 4))
            review = chief.http.post(f"{cluster.url}/api/v1/inspections/{log['id']}/review", timeout=60,
                                     json={"decision": "approve", "comment": "", "expected_version": log["version"]})
            push = pushing.result(timeout=60)
        assert (push.status_code, review.status_code in (200, 409)) == (200, True), review.text
        pushed = push.json()["results"][-1]
        if review.status_code == 200:
            assert (pushed["status"], pushed["reason"]) == ("conflict", "locked"), pushed
            assert review.json()["version"] == pushed["version"] == log["version"] + 1
            expected = ("approved", log["findings"], log["version"] + 1)
        else:
            assert pushed["status"] == "applied" and pushed["version"] == log["version"] + 1, pushed
            assert review.json()["current"]["version"] == pushed["version"], review.json()
            expected = ("draft", "officer's second look", log["version"] + 1)
        columns = chief.get(f"/inspections/{log['id']}")
        assert (columns["status"], columns["findings"], columns["version"]) == expected
        pulled, cursor = changes_since(chief, cursor)
        wire = pulled[log["id"]]
        assert wire["version"] == columns["version"]
        assert {name: wire["data"][name] for name in ("status", "findings", "review_comment", "reviewer_id")} == {
            name: columns[name] for name in ("status", "findings", "review_comment", "reviewer_id")}
    verify = cluster.flask("audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr


DOCUMENTS = 10



def house_of(officer: Client) -> str:
    house_id = str(uuid.uuid4())
    [result] = officer.push({"mutation_id": str(uuid.uuid4()), "type": "rental_house", "id": house_id, "op": "create",
                             "data": {"room_id": officer.user["room_id"], "officer_id": officer.user["id"],
                                      "address": "并发路8号", "landlord_name": "房东并发"}})
    assert result["status"] == "applied", result
    return house_id


def registration(officer: Client, house_id: str, number: str) -> dict[str, Any]:
    return {"mutation_id": str(uuid.uuid4()), "type": "occupant", "id": str(uuid.uuid4()), "op": "create",
            "data": {"house_id": house_id, "officer_id": officer.user["id"], "full_name": "并发测试",
                     "document_kind": "resident_id", "document_number": number,
                     "arrived_at": "2026-06-14T09:00:00+08:00", "registered_at": "2026-06-14T10:00:00+08:00"}}


def test_two_rooms_registering_one_document_at_once_leave_exactly_one_registration_open(cluster: LiveServer) -> None:
    officers = Client(cluster, "officer1"), Client(cluster, "officer3")
    houses = [house_of(officer) for officer in officers]
    admin = Client(cluster, "admin")
    for document in range(DOCUMENTS):
        number = with_check_digit(f"330402199001{document + 10:02d}123")
        sent = [registration(officer, house, number) for officer, house in zip(officers, houses, strict=True)]
        start = threading.Barrier(2)

        def push(index: int, sent: list[dict[str, Any]] = sent, start: threading.Barrier = start) -> dict[str, Any]:
            start.wait()
            return officers[index].push(sent[index])[0]

        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(push, range(2)))
        assert [result["status"] for result in results] == ["applied", "applied"], [
            (result.get("code"), result.get("errors")) for result in results]
        kept = [admin.get(f"/occupants/{mutation['id']}") for mutation in sent]
        marks = sorted((occupant["superseded_at"] is not None, occupant["earlier_registration"]) for occupant in kept)
        assert marks == [(False, True), (True, False)], (document, kept)
    verify = cluster.flask("audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
