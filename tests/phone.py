"""A signed-in handheld for server tests: the real store, outbox and sync client, in-process.

Everything a phone does goes through the handheld's own code (``mobile.store`` saves and
queues, ``mobile.sync_client`` pushes and pulls through ``mobile.session``); the Flask test
client stands in for the network (``tests.flask_http``). What the tests read back (the
answers the server gave, the changes it sent) is read from the exchanges on that network
and from the phone's store, never kept on the side.
"""

from __future__ import annotations

import json
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from flask.testing import FlaskClient

from mobile.session import Offline
from mobile.store import Records, Replica, Store
from mobile.sync_client import Progress, SyncClient, SyncStopped
from sync.protocol import SCHEMA_VERSION
from tests.flask_http import FlaskTransport, flask_session
from tests.world import World

PUSH = "/api/v1/sync/push"
PULL = "/api/v1/sync/pull"


STORE_KEY = b"test store key, thirty-two bytes"
"""The key of a test phone's store, which no password opened (``mobile.account.store_key`` in the app)."""


class Phone:
    def __init__(self, store: Store, transport: FlaskTransport, device_id: str, token: str) -> None:
        self.store = store
        self.transport = transport
        self.device_id = device_id
        self.token = token

    @property
    def records(self) -> Records:
        return Records(self.store)

    def sync_client(self, pull_limit: int = 100, pages: int | None = None, push_batch: int = 200) -> SyncClient:
        """The handheld's sync client; with ``pages``, the round is stopped once that many pull pages landed."""
        stop = threading.Event()
        started = len(self.transport.exchanges)

        def progress(step: Progress) -> None:
            if pages is not None and step.phase == "pull" and self.pulled_pages(since=started) >= pages:
                stop.set()

        return SyncClient(self.store, flask_session(self.transport, self.token), self.device_id,
                          progress=progress, pull_limit=pull_limit, push_batch=push_batch, stop=stop)

    def create(self, record_type: str, data: dict[str, Any], record_id: str | None = None) -> str:
        return self.records.save(record_type, data, record_id).id

    def edit(self, record_type: str, record_id: str, **changes: Any) -> None:
        self.records.save(record_type, changes, record_id)

    def delete(self, record_type: str, record_id: str) -> None:
        self.records.delete(record_type, record_id)

    def sync(self, push_batch: int = 200) -> None:
        self.sync_client(push_batch=push_batch).sync()

    def push(self, lose_answer: bool = False) -> None:
        """Push the outbox; with ``lose_answer`` the server handles the push but the phone never hears back."""
        with self.losing(PUSH, lose_answer):
            self.sync_client().push()

    def pull(self, limit: int = 100, lose_answer: bool = False, pages: int | None = None) -> list[dict[str, Any]]:
        """Pull page after page (stopping after ``pages`` if given); returns the changes that arrived."""
        started = len(self.transport.exchanges)
        with self.losing(PULL, lose_answer):
            try:
                self.sync_client(limit, pages).pull()
            except SyncStopped:
                assert pages is not None, "the pull stopped without being asked to"
        return [change for page in self.transport.answers(PULL, since=started) for change in page["changes"]]

    @contextmanager
    def losing(self, path: str, lose: bool) -> Iterator[None]:
        """With ``lose``, the answer to the next request for ``path`` is lost: the round ends offline."""
        if not lose:
            yield
            return
        with self.transport.losing_answer(lambda method, sent_to: sent_to == path):
            try:
                yield
            except Offline:
                return

    def restart_full_resync(self) -> None:
        """Forget the cursor, as the sync client does when the server no longer accepts it."""
        self.store.set_meta("cursor", "")

    def pulled_pages(self, since: int = 0) -> int:
        return len(self.transport.answers(PULL, since=since))

    @property
    def results(self) -> list[dict[str, Any]]:
        """Every push result the phone received, oldest first."""
        return [result for answer in self.transport.answers(PUSH) for result in answer["results"]]

    @property
    def sent(self) -> list[dict[str, Any]]:
        """Every mutation the phone sent, resends included, oldest first."""
        return [mutation for exchange in self.transport.exchanges if exchange.path == PUSH
                for mutation in exchange.sent["mutations"]]

    @property
    def cursor(self) -> str:
        return self.store.get_meta("cursor", "")

    @property
    def resets(self) -> int:
        """How many full resyncs the server started on this phone."""
        return self.store.get_meta("resync_generation", 0)

    def pending(self) -> int:
        return Replica(self.store).pending_count()

    def refused(self) -> set[tuple[str, str]]:
        """The records with changes the server refused for good, which the phone keeps for the officer."""
        return {(row["type"], row["id"]) for row in self.store.query(
            "SELECT DISTINCT type, id FROM outbox WHERE state = 'rejected'")}

    def visible(self, record_type: str) -> dict[str, dict[str, Any]]:
        """The records of a type as the officer sees them: version and data."""
        return {record.id: {"version": record.version, "data": record.data} for record in self.records.all(record_type)}

    def held(self) -> dict[tuple[str, str], dict[str, Any]]:
        """The server's copy of every record the phone holds, tombstones included."""
        rows = self.store.query("SELECT type, id, version, deleted, server FROM record WHERE server IS NOT NULL")
        return {(row["type"], row["id"]): {"version": row["version"], "deleted": bool(row["deleted"]),
                                           "data": json.loads(row["server"])} for row in rows}


class Phones:
    """Phones signed in as the test world's people, each with its own store; closed together."""

    def __init__(self, client: FlaskClient, world: World, directory: Path | None = None) -> None:
        self.client = client
        self.world = world
        self.scratch = tempfile.TemporaryDirectory() if directory is None else None
        self.directory = directory or Path(self.scratch.name)  # type: ignore[union-attr]
        self.phones: list[Phone] = []

    def sign_in(self, username: str) -> Phone:
        store = Store(self.directory / f"{username}-{len(self.phones)}", key=STORE_KEY)
        phone = Phone(store, FlaskTransport(self.client), str(self.world.devices[username]),
                      self.world.tokens[username])
        self.phones.append(phone)
        return phone

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        for phone in self.phones:
            phone.store.close()
        if self.scratch is not None:
            self.scratch.cleanup()


DeviceFactory = Callable[[str], Phone]


def mutation(record_type: str, op: str, data: dict[str, Any], record_id: str | None = None,
             **envelope: Any) -> dict[str, Any]:
    return {"mutation_id": str(uuid.uuid4()), "type": record_type, "id": record_id or str(uuid.uuid4()), "op": op,
            "data": data, **envelope}


def hostile_push(client: FlaskClient, world: World, username: str, *mutations: dict[str, Any]) -> list[dict[str, Any]]:
    """Push, from that person's device, mutations its handheld would never send; returns the results.

    The handheld validates a whole record before queueing it, edits only records it was sent,
    never writes read-only types and gives each change a new mutation id: what it cannot send
    is posted raw, so the server's own defence is what is tested.
    """
    body = {"device_id": str(world.devices[username]), "schema_version": SCHEMA_VERSION, "mutations": list(mutations)}
    response = client.post(PUSH, json=body, headers=world.headers(username))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["results"]
