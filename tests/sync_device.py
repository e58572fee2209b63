"""A minimal device for sync tests: a local copy, an outbox, push and pull over HTTP.

It follows the protocol the way the handheld must (edits carry the value they started
from, several offline edits of one record coalesce until they are sent, a mutation leaves
the outbox only when the server answered it) without any of the handheld's storage.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from marshmallow import ValidationError

from sync.compiled import compile_schema
from sync.protocol import SCHEMA_VERSION
from sync.records import RECORD_TYPES


class Http(Protocol):
    def __call__(self, method: str, path: str, body: Any = None) -> tuple[int, Any]: ...


def flask_http(client: Any, headers: dict[str, str]) -> Http:
    def call(method: str, path: str, body: Any = None) -> tuple[int, Any]:
        response = client.open(path, method=method, json=body, headers=headers)
        return response.status_code, response.get_json(silent=True)

    return call


@dataclass
class Pending:
    mutation: dict[str, Any]
    sent: bool = False


@dataclass
class SyncDevice:
    device_id: uuid.UUID
    http: Http
    schema_version: int = SCHEMA_VERSION
    records: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    outbox: list[Pending] = field(default_factory=list)
    cursor: str = ""
    results: list[dict[str, Any]] = field(default_factory=list)
    resets: int = 0

    def local(self, record_type: str, record_id: str) -> dict[str, Any] | None:
        """The record as the officer sees it: the server's copy with unsent edits on top."""
        record = copy.deepcopy(self.records.get((record_type, record_id)))
        for pending in self.outbox:
            mutation = pending.mutation
            if (mutation["type"], mutation["id"]) != (record_type, record_id):
                continue
            if mutation["op"] == "delete":
                return None
            record = record or {"version": 0, "deleted": False, "data": {}}
            record["data"].update(mutation["data"])
        return None if record is None or record["deleted"] else record

    def create(self, record_type: str, data: dict[str, Any], record_id: str | None = None) -> str:
        """Queue a new record, with the defaults the shared schema fills in (when it is valid)."""
        record_id = record_id or str(uuid.uuid4())
        schema = compile_schema(RECORD_TYPES[record_type].data_schema)
        try:
            data = schema.dump(schema.load(data))
        except ValidationError:
            data = dict(data)
        self._queue({"type": record_type, "id": record_id, "op": "create", "base_version": None,
                     "data": data, "base": {}})
        return record_id

    def edit(self, record_type: str, record_id: str, **changes: Any) -> None:
        current = self.local(record_type, record_id)
        assert current is not None, "edit of a record the device does not have"
        open_mutation = self._open(record_type, record_id)
        if open_mutation is not None and open_mutation["op"] in ("create", "update"):
            for name, value in changes.items():
                if open_mutation["op"] == "update" and name not in open_mutation["base"]:
                    open_mutation["base"][name] = current["data"].get(name)
                open_mutation["data"][name] = value
            return
        self._queue({"type": record_type, "id": record_id, "op": "update",
                     "base_version": self._known_version(record_type, record_id),
                     "data": dict(changes), "base": {name: current["data"].get(name) for name in changes}})

    def delete(self, record_type: str, record_id: str) -> None:
        open_mutation = self._open(record_type, record_id)
        if open_mutation is not None and open_mutation["op"] == "create":
            self.outbox = [p for p in self.outbox if p.mutation is not open_mutation]
            return
        if open_mutation is not None:
            self.outbox = [p for p in self.outbox if p.mutation is not open_mutation]
        self._queue({"type": record_type, "id": record_id, "op": "delete",
                     "base_version": self._known_version(record_type, record_id), "data": {}, "base": {}})

    def push(self, lose_response: bool = False) -> tuple[int, Any]:
        batch = [pending.mutation for pending in self.outbox]
        for pending in self.outbox:
            pending.sent = True
        if not batch:
            return 200, {"results": []}
        status, body = self.http("POST", "/api/v1/sync/push",
                                 {"device_id": str(self.device_id), "schema_version": self.schema_version,
                                  "mutations": batch})
        if lose_response or status != 200:
            return status, body
        answered = {result["mutation_id"]: result for result in body["results"]}
        self.results.extend(body["results"])
        keep = []
        for pending in self.outbox:
            result = answered.get(pending.mutation["mutation_id"])
            if result is None or result.get("retryable"):
                keep.append(pending)
                continue
            if result.get("first_status", result["status"]) == "applied":
                self._acknowledge(pending.mutation, result["version"])
        self.outbox = keep
        return status, body

    def pull(self, limit: int = 100, lose_response: bool = False, max_pages: int = 1000,
             allow_unfinished: bool = False) -> list[dict[str, Any]]:
        """Pull every page (at most ``max_pages``, then stop if ``allow_unfinished``); returns the changes."""
        received: list[dict[str, Any]] = []
        for _ in range(max_pages):
            path = f"/api/v1/sync/pull?schema_version={self.schema_version}&limit={limit}&cursor={self.cursor}"
            status, body = self.http("GET", path)
            assert status == 200, body
            if lose_response:
                return received
            if body["reset"]:
                self.resets += 1
                self.records.clear()
            for change in body["changes"]:
                key = (change["type"], change["id"])
                if change.get("left_scope"):
                    self.records.pop(key, None)
                else:
                    self.records[key] = {"version": change["version"], "deleted": change["deleted"],
                                         "data": change["data"]}
            received.extend(body["changes"])
            self.cursor = body["cursor"]
            if not body["has_more"]:
                return received
        if allow_unfinished:
            return received
        raise AssertionError("pull did not finish")

    def sync(self) -> None:
        status, body = self.push()
        assert status == 200, body
        self.pull()

    def visible(self, record_type: str) -> dict[str, dict[str, Any]]:
        return {
            record_id: {"version": record["version"], "data": record["data"]}
            for (kind, record_id), record in self.records.items()
            if kind == record_type and not record["deleted"]
        }

    def _queue(self, mutation: dict[str, Any]) -> None:
        mutation["mutation_id"] = str(uuid.uuid4())
        self.outbox.append(Pending(mutation))

    def _open(self, record_type: str, record_id: str) -> dict[str, Any] | None:
        for pending in reversed(self.outbox):
            mutation = pending.mutation
            if (mutation["type"], mutation["id"]) == (record_type, record_id):
                return None if pending.sent else mutation
        return None

    def _acknowledge(self, mutation: dict[str, Any], version: int) -> None:
        """An applied mutation is the server's state now: keep it until a pull says more."""
        key = (mutation["type"], mutation["id"])
        record = self.records.setdefault(key, {"version": 0, "deleted": False, "data": {}})
        record["data"].update(mutation["data"])
        record["deleted"] = record["deleted"] or mutation["op"] == "delete"
        record["version"] = version

    def _known_version(self, record_type: str, record_id: str) -> int:
        record = self.records.get((record_type, record_id))
        return record["version"] if record else 1


DeviceFactory = Callable[[str], SyncDevice]
